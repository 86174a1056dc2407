// dutyflow dashboard: drawing the board (plan header, counts, the unit's next step, its own
// duties, progress per unit, the Gantt chart, the filtered duty table) from app.js's state.
// Plain JavaScript sharing app.js's globals; loaded after it (index.html).
'use strict';

// ---------------------------------------------------------------------------------------
// Rendering

function render() {
  renderWho();
  renderNext();
  renderPlan();
  renderCounts();
  renderMine();
  renderUnits();
  renderLegend();
  renderTimeline();
  renderFilters();
  renderTable();
  state.flash.clear();
}

// Who is signed in, by the unit's name in the plan (the token's own name, often an id, in
// the tooltip).
function renderWho() {
  const me = state.me;
  const known = me.unit && state.plan.units.some((u) => u.id === me.unit);
  $('who').textContent = `${known ? unitName(me.unit) : me.name} · ${ROLE_LABEL[me.role] || me.role}`;
  $('who').title = me.name;
}

function conference() {
  return state.plan.milestones.find((m) => m.id === 'conference') || state.plan.milestones[0] || null;
}

function renderPlan() {
  const p = state.plan;
  $('plan-number').textContent = 'Kế hoạch số ' + p.number;
  $('plan-title').textContent = p.title;
  $('plan-issuer').textContent = p.issuer + (p.issued_on ? ', ngày ' + isoDateText(p.issued_on) : '');
  const select = $('plan-select');
  select.hidden = state.plans.length < 2;
  select.replaceChildren(...state.plans.map((x) => h('option', { value: x.id, selected: x.id === state.planId }, x.number)));
  const m = conference();
  $('conference-at').textContent = m && m.at ? instantText(m.at) : 'chưa ấn định';
  $('conference-at').className = m && m.at ? '' : 'pending-text';
  const w = m && m.window;
  $('conference-window').textContent = w ? `Dự kiến từ ${isoDateText(w.from)} đến ${isoDateText(w.to)}` : '';
  const coordinator = state.me && state.me.role === 'coordinator';
  $('milestone-form').hidden = !coordinator || !m;
  if (coordinator && m && m.at && !$('milestone-at').value) $('milestone-at').value = m.at.slice(0, 16);
  $('calendar-link').hidden = !(state.me && (state.me.role === 'coordinator' || state.me.role === 'unit') && state.me.unit);
  $('upload-plan').hidden = !coordinator;
}

function renderCounts() {
  const counts = {};
  for (const d of state.duties) counts[d.status] = (counts[d.status] || 0) + 1;
  const cards = STATUS.map(([code, label]) =>
    h('button', { type: 'button', class: 'count s-' + code, 'data-status': code,
      onclick: () => { $('filter-state').value = 'status:' + code; renderTable(); $('duties').scrollIntoView({ behavior: 'smooth' }); } },
      h('span', { class: 'n' }, counts[code] || 0), h('span', { class: 'l' }, label)));
  cards.push(h('div', { class: 'count total' }, h('span', { class: 'n' }, state.duties.length), h('span', { class: 'l' }, 'Tổng số nhiệm vụ')));
  $('counts').replaceChildren(...cards);
}

function primaryEvents(duty) {
  return (duty.allowed_events || []).filter((n) => !SECONDARY.has(n));
}

function actionButtons(duty) {
  const names = duty.allowed_events || [];
  const primary = primaryEvents(duty);
  const secondary = names.filter((n) => SECONDARY.has(n));
  const out = primary.map((name) => {
    const spec = eventSpec(duty, name);
    return h('button', { type: 'button', class: 'act' + (name === 'acknowledge' ? ' primary' : ''),
      'data-event': name, 'data-duty': duty.id, onclick: () => fire(duty, spec) }, spec.label);
  });
  if (secondary.length) {
    const sel = h('select', { class: 'more', 'aria-label': 'Thao tác khác', onchange: (ev) => {
      const name = ev.target.value;
      ev.target.value = '';
      if (name) fire(duty, eventSpec(duty, name));
    } }, h('option', { value: '' }, 'Khác…'), secondary.map((n) => h('option', { value: n }, eventSpec(duty, n).label)));
    out.push(sel);
  }
  return out;
}

// The timeliness badge, only while the unit's part is open: once delivered, what happens to
// the deadline is no longer the unit's (and a DueSoon left behind is not shown beside
// "quá hạn"). OnTrack says nothing the status does not already say.
function timelinessBadge(duty) {
  if (!unitPartOpen(duty) || !duty.deadline || duty.status === 'pending' || duty.status === 'cancelled') return null;
  const t = duty.state.timeliness;
  if (duty.status === 'open_overdue' || t === 'Overdue' || t === 'Escalated') {
    const label = t === 'Escalated' ? duty.state.timeliness_label : 'Quá hạn';
    return h('span', { class: 'badge late-badge t-' + t, title: duty.escalated_to ? 'Đã báo: ' + duty.escalated_to.name : null }, label);
  }
  if (t === 'DueSoon') return h('span', { class: 'badge soon-badge t-DueSoon' }, duty.state.timeliness_label);
  return null;
}

function followUpChip(duty) {
  const f = followUp(duty);
  if (!f) return null;
  const waited = waitedText(f);
  return h('span', { class: 'follow-up' }, f.label + (waited ? ' · ' + waited : ''));
}

// One coherent set per duty: the four-state status (QĐ 42/2014), where the work is, the
// unit's timeliness while its part is open, and the coordinator's pending step.
function badges(duty) {
  return [
    h('span', { class: 'status s-' + duty.status }, duty.status_label || STATUS_LABEL[duty.status] || duty.status),
    h('span', { class: 'chip' }, duty.state.progress_label),
    timelinessBadge(duty),
    followUpChip(duty),
  ];
}

function deadlineBlock(duty) {
  const left = timeLeft(duty);
  return [
    h('span', { class: 'deadline' + (duty.deadline ? '' : ' pending-text') }, deadlineLabel(duty)),
    left.text ? h('span', { class: 'left ' + left.cls }, left.text) : null,
  ];
}

// The signed-in unit's next step (its most urgent open duty, first allowed event), and for
// a coordinator what waits on it: the first thing on the page, on a phone too.
function renderNext() {
  const me = state.me;
  const parts = [];
  if (me && me.unit) {
    const open = state.duties.filter((d) => d.owner === me.unit && unitPartOpen(d) && primaryEvents(d).length)
      .map((d, i) => ({ d, i })).sort((a, b) => byUrgency(a.d, b.d) || a.i - b.i).map((x) => x.d);
    const head = h('h2', {}, 'Việc cần làm tiếp · ' + unitName(me.unit));
    if (!open.length) {
      parts.push(h('div', { class: 'next-unit' }, head, h('p', { class: 'muted' }, 'Đơn vị không còn phần việc nào phải làm lúc này.')));
    } else {
      const d = open[0];
      const name = primaryEvents(d)[0];
      const spec = eventSpec(d, name);
      parts.push(h('div', { class: 'next-unit', 'data-duty': d.id }, head,
        h('div', { class: 'next-title' }, d.title),
        h('div', { class: 'meta' }, badges(d)),
        h('div', { class: 'next-deadline' }, h('span', { class: 'muted' }, 'Hạn: '), deadlineBlock(d)),
        h('div', { class: 'next-actions' },
          h('button', { type: 'button', id: 'next-action', class: 'big', 'data-event': name, 'data-duty': d.id,
            onclick: () => fire(d, spec) }, spec.label),
          open.length > 1 ? h('a', { href: '#mine-card', class: 'small' }, `Còn ${open.length - 1} việc khác của đơn vị`) : null)));
    }
  }
  if (me && me.role === 'coordinator') {
    const waiting = state.duties.filter((d) => followUp(d)).map((d) => ({ d, f: followUp(d) }))
      .sort((a, b) => (b.f.waited_seconds || 0) - (a.f.waited_seconds || 0) || byUrgency(a.d, b.d)).map((x) => x.d);
    const shown = waiting.slice(0, 5);
    parts.push(h('div', { class: 'next-coordinator' },
      h('h2', {}, `Chờ cơ quan chủ trì xử lý (${waiting.length})`),
      waiting.length ? null : h('p', { class: 'muted' }, 'Không có kết quả nào đang chờ phê duyệt hay xác nhận.'),
      shown.map((d) => h('div', { class: 'follow-row', 'data-duty': d.id },
        h('div', {}, h('div', { class: 'title' }, d.title), h('div', { class: 'muted small' }, unitName(d.owner)), followUpChip(d)),
        h('div', { class: 'actions' }, actionButtons(d).filter((el) => el.tagName === 'BUTTON')))),
      waiting.length > shown.length ? h('p', { class: 'small muted' }, `và ${waiting.length - shown.length} việc khác (lọc “Chờ cơ quan chủ trì” trong danh sách).`) : null));
  }
  $('next-card').hidden = !parts.length;
  $('next-card').replaceChildren(...parts);
}

function renderMine() {
  const me = state.me;
  const card = $('mine-card');
  if (!me || !me.unit) { card.hidden = true; return; }
  const mine = state.duties.filter((d) => d.owner === me.unit);
  card.hidden = false;
  $('mine-title').textContent = `Việc của ${unitName(me.unit)} (${mine.length})`;
  if (!mine.length) { $('mine').replaceChildren(h('p', { class: 'muted' }, 'Đơn vị không có nhiệm vụ trong kế hoạch này.')); return; }
  $('mine').replaceChildren(...mine.map((d) => h('div', { class: 'mine-row' + (state.flash.has(d.id) ? ' flash' : ''), 'data-duty': d.id },
    h('div', { class: 'mine-main' },
      h('div', { class: 'title' }, d.title),
      h('div', { class: 'meta' }, h('span', { class: 'kind' }, d.kind_label), badges(d)),
      h('div', { class: 'meta' }, h('span', { class: 'muted' }, 'Hạn:'), deadlineBlock(d))),
    h('div', { class: 'actions' }, actionButtons(d)))));
}

function renderUnits() {
  const rows = new Map();
  for (const d of state.duties) {
    const r = rows.get(d.owner) || { total: 0, done: 0, overdue: 0, pending: 0 };
    r.total++;
    if (d.status === 'done_on_time' || d.status === 'done_late') r.done++;
    if (d.status === 'open_overdue') r.overdue++;
    if (d.status === 'pending') r.pending++;
    rows.set(d.owner, r);
  }
  const order = state.plan.units.map((u) => u.id).filter((id) => rows.has(id));
  $('units').replaceChildren(h('table', { class: 'units' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Đơn vị'), h('th', {}, 'Hoàn thành'), h('th', {}, 'Quá hạn'), h('th', { class: 'barcol' }, 'Tiến độ'))),
    h('tbody', {}, order.map((id) => {
      const r = rows.get(id);
      const pct = r.total ? Math.round((100 * r.done) / r.total) : 0;
      const bar = h('svg:svg', { class: 'bar-mini', viewBox: '0 0 100 8', preserveAspectRatio: 'none', role: 'img', 'aria-label': pct + '%' },
        h('svg:rect', { x: 0, y: 0, width: 100, height: 8, rx: 2, class: 'bg' }),
        h('svg:rect', { x: 0, y: 0, width: pct, height: 8, rx: 2, class: 'fg' }));
      return h('tr', { 'data-unit': id }, h('td', {}, unitName(id)), h('td', {}, `${r.done}/${r.total}`),
        h('td', { class: r.overdue ? 'late' : 'muted' }, r.overdue), h('td', { class: 'barcol' }, bar, h('span', { class: 'pct' }, pct + '%')));
    }))));
}

function renderLegend() {
  $('legend').replaceChildren(
    ...STATUS.map(([code, label]) => h('li', {}, h('span', { class: 'swatch s-' + code }), label)),
    h('li', {}, h('span', { class: 'swatch s-cancelled' }), STATUS_LABEL.cancelled),
    h('li', {}, h('span', { class: 'swatch today' }), 'Hôm nay (giờ máy chủ)'),
    h('li', {}, h('span', { class: 'swatch conference' }), 'Ngày hội nghị'));
}

function renderTimeline() {
  const duties = state.duties;
  const now = serverNow();
  const m = conference();
  const conf = m && m.at ? Date.parse(m.at) : null;
  const windowEnd = m && m.window ? Date.parse(m.window.to + 'T23:59:59Z') - state.tzMinutes * 60000 : null;
  const times = [now];
  for (const d of duties) {
    if (d.assigned_at) times.push(Date.parse(d.assigned_at));
    if (d.deadline) times.push(Date.parse(d.deadline));
    if (d.finished_at) times.push(Date.parse(d.finished_at));
  }
  if (conf) times.push(conf);
  if (windowEnd && !conf) times.push(windowEnd);
  const day = 86400000;
  const start = Math.floor((Math.min(...times) - day) / day) * day;
  const end = Math.ceil((Math.max(...times) + 2 * day) / day) * day;
  const labelW = 300, rowH = 26, top = 34, chartW = 760, width = labelW + chartW + 20;
  const height = top + rowH * duties.length + 16;
  const x = (t) => labelW + ((t - start) / (end - start)) * chartW;

  const svg = h('svg:svg', { id: 'timeline', class: 'timeline', viewBox: `0 0 ${width} ${height}`, width, height,
    role: 'img', 'aria-label': 'Biểu đồ tiến trình các nhiệm vụ' });
  svg.append(h('svg:defs', {},
    h('svg:pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      h('svg:rect', { width: 6, height: 6, class: 'hatch-bg' }),
      h('svg:line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'hatch-line' }))));

  // Day grid, labelled every few days so the labels never overlap.
  const days = Math.round((end - start) / day);
  const every = Math.max(1, Math.ceil(days / 16));
  const grid = h('svg:g', { class: 'grid' });
  for (let i = 0; i <= days; i++) {
    const t = start + i * day;
    const gx = x(t);
    grid.append(h('svg:line', { x1: gx, y1: top - 6, x2: gx, y2: height - 10, class: i % every ? 'minor' : 'major' }));
    if (i % every === 0 && i < days) {
      const l = local(t);
      grid.append(h('svg:text', { x: gx + 2, y: top - 12, class: 'tick' }, `${pad(l.d)}/${pad(l.m)}`));
    }
  }
  svg.append(grid);

  duties.forEach((d, i) => {
    const y = top + i * rowH;
    const row = h('svg:g', { class: 'row' + (state.flash.has(d.id) ? ' flash' : ''), 'data-duty': d.id });
    if (i % 2 === 0) row.append(h('svg:rect', { x: 0, y, width, height: rowH, class: 'stripe' }));
    const title = d.title.length > 42 ? d.title.slice(0, 41) + '…' : d.title;
    row.append(h('svg:text', { x: 6, y: y + 11, class: 'row-title' }, title),
      h('svg:text', { x: 6, y: y + 22, class: 'row-unit' }, unitName(d.owner)));
    const from = d.assigned_at ? Date.parse(d.assigned_at) : start;
    let to, pending = false;
    if (d.deadline) to = Date.parse(d.deadline);
    else { pending = true; to = windowEnd && windowEnd > from ? windowEnd : end - day; }
    const bx = x(from), bw = Math.max(3, x(to) - bx);
    const bar = h('svg:rect', { x: bx, y: y + 6, width: bw, height: rowH - 12, rx: 3,
      class: 'bar s-' + d.status + (pending ? ' pending' : ''), 'data-duty': d.id, 'data-status': d.status });
    bar.append(h('svg:title', {}, `${d.title}\n${unitName(d.owner)} · ${d.status_label}\nHạn: ${deadlineLabel(d)}`));
    row.append(bar);
    if (pending) row.append(h('svg:text', { x: bx + bw - 4, y: y + 17, class: 'bar-note', 'text-anchor': 'end' }, 'chờ ấn định'));
    if (d.finished_at) {
      const fx = x(Date.parse(d.finished_at));
      row.append(h('svg:circle', { cx: fx, cy: y + rowH / 2, r: 4, class: 'finish' }));
    }
    svg.append(row);
  });

  if (conf) {
    const cx = x(conf);
    svg.append(h('svg:g', { class: 'conference-marker' },
      h('svg:line', { x1: cx, y1: top - 8, x2: cx, y2: height - 10 }),
      h('svg:path', { d: `M${cx - 6} ${top - 14} L${cx} ${top - 8} L${cx + 6} ${top - 14} L${cx} ${top - 20} Z` }),
      h('svg:text', { x: cx + 8, y: height - 2 }, 'Hội nghị')));
  }
  const tx = x(now);
  svg.append(h('svg:g', { class: 'today-line' },
    h('svg:line', { x1: tx, y1: top - 8, x2: tx, y2: height - 10 }),
    h('svg:text', { x: tx - 4, y: height - 2, 'text-anchor': 'end' }, 'Hôm nay')));
  $('timeline-wrap').replaceChildren(svg);
}

function renderFilters() {
  const unitSel = $('filter-unit');
  const stateSel = $('filter-state');
  const keepUnit = unitSel.value, keepState = stateSel.value;
  const owners = new Set(state.duties.map((d) => d.owner));
  const order = state.plan.units.map((u) => u.id).filter((id) => owners.has(id));
  // replaceChildren takes nodes, not an array (an array is written out as text: no options).
  unitSel.replaceChildren(h('option', { value: '' }, 'Tất cả đơn vị'), ...order.map((id) => h('option', { value: id }, unitName(id))));
  const progress = new Map();
  for (const d of state.duties) progress.set(d.state.progress, d.state.progress_label);
  stateSel.replaceChildren(h('option', { value: '' }, 'Tất cả'),
    h('optgroup', { label: 'Tình trạng (QĐ 42/2014)' },
      [...STATUS, ['cancelled', STATUS_LABEL.cancelled]].map(([c, l]) => h('option', { value: 'status:' + c }, l))),
    h('optgroup', { label: 'Tiến độ' }, [...progress].map(([c, l]) => h('option', { value: 'progress:' + c }, l))),
    h('optgroup', { label: 'Theo dõi' }, h('option', { value: 'overdue' }, 'Đơn vị đang quá hạn'),
      h('option', { value: 'follow-up' }, 'Chờ cơ quan chủ trì')));
  unitSel.value = [...unitSel.options].some((o) => o.value === keepUnit) ? keepUnit : '';
  stateSel.value = [...stateSel.querySelectorAll('option')].some((o) => o.value === keepState) ? keepState : '';
}

function matches(d) {
  const unit = $('filter-unit').value;
  const st = $('filter-state').value;
  if (unit && d.owner !== unit) return false;
  if (!st) return true;
  if (st === 'overdue') return d.status === 'open_overdue' || (unitPartOpen(d) && ['Overdue', 'Escalated'].includes(d.state.timeliness));
  if (st === 'follow-up') return Boolean(followUp(d));
  const [k, v] = st.split(':');
  if (k === 'status') return d.status === v;
  if (k === 'progress') return d.state.progress === v;
  return true;
}

function renderTable() {
  const me = state.me;
  // The caller's own duties first, then the plan's order.
  const list = state.duties.filter(matches).map((d, i) => ({ d, i }))
    .sort((a, b) => ((me && me.unit && b.d.owner === me.unit) - (me && me.unit && a.d.owner === me.unit)) || a.i - b.i)
    .map((x) => x.d);
  const tbody = $('duties').tBodies[0];
  if (!list.length) {
    tbody.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'muted empty' }, 'Không có nhiệm vụ nào khớp bộ lọc.')));
    return;
  }
  // data-label names the column in the phone layout, where each row is a card.
  tbody.replaceChildren(...list.map((d) => h('tr', { 'data-duty': d.id, 'data-owner': d.owner, 'data-status': d.status,
    class: (state.flash.has(d.id) ? 'flash ' : '') + (me && d.owner === me.unit ? 'own' : '') },
  h('td', { class: 'unit-cell' }, unitName(d.owner)),
  h('td', { class: 'duty-title' }, h('div', {}, d.title), h('div', { class: 'kind muted small' }, d.kind_label)),
  h('td', { class: 'state-cell' }, badges(d)),
  h('td', { class: 'deadline-cell', 'data-label': 'Hạn' }, deadlineBlock(d)),
  h('td', { class: 'actions' }, actionButtons(d)))));
}
