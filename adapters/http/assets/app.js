// dutyflow dashboard: plain JavaScript, no libraries, everything from this server.
// Reads the JSON API with the bearer token kept in sessionStorage, and follows
// GET /api/v1/stream (Server-Sent Events, read with fetch so the token goes in a header)
// to redraw within a second of any change.
'use strict';

const TOKEN_KEY = 'dutyflow.token';

const STATUS = [
  ['done_on_time', 'Hoàn thành đúng hạn'],
  ['done_late', 'Hoàn thành quá hạn'],
  ['open_on_time', 'Chưa hoàn thành trong hạn'],
  ['open_overdue', 'Chưa hoàn thành quá hạn'],
  ['pending', 'Chờ ấn định'],
];
const STATUS_LABEL = Object.fromEntries([...STATUS, ['cancelled', 'Đã hủy']]);
const ROLE_LABEL = { coordinator: 'Điều phối', unit: 'Đơn vị', viewer: 'Xem', system: 'Hệ thống' };
// Events a coordinator rarely needs on every row: offered in a "Khác" menu instead of buttons.
const SECONDARY = new Set(['cancel', 'reassign', 'comment']);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || '',
  me: null,
  plans: [],
  planId: '',
  plan: null,
  duties: [],
  kinds: {},
  now: null,        // server time (ms since epoch) at nowFetchedAt
  nowFetchedAt: 0,
  clockMode: 'system',
  tzMinutes: 420,
  lastEventId: null,
  flash: new Set(), // duty ids changed by the last live event
  stream: null,
};

// ---------------------------------------------------------------------------------------
// Small helpers

const $ = (id) => document.getElementById(id);

function h(tag, attrs, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function toast(message, kind) {
  const t = $('toast');
  t.textContent = message;
  t.className = 'toast ' + (kind || '');
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || ('HTTP ' + status));
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + state.token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

function unitName(id) {
  const u = state.plan && state.plan.units.find((x) => x.id === id);
  return u ? u.name : id;
}

// Local (plan time zone) calendar fields of an instant, whatever the browser's zone is.
function local(ms) {
  const d = new Date(ms + state.tzMinutes * 60000);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(), hh: d.getUTCHours(), mm: d.getUTCMinutes() };
}
const pad = (n) => String(n).padStart(2, '0');
// Dates as administrative documents write them (Nghị định 30/2020/NĐ-CP): a leading zero for
// days below 10 and for the months 1 and 2 ("05/02/2024", "16/6/2023"), as the engine does.
const viDate = (y, m, d) => `${d < 10 ? '0' : ''}${d}/${m < 3 ? '0' : ''}${m}/${y}`;
const dateText = (ms) => { const l = local(ms); return viDate(l.y, l.m, l.d); };
const isoDateText = (day) => { const [y, m, d] = day.split('-').map(Number); return viDate(y, m, d); };
const capital = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);

// The engine's words for a deadline (deadline_text), for a server that does not send them
// yet: midnight is the end of the day before (Bộ luật Dân sự, Điều 148).
function deadlineText(iso) {
  if (!iso) return null;
  const ms = Date.parse(iso);
  const l = local(ms);
  if (l.hh === 0 && l.mm === 0) return 'hết ngày ' + dateText(ms - 1);
  return `${pad(l.hh)}:${pad(l.mm)} ngày ${dateText(ms)}`;
}

// One rendering of a duty's deadline for the whole page, as a label (capital first letter).
function deadlineLabel(duty) {
  const text = duty.deadline_text ?? deadlineText(duty.deadline);
  return text ? capital(text) : 'Chờ ấn định';
}

function instantText(iso) {
  const ms = Date.parse(iso);
  const l = local(ms);
  return `${pad(l.hh)}:${pad(l.mm)} ngày ${dateText(ms)}`;
}

function serverNow() {
  if (state.now === null) return Date.now();
  // A manual or scaled clock does not run like ours: use the last reading as it is.
  if (state.clockMode !== 'system') return state.now;
  return state.now + (Date.now() - state.nowFetchedAt);
}

function spanText(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return hours > 0 ? `${days} ngày ${hours} giờ` : `${days} ngày`;
  if (hours > 0) return minutes % 60 ? `${hours} giờ ${minutes % 60} phút` : `${hours} giờ`;
  return `${minutes % 60} phút`;
}

function terminal(duty) {
  if (['done_on_time', 'done_late', 'cancelled'].includes(duty.status)) return true;
  const kind = state.kinds[duty.kind];
  const s = kind && kind.states && kind.states.find((x) => x.name === duty.state.progress);
  return Boolean(s && s.terminal);
}

// Whether the unit still has its part to deliver: only then is its timeliness news.
function unitPartOpen(duty) {
  return duty.unit_part_open ?? !terminal(duty);
}

// The coordinator's pending step once the unit has delivered ({label, since, waited_seconds}),
// or null. A server without follow_up: a review step the caller may take now (a coordinator
// sees them; mark_absent and return are not among them, they are allowed before delivery too).
const FOLLOW_UP_EVENTS = ['approve', 'appraise', 'decide', 'mark_attended', 'present'];
function followUp(duty) {
  if (duty.follow_up !== undefined) return duty.follow_up;
  if (terminal(duty)) return null;
  const names = FOLLOW_UP_EVENTS.filter((n) => (duty.allowed_events || []).includes(n));
  if (!names.length) return null;
  return { events: names, label: 'Chờ cơ quan chủ trì: ' + eventSpec(duty, names[0]).label };
}

function waitedText(f) {
  const ms = f.since ? serverNow() - Date.parse(f.since) : (f.waited_seconds ?? 0) * 1000;
  return ms >= 60000 ? 'đã chờ ' + spanText(ms) : '';
}

// What the deadline column says under the deadline.
function timeLeft(duty) {
  const delivery = duty.delivery;
  if (delivery && delivery.delivered_at && !unitPartOpen(duty)) {
    const verdict = delivery.late === true ? 'quá hạn' : delivery.late === false ? 'đúng hạn' : '';
    return { text: `${delivery.label}: ${instantText(delivery.delivered_at)}${verdict ? ' (' + verdict + ')' : ''}`,
      cls: delivery.late ? 'late-done' : 'muted' };
  }
  if (duty.status === 'done_on_time' || duty.status === 'done_late') return { text: 'Đã xong', cls: 'muted' };
  if (duty.status === 'cancelled' || terminal(duty)) return { text: '', cls: 'muted' };
  if (!duty.deadline) return { text: '', cls: 'muted' };
  const left = Date.parse(duty.deadline) - serverNow();
  if (left < 0) return { text: 'Quá hạn ' + spanText(left), cls: 'late' };
  return { text: 'Còn ' + spanText(left), cls: left < 2 * 86400000 ? 'soon' : '' };
}

// Most urgent first: the earliest deadline, then the ones still waiting for a date.
function byUrgency(a, b) {
  const ta = a.deadline ? Date.parse(a.deadline) : Infinity;
  const tb = b.deadline ? Date.parse(b.deadline) : Infinity;
  return ta === tb ? 0 : ta < tb ? -1 : 1;
}

function eventSpec(duty, name) {
  const kind = state.kinds[duty.kind];
  const spec = kind && kind.events.find((e) => e.name === name);
  return spec || { name, label: name, needs: 'none', field: '' };
}

// ---------------------------------------------------------------------------------------
// Sign-in

function showSignIn(message) {
  $('board').hidden = true;
  $('import').hidden = true;
  $('sign-in').hidden = false;
  $('who').hidden = true;
  $('sign-out').hidden = true;
  const err = $('sign-in-error');
  err.hidden = !message;
  err.textContent = message || '';
  $('token').focus();
}

async function signIn(token) {
  state.token = token;
  try {
    state.me = await api('GET', '/api/v1/me');
  } catch (e) {
    state.token = '';
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(e.status === 401 ? 'Mã truy cập không đúng.' : 'Không đăng nhập được: ' + e.message);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('sign-in').hidden = true;
  $('board').hidden = false;
  const who = $('who');
  who.hidden = false;
  who.textContent = `${state.me.name} · ${ROLE_LABEL[state.me.role] || state.me.role}`;
  $('sign-out').hidden = false;
  await loadAll();
  startStream();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = '';
  state.me = null;
  if (state.stream) state.stream.abort();
  state.stream = null;
  setLive(false, 'Chưa đăng nhập');
  showSignIn('');
}

// ---------------------------------------------------------------------------------------
// Loading

async function loadKinds() {
  const body = await api('GET', '/api/v1/kinds');
  state.kinds = Object.fromEntries(body.kinds.map((k) => [k.name, k]));
}

async function loadNow() {
  const body = await api('GET', '/api/v1/now');
  state.now = Date.parse(body.now);
  state.nowFetchedAt = Date.now();
  state.clockMode = body.clock;
  const m = /([+-])(\d\d):(\d\d)$/.exec(body.now);
  if (m) state.tzMinutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  const mode = { manual: 'đồng hồ thủ công', scaled: 'đồng hồ mô phỏng' }[body.clock];
  $('server-time').textContent = 'Giờ máy chủ: ' + instantText(body.now) + (mode ? ` (${mode})` : '');
}

async function loadPlan() {
  const [plan, duties] = await Promise.all([
    api('GET', '/api/v1/plans/' + encodeURIComponent(state.planId)),
    api('GET', '/api/v1/duties?plan=' + encodeURIComponent(state.planId)),
  ]);
  state.plan = plan;
  state.duties = duties.duties;
}

async function loadAll() {
  try {
    if (!Object.keys(state.kinds).length) await loadKinds();
    // Once a plan is known, everything is asked for at once: one round trip per refresh.
    const known = state.planId && state.plan;
    const [plans] = await Promise.all([api('GET', '/api/v1/plans'), loadNow(), known ? loadPlan() : null]);
    state.plans = plans.plans;
    if (!state.plans.length) {
      $('plan-title').textContent = 'Chưa có kế hoạch nào';
      $('upload-plan').hidden = !(state.me && state.me.role === 'coordinator');
      return;
    }
    if (!state.plans.some((p) => p.id === state.planId)) {
      state.planId = state.plans[0].id;
      await loadPlan();
    } else if (!known) {
      await loadPlan();
    }
    render();
  } catch (e) {
    if (e.status === 401) return signOut();
    toast('Không tải được dữ liệu: ' + e.message, 'bad');
  }
}

let refreshTimer = null;
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(loadAll, 25);  // a commit's events arrive together: one refresh
}

// ---------------------------------------------------------------------------------------
// Live stream (SSE over fetch, so the bearer token travels in a header)

function setLive(on, text) {
  const el = $('live');
  el.className = 'live ' + (on ? 'on' : 'off');
  el.textContent = text;
}

function startStream() {
  if (state.stream) state.stream.abort();
  const ctl = new AbortController();
  state.stream = ctl;
  const connect = async () => {
    if (ctl.signal.aborted) return;
    const headers = { Authorization: 'Bearer ' + state.token, Accept: 'text/event-stream' };
    if (state.lastEventId !== null) headers['Last-Event-ID'] = String(state.lastEventId);
    try {
      const res = await fetch('/api/v1/stream', { headers, signal: ctl.signal, cache: 'no-store' });
      if (res.status === 401) return signOut();
      if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
      setLive(true, 'Trực tiếp');
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          handleMessage(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
      }
    } catch (e) {
      if (ctl.signal.aborted) return;
    }
    setLive(false, 'Mất kết nối — đang thử lại…');
    setTimeout(connect, 1000);
  };
  connect();
}

function handleMessage(block) {
  let id = null, type = 'message', data = '';
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') type = value;
    else if (field === 'data') data += (data ? '\n' : '') + value;
  }
  if (id !== null && /^\d+$/.test(id)) state.lastEventId = Number(id);
  if (!data && type === 'message') return;
  if (type !== 'reset') {
    try {
      const ev = JSON.parse(data);
      if (ev.duty) state.flash.add(ev.duty);
    } catch (e) { /* a comment or an unknown shape: a refresh still follows */ }
  }
  scheduleRefresh();
}

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

// ---------------------------------------------------------------------------------------
// Firing events

async function post(duty, body) {
  const answer = await api('POST', `/api/v1/plans/${encodeURIComponent(duty.plan)}/duties/${encodeURIComponent(duty.id)}/events`, body);
  const i = state.duties.findIndex((d) => d.id === duty.id);
  if (i >= 0 && answer) state.duties[i] = Object.assign({}, state.duties[i], answer);
  render();
  return answer;
}

function fieldFor(spec) {
  const id = 'event-input';
  switch (spec.needs) {
    case 'note': return [h('label', { for: id }, 'Lý do / ghi chú (bắt buộc)'), h('textarea', { id, rows: 3, required: true })];
    case 'url': return [h('label', { for: id }, 'Đường dẫn (http/https)'), h('input', { id, type: 'url', required: true, placeholder: 'https://' })];
    case 'count': return [h('label', { for: id }, 'Số lượng đề nghị'), h('input', { id, type: 'number', min: 0, step: 1, required: true })];
    case 'list': return [h('label', { for: id }, 'Danh sách (mỗi dòng một người)'), h('textarea', { id, rows: 4, required: true })];
    case 'unit': return [h('label', { for: id }, 'Giao cho đơn vị'),
      h('select', { id, required: true }, state.plan.units.map((u) => h('option', { value: u.id }, u.name)))];
    case 'string': {
      const labels = { name: 'Họ và tên phóng viên', title: 'Tên bài tham luận', decision: 'Số, ngày quyết định khen thưởng' };
      return [h('label', { for: id }, labels[spec.field] || spec.field), h('input', { id, type: 'text', required: true })];
    }
    default: return [];
  }
}

function readField(spec) {
  const input = $('event-input');
  const note = $('event-note') ? $('event-note').value.trim() : '';
  const body = { event: spec.name };
  if (note) body.note = note;
  if (!input) return body;
  const v = input.value.trim();
  if (spec.needs === 'note') body.note = v;
  else if (spec.needs === 'count') body.data = { [spec.field]: Number.parseInt(v, 10) };
  else if (spec.needs === 'list') body.data = { [spec.field]: v.split('\n').map((s) => s.trim()).filter(Boolean) };
  else body.data = { [spec.field]: v };
  return body;
}

function fire(duty, spec) {
  if (spec.needs === 'none' && spec.name !== 'comment') {
    // One click: nothing to ask.
    post(duty, { event: spec.name })
      .then(() => toast(`Đã ghi nhận: ${spec.label} — ${duty.title}`, 'good'))
      .catch((e) => toast('Không thực hiện được: ' + e.message, 'bad'));
    return;
  }
  const dlg = $('event-dialog');
  $('event-dialog-title').textContent = spec.label;
  $('event-dialog-duty').textContent = duty.title;
  const fields = spec.name === 'comment'
    ? [h('label', { for: 'event-input' }, 'Ý kiến'), h('textarea', { id: 'event-input', rows: 3, required: true })]
    : fieldFor(spec);
  const extra = spec.needs !== 'note' && spec.name !== 'comment'
    ? [h('label', { for: 'event-note' }, 'Ghi chú (không bắt buộc)'), h('textarea', { id: 'event-note', rows: 2 })] : [];
  $('event-fields').replaceChildren(...fields, ...extra);
  $('event-error').hidden = true;
  $('event-form').onsubmit = async (ev) => {
    ev.preventDefault();
    const body = spec.name === 'comment' ? { event: 'comment', note: $('event-input').value.trim() } : readField(spec);
    try {
      await post(duty, body);
      dlg.close();
      toast(`Đã ghi nhận: ${spec.label} — ${duty.title}`, 'good');
    } catch (e) {
      $('event-error').textContent = 'Không thực hiện được: ' + e.message;
      $('event-error').hidden = false;
    }
  };
  dlg.showModal();
  const first = dlg.querySelector('input, textarea, select');
  if (first) first.focus();
}

// ---------------------------------------------------------------------------------------
// Coordinator and unit tools

async function setConference(ev) {
  ev.preventDefault();
  const m = conference();
  const value = $('milestone-at').value; // "2023-06-20T08:00" in the plan's zone
  if (!m || !value) return;
  const sign = state.tzMinutes < 0 ? '-' : '+';
  const off = Math.abs(state.tzMinutes);
  const at = `${value.length === 16 ? value + ':00' : value}${sign}${pad(Math.floor(off / 60))}:${pad(off % 60)}`;
  const path = `/api/v1/plans/${encodeURIComponent(state.planId)}/milestones/${encodeURIComponent(m.id)}`;
  try {
    let r;
    try {
      r = await api('PUT', path, { at });
    } catch (e) {
      // A date already past on the server's clock fires reminders and overdue notices at once:
      // the server asks for a confirmation and says how many.
      const err = e.body && e.body.error;
      if (e.status !== 409 || !err || err.code !== 'confirm_past') throw e;
      const d = err.details || {};
      const fires = d.fires !== undefined ? `${d.fires} lời nhắc/thông báo quá hạn sẽ được gửi ngay. ` : '';
      const now = d.now ? ` (giờ máy chủ: ${instantText(d.now)})` : '';
      if (!window.confirm(`Ngày hội nghị này đã qua${now}. ${fires}Vẫn lưu?`)) return;
      r = await api('PUT', path + '?confirm=past', { at });
    }
    const changed = Array.isArray(r.changed) ? `; ${r.changed.length} thời hạn được tính lại` : '';
    toast(`Đã ấn định ngày hội nghị: ${instantText(r.at)}${changed}`, 'good');
    loadAll();
  } catch (e) {
    toast('Không lưu được: ' + e.message, 'bad');
  }
}

async function downloadCsv() {
  try {
    const res = await fetch(`/api/v1/plans/${encodeURIComponent(state.planId)}/report.csv`, { headers: { Authorization: 'Bearer ' + state.token } });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: state.planId + '-bao-cao.csv' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) {
    toast('Không tải được báo cáo: ' + e.message, 'bad');
  }
}

async function calendarLink() {
  try {
    const r = await api('GET', `/api/v1/units/${encodeURIComponent(state.me.unit)}/calendar-link`);
    const url = location.origin + r.url;
    const box = $('calendar-url');
    box.hidden = false;
    box.replaceChildren(h('span', { class: 'muted' }, `Dán vào ứng dụng lịch (hiệu lực đến ${instantText(r.expires)}): `),
      h('input', { type: 'text', readonly: true, value: url, class: 'url', onfocus: (e) => e.target.select() }));
  } catch (e) {
    toast('Không lấy được liên kết lịch: ' + e.message, 'bad');
  }
}

// ---------------------------------------------------------------------------------------
// Start

document.addEventListener('DOMContentLoaded', () => {
  $('sign-in-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    signIn($('token').value.trim());
  });
  $('sign-out').addEventListener('click', signOut);
  $('milestone-form').addEventListener('submit', setConference);
  $('download-csv').addEventListener('click', downloadCsv);
  $('calendar-link').addEventListener('click', calendarLink);
  $('filter-unit').addEventListener('change', renderTable);
  $('filter-state').addEventListener('change', renderTable);
  $('plan-select').addEventListener('change', (ev) => {
    state.planId = ev.target.value;
    state.plan = null;
    $('milestone-at').value = '';
    loadAll();
  });
  $('event-cancel').addEventListener('click', () => $('event-dialog').close());
  // The server's clock may be manual or scaled: read it again now and then.
  setInterval(() => {
    if (!state.me) return;
    loadNow().then(() => { if (state.plan) { renderNext(); renderMine(); renderTable(); renderTimeline(); } }).catch(() => {});
  }, 15000);
  if (state.token) signIn(state.token);
  else { setLive(false, 'Chưa đăng nhập'); showSignIn(''); }
});
