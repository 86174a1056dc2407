// dutyflow dashboard: plan upload with review (coordinator). Uses app.js's helpers ($, h,
// api, toast, state, deadlineText, ApiError). A document goes to POST /api/v1/imports; the
// draft it answers is shown as an editable table beside the document's lines; every edit
// is checked by the daemon's own validator (POST /api/v1/plans?dry_run=true) and its
// messages are shown beside the row they concern; the plan is published with
// POST /api/v1/plans only when nothing is left to correct.
'use strict';

const review = {
  draft: null,       // the plan file being edited
  coverage: [],      // the document's lines and what became of them
  warnings: [],      // the importer's report
  summary: null,
  lineOf: {},        // duty id -> coverage entry it came from
  errors: [],        // the validator's [{path, message}] for the draft as it is now
  conflict: '',      // another plan holds the id
  loaded: false,     // exactly this plan is already on the daemon
  checking: false,
  seq: 0,
  timer: null,
  added: 0,
};

const FIELD_LABEL = {
  title: 'Nội dung', kind: 'Loại', owner: 'Chủ trì', collaborators: 'Phối hợp', due: 'Thời hạn', id: 'Mã nhiệm vụ',
  depends_on: 'Phụ thuộc', reminders: 'Nhắc việc', notes: 'Ghi chú',
};
const PLAN_FIELD_LABEL = {
  id: 'Mã kế hoạch', number: 'Số', title: 'Tên kế hoạch', issuer: 'Cơ quan ban hành', issued_on: 'Ngày ban hành',
  milestones: 'Thời gian tổ chức', units: 'Đơn vị', groups: 'Nhóm đơn vị', coordinator: 'Cơ quan chủ trì',
  escalate_to: 'Báo cáo quá hạn cho', duties: 'Nhiệm vụ', timezone: 'Múi giờ', defaults: 'Mặc định',
};

// The validator's English message in Vietnamese, for the cases a reviewer meets; null when
// there is no translation (the validator's words are shown alone then).
function viValidatorMessage(message) {
  const rules = [
    [/^is required/, () => 'chưa nhập'],
    [/^must not be empty/, () => 'không được để trống'],
    [/^unknown unit "(.*)"/, (m) => `không có đơn vị "${m[1]}" trong danh sách đơn vị của kế hoạch`],
    [/^unknown group "(.*)"/, (m) => `không có nhóm đơn vị "${m[1]}"`],
    [/^unknown kind "(.*)"/, (m) => `không có loại nhiệm vụ "${m[1]}"`],
    [/^unknown milestone "(.*)"/, (m) => `không có mốc "${m[1]}"`],
    [/^unknown duty "(.*)"/, (m) => `không có nhiệm vụ "${m[1]}"`],
    [/^duplicate (duty|id|milestone) "(.*)"/, (m) => `trùng mã "${m[2]}" với một mục khác`],
    [/^bad id/, () => 'mã chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang, tối đa 64 ký tự'],
    [/^must be an ISO-8601/, () => 'ngày giờ không hợp lệ'],
    [/^must be a whole number of working days/, () => 'số ngày làm việc phải là số nguyên từ 0 đến 1000'],
    [/^must be a (positive )?duration|duration/, () => 'khoảng thời gian không hợp lệ'],
    [/^must have "at", "milestone" or "after"/, () => 'chưa chọn cách tính thời hạn'],
    [/control or bidi character/, () => 'có ký tự điều khiển ẩn; hãy gõ lại nội dung này'],
    [/^dependency cycle/, () => 'các nhiệm vụ phụ thuộc nhau thành vòng tròn'],
    [/^a duty cannot depend on itself/, () => 'nhiệm vụ không thể phụ thuộc chính nó'],
    [/is a group; write/, () => 'đây là một nhóm đơn vị'],
    [/expands to .* duties after group fan-out/, () => 'kế hoạch có quá nhiều nhiệm vụ sau khi chia theo nhóm'],
  ];
  for (const [re, fn] of rules) {
    const m = re.exec(message);
    if (m) return fn(m);
  }
  return null;
}

// "duties[3].owner.group" -> {row: 3, field: "owner"}; other paths -> {row: -1, field}.
function errorPlace(path) {
  const m = /^duties\[(\d+)\](?:\.([a-z_]+))?/.exec(path || '');
  if (m) return { row: Number(m[1]), field: m[2] || '' };
  const f = /^([a-z_]+)/.exec(path || '');
  return { row: -1, field: f ? f[1] : '' };
}

function errorItem(e, labels) {
  const place = errorPlace(e.path);
  const vi = viValidatorMessage(e.message);
  return h('li', null,
    h('strong', null, (labels[place.field] || place.field || 'Kế hoạch') + ': '),
    vi || e.message,
    vi ? h('span', { class: 'validator muted small' }, ` (${e.path}: ${e.message})`) : ` (${e.path})`);
}

// ---------------------------------------------------------------------------------------
// Opening and reading

function openImport() {
  $('board').hidden = true;
  $('import').hidden = false;
  $('import-error').hidden = true;
  window.scrollTo(0, 0);
}

function closeImport() {
  $('import').hidden = true;
  $('board').hidden = false;
}

function importErrorText(e) {
  if (e.status === 413) return 'Tệp quá lớn để tải lên.';
  if (e.status === 403) return 'Chỉ cơ quan điều phối được tải kế hoạch lên.';
  const msg = e.message || '';
  if (/not a Kế hoạch|KẾ HOẠCH/.test(msg)) return 'Văn bản này không phải một Kế hoạch (không có tiêu đề “KẾ HOẠCH”): ' + msg;
  if (/legacy \.doc|\.doc\b/.test(msg)) return 'Tệp .doc cũ chưa đọc được; hãy lưu lại thành .docx rồi tải lên: ' + msg;
  if (/PDF/.test(msg)) return 'Chưa đọc được tệp PDF; hãy tải lên bản .docx của văn bản: ' + msg;
  return 'Không đọc được văn bản: ' + msg;
}

async function readDocument(ev) {
  ev.preventDefault();
  const file = $('import-file').files[0];
  if (!file) return;
  const button = $('import-read');
  const err = $('import-error');
  err.hidden = true;
  button.disabled = true;
  button.textContent = 'Đang đọc…';
  try {
    let answer;
    if (/\.json$/i.test(file.name)) {
      // A plan file is reviewed as it is: no document lines to show beside it.
      let draft;
      try { draft = JSON.parse(await file.text()); } catch (e) { throw new Error('tệp .json không đúng cú pháp JSON'); }
      answer = { draft, coverage: [], warnings: [], summary: { file: file.name, format: 'json' } };
    } else {
      const form = new FormData();
      form.append('file', file, file.name);
      const res = await fetch('/api/v1/imports', { method: 'POST', headers: { Authorization: 'Bearer ' + state.token }, body: form });
      const text = await res.text();
      let body = null;
      try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
      if (!res.ok) throw new ApiError(res.status, body);
      answer = body;
    }
    startReview(answer);
  } catch (e) {
    if (e.status === 401) return signOut();
    err.textContent = importErrorText(e);
    err.hidden = false;
  } finally {
    button.disabled = false;
    button.textContent = 'Đọc văn bản';
  }
}

function startReview(answer) {
  review.draft = answer.draft;
  review.coverage = answer.coverage || [];
  review.warnings = answer.warnings || [];
  review.summary = answer.summary || {};
  review.errors = answer.errors || [];
  review.conflict = '';
  review.loaded = false;
  review.lineOf = {};
  for (const c of review.coverage) for (const id of c.duties || []) if (!review.lineOf[id]) review.lineOf[id] = c;
  if (!Array.isArray(review.draft.duties)) review.draft.duties = [];
  if (!Array.isArray(review.draft.units)) review.draft.units = [];
  $('review').hidden = false;
  renderReviewHeader();
  renderReviewTable();
  renderUntracked();
  renderReviewErrors();
  validateSoon(0);
  $('review').scrollIntoView({ block: 'start' });
}

// ---------------------------------------------------------------------------------------
// The plan's header

function milestone() {
  const ms = review.draft.milestones;
  return Array.isArray(ms) && ms.length ? ms[0] : null;
}

// "2023-06-20T08:00:00+07:00" <-> the value of an <input type=datetime-local> in Vietnam's time.
function localInputValue(iso) {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const l = local(ms);
  return `${l.y}-${pad(l.m)}-${pad(l.d)}T${pad(l.hh)}:${pad(l.mm)}`;
}
const isoFromLocal = (value) => (value ? value.slice(0, 16) + ':00+07:00' : null);

function renderReviewHeader() {
  const d = review.draft;
  const s = review.summary || {};
  const parts = [];
  if (s.file) parts.push('Đọc từ tệp ' + s.file);
  if (s.lines) parts.push(s.lines + ' dòng');
  if (s.lines_covered) parts.push(`${s.lines_covered} dòng ở phần tổ chức thực hiện, ${s.lines_with_duties} dòng thành nhiệm vụ`);
  const checks = review.warnings.filter((w) => w.category === 'check' || w.category === 'unassigned').length;
  if (checks) parts.push(`${checks} chỗ trình nhập phải đoán (dòng được đánh dấu “Cần xem lại”)`);
  $('review-source').textContent = parts.join(' · ');
  const bind = (id, get, set) => {
    const el = $(id);
    el.value = get() || '';
    el.oninput = () => { set(el.value); validateSoon(); };
  };
  bind('review-number', () => d.number, (v) => { d.number = v; });
  bind('review-id', () => d.id, (v) => { d.id = v.trim(); });
  bind('review-title', () => d.title, (v) => { d.title = v; });
  bind('review-issuer', () => d.issuer, (v) => { d.issuer = v; });
  bind('review-issued', () => d.issued_on, (v) => { d.issued_on = v; });
  const m = milestone();
  $('review-milestone-label').hidden = !m;
  if (m) {
    $('review-milestone-label').firstChild.textContent = (m.title ? 'Thời gian: ' + m.title : 'Thời gian tổ chức') + ' ';
    bind('review-milestone', () => localInputValue(m.at), (v) => { m.at = isoFromLocal(v); renderDueReadings(); });
  }
}

// ---------------------------------------------------------------------------------------
// The duties

function kindOptions(selected) {
  const names = Object.keys(state.kinds).sort((a, b) => state.kinds[a].label.localeCompare(state.kinds[b].label, 'vi'));
  if (selected && !names.includes(selected)) names.unshift(selected);
  return names.map((n) => h('option', { value: n, selected: n === selected }, state.kinds[n] ? state.kinds[n].label : n));
}

function unitLabel(id) {
  const u = review.draft.units.find((x) => x.id === id);
  if (u) return u.name;
  const g = (review.draft.groups || []).find((x) => x.id === id);
  return g ? g.name + ' (nhóm)' : id;
}

function ownerValue(owner) {
  if (typeof owner === 'string') return 'u:' + owner;
  if (owner && typeof owner === 'object' && typeof owner.group === 'string') return 'g:' + owner.group;
  return '';
}

function ownerSelect(duty) {
  const value = ownerValue(duty.owner);
  const opts = [h('option', { value: '', disabled: true, selected: !value }, '— chọn đơn vị —')];
  for (const u of review.draft.units) opts.push(h('option', { value: 'u:' + u.id, selected: value === 'u:' + u.id }, u.name));
  for (const g of review.draft.groups || [])
    opts.push(h('option', { value: 'g:' + g.id, selected: value === 'g:' + g.id }, g.name + ' (nhóm)'));
  if (value && !opts.some((o) => o.value === value)) opts.push(h('option', { value, selected: true }, value.slice(2) + ' (không rõ)'));
  const sel = h('select', { class: 'owner', 'aria-label': 'Đơn vị chủ trì' }, opts);
  sel.value = value;
  sel.addEventListener('change', () => {
    const v = sel.value;
    duty.owner = v.startsWith('g:') ? { group: v.slice(2) } : v.slice(2);
    validateSoon();
  });
  return sel;
}

function collaboratorsPicker(duty) {
  if (!Array.isArray(duty.collaborators)) duty.collaborators = [];
  const summary = h('summary', null);
  const setSummary = () => {
    const names = duty.collaborators.map(unitLabel);
    summary.textContent = names.length ? names.join(', ') : 'Không có';
  };
  setSummary();
  const choices = [...review.draft.units.map((u) => [u.id, u.name]), ...(review.draft.groups || []).map((g) => [g.id, g.name + ' (nhóm)'])];
  const list = h('div', { class: 'choices' }, choices.map(([id, name]) => {
    const box = h('input', { type: 'checkbox', value: id, checked: duty.collaborators.includes(id) });
    box.addEventListener('change', () => {
      const set = new Set(duty.collaborators);
      if (box.checked) set.add(id); else set.delete(id);
      // In the plan's order of units, as the document lists them.
      duty.collaborators = choices.map(([cid]) => cid).filter((cid) => set.has(cid));
      setSummary();
      validateSoon();
    });
    return h('label', null, box, ' ', name);
  }));
  return h('details', { class: 'collab' }, summary, list);
}

// The deadline: before/after a milestone by an offset, at a date (and hour), or a number
// of working days from the assignment; with the reading of what was chosen below it.
const OFFSET_RE = /^([+-]?)(\d+)(wd|d|h|m)$/;
function dueMode(due) {
  if (!due || typeof due !== 'object') return 'before';
  if (due.at) return 'at';
  if (due.after) return 'assigned';
  const m = OFFSET_RE.exec(due.offset || '0d');
  return m && m[1] === '-' ? 'before' : 'after';
}

function dueReading(due) {
  if (!due || typeof due !== 'object') return '';
  if (due.at) return deadlineText(due.at) || '';
  if (due.after) return `${due.working_days} ngày làm việc kể từ khi giao`;
  const m = OFFSET_RE.exec(due.offset || '0d');
  const ms = (review.draft.milestones || []).find((x) => x.id === due.milestone);
  // The event's name as the plan gives it, without its bracketed dates, kept short.
  let name = ms && ms.title ? ms.title.replace(/\s*\(.*$/, '') : 'mốc ' + (due.milestone || '');
  if (name.length > 48) name = name.slice(0, name.lastIndexOf(' ', 46)) + '…';
  if (!m) return '';
  const unit = { wd: 'ngày làm việc', d: 'ngày', h: 'giờ', m: 'phút' }[m[3]];
  if (Number(m[2]) === 0) return 'đúng lúc ' + name;
  return `${Number(m[2])} ${unit} ${m[1] === '-' ? 'trước' : 'sau'} ${name}`;
}

function dueEditor(duty) {
  const wrap = h('div', { class: 'due-edit' });
  const reading = h('div', { class: 'due-reading small muted' });
  const draw = () => {
    const due = duty.due || {};
    const mode = dueMode(due);
    const modeSel = h('select', { 'aria-label': 'Cách tính thời hạn' },
      h('option', { value: 'before', selected: mode === 'before' }, 'Trước mốc'),
      h('option', { value: 'after', selected: mode === 'after' }, 'Sau mốc'),
      h('option', { value: 'at', selected: mode === 'at' }, 'Đến ngày'),
      h('option', { value: 'assigned', selected: mode === 'assigned' }, 'Kể từ khi giao'));
    modeSel.value = mode;
    const first = (review.draft.milestones || [])[0];
    modeSel.addEventListener('change', () => {
      const m = modeSel.value;
      if (m === 'before' || m === 'after') {
        const keep = OFFSET_RE.exec(due.offset || '');
        const amount = keep ? keep[2] : '3';
        const unit = keep ? keep[3] : 'wd';
        duty.due = { milestone: due.milestone || (first ? first.id : 'conference'), offset: (m === 'before' ? '-' : '+') + amount + unit };
      } else if (m === 'at') {
        duty.due = { at: null };
      } else {
        duty.due = { after: 'assigned', working_days: 5 };
      }
      draw();
      validateSoon();
    });
    const fields = [];
    if (mode === 'before' || mode === 'after') {
      const m = OFFSET_RE.exec(due.offset || '') || ['', '-', '3', 'wd'];
      const amount = h('input', { type: 'number', min: 0, max: 1000, step: 1, value: m[2], 'aria-label': 'Số', class: 'num' });
      const unit = h('select', { 'aria-label': 'Đơn vị thời gian' },
        h('option', { value: 'wd', selected: m[3] === 'wd' }, 'ngày làm việc'),
        h('option', { value: 'd', selected: m[3] === 'd' }, 'ngày'),
        h('option', { value: 'h', selected: m[3] === 'h' }, 'giờ'));
      if (m[3] === 'm') unit.append(h('option', { value: 'm', selected: true }, 'phút'));
      unit.value = m[3];
      const update = () => {
        const n = amount.value === '' ? '' : String(Math.max(0, Math.trunc(Number(amount.value))));
        // The milestone as chosen now (the picker below may have changed it since drawing).
        const milestoneId = (duty.due && duty.due.milestone) || due.milestone || (first ? first.id : 'conference');
        duty.due = { milestone: milestoneId, offset: (modeSel.value === 'before' ? '-' : '+') + n + unit.value };
        reading.textContent = dueReading(duty.due);
        validateSoon();
      };
      amount.addEventListener('input', update);
      unit.addEventListener('change', update);
      fields.push(amount, unit);
      const ms = review.draft.milestones || [];
      if (ms.length > 1) {
        const pick = h('select', { 'aria-label': 'Mốc' }, ms.map((x) => h('option', { value: x.id, selected: x.id === due.milestone }, x.title || x.id)));
        pick.addEventListener('change', () => { duty.due.milestone = pick.value; reading.textContent = dueReading(duty.due); validateSoon(); });
        fields.push(pick);
      }
    } else if (mode === 'at') {
      // "Hết ngày D" is midnight after D (the engine's day deadline); an hour makes it exact.
      let day = '';
      let time = '';
      if (due.at && !Number.isNaN(Date.parse(due.at))) {
        const ms = Date.parse(due.at);
        const l = local(ms);
        if (l.hh === 0 && l.mm === 0) {
          const p = local(ms - 1);
          day = `${p.y}-${pad(p.m)}-${pad(p.d)}`;
        } else {
          day = `${l.y}-${pad(l.m)}-${pad(l.d)}`;
          time = `${pad(l.hh)}:${pad(l.mm)}`;
        }
      }
      const dayIn = h('input', { type: 'date', value: day, 'aria-label': 'Ngày' });
      const timeIn = h('input', { type: 'time', value: time, 'aria-label': 'Giờ (để trống: hết ngày)' });
      const update = () => {
        if (!dayIn.value) {
          duty.due = { at: null };
        } else if (timeIn.value) {
          duty.due = { at: `${dayIn.value}T${timeIn.value}:00+07:00` };
        } else {
          const [y, mo, dd] = dayIn.value.split('-').map(Number);
          const next = new Date(Date.UTC(y, mo - 1, dd + 1));
          duty.due = { at: `${next.getUTCFullYear()}-${pad(next.getUTCMonth() + 1)}-${pad(next.getUTCDate())}T00:00:00+07:00` };
        }
        reading.textContent = dueReading(duty.due);
        validateSoon();
      };
      dayIn.addEventListener('input', update);
      timeIn.addEventListener('input', update);
      fields.push(dayIn, timeIn);
    } else {
      const n = h('input', { type: 'number', min: 0, max: 1000, step: 1, value: due.working_days ?? 5, class: 'num', 'aria-label': 'Số ngày làm việc' });
      n.addEventListener('input', () => {
        duty.due = { after: 'assigned', working_days: n.value === '' ? null : Math.trunc(Number(n.value)) };
        reading.textContent = dueReading(duty.due);
        validateSoon();
      });
      fields.push(n, h('span', { class: 'small muted' }, 'ngày làm việc'));
    }
    reading.textContent = dueReading(duty.due);
    wrap.replaceChildren(modeSel, h('span', { class: 'due-fields' }, fields), reading);
  };
  draw();
  wrap.redrawReading = () => { reading.textContent = dueReading(duty.due); };
  return wrap;
}

function renderDueReadings() {
  for (const el of document.querySelectorAll('#review-table .due-edit')) if (el.redrawReading) el.redrawReading();
}

function sourceCell(duty) {
  const c = review.lineOf[duty.id];
  const src = duty.source || {};
  if (!c && !src.text) return h('td', { class: 'source', 'data-label': 'Dòng trong văn bản' }, h('span', { class: 'muted small' }, 'Thêm trên bảng'));
  return h('td', { class: 'source', 'data-label': 'Dòng trong văn bản' },
    h('span', { class: 'line-no' }, c ? 'Dòng ' + c.line : ''), src.section || (c && c.section) ? h('span', { class: 'section' }, ' · mục ' + (src.section || c.section)) : null,
    h('div', { class: 'doc-line' }, (c && c.text) || src.text));
}

// The importer's guesses about a duty. Its report names a duty as "duties[N] ID (section)":
// matched by the id, as rows removed or added since shift the indexes.
function needsReview(duty) {
  return review.warnings.filter((w) => w.category === 'check' && typeof w.where === 'string' &&
    /^duties\[\d+\] /.test(w.where) && w.where.split(' ')[1] === duty.id);
}

function renderReviewTable() {
  const duties = review.draft.duties;
  $('review-count').textContent = `Nhiệm vụ (${duties.length})`;
  const rows = [];
  duties.forEach((duty, i) => {
    const title = h('textarea', { rows: 3, 'aria-label': 'Nội dung nhiệm vụ' });
    title.value = duty.title || '';
    title.addEventListener('input', () => { duty.title = title.value; validateSoon(); });
    const kind = h('select', { 'aria-label': 'Loại nhiệm vụ' }, kindOptions(duty.kind));
    kind.value = duty.kind;
    kind.addEventListener('change', () => { duty.kind = kind.value; validateSoon(); });
    const remove = h('button', { type: 'button', class: 'ghost small-btn', title: 'Bỏ nhiệm vụ này' }, 'Bỏ');
    remove.addEventListener('click', () => {
      review.draft.duties.splice(i, 1);
      renderReviewTable();
      validateSoon(0);
    });
    const checks = needsReview(duty);
    const titleCell = h('td', { class: 'title-cell', 'data-label': 'Nội dung' }, title,
      h('div', { class: 'sub' }, 'Loại'), kind,
      h('div', { class: 'small muted' }, 'Mã: ' + duty.id),
      checks.length ? h('span', { class: 'badge check-badge', title: checks.map((c) => c.message).join('\n') }, 'Cần xem lại') : null);
    rows.push(h('tr', { class: 'duty-row', 'data-index': i, 'data-duty': duty.id },
      sourceCell(duty), titleCell,
      h('td', { class: 'units-cell' },
        h('div', { class: 'sub' }, 'Chủ trì'), ownerSelect(duty),
        h('div', { class: 'sub' }, 'Phối hợp'), collaboratorsPicker(duty)),
      h('td', { 'data-label': 'Thời hạn' }, dueEditor(duty)),
      h('td', { class: 'remove' }, remove)));
    rows.push(h('tr', { class: 'row-errors', 'data-index': i, hidden: true },
      h('td', { colspan: 5 }, h('ul', { class: 'review-errors', role: 'alert' }))));
  });
  if (!duties.length) rows.push(h('tr', null, h('td', { colspan: 5, class: 'empty' }, 'Chưa có nhiệm vụ nào. Bấm “Thêm nhiệm vụ”.')));
  $('review-table').tBodies[0].replaceChildren(...rows);
  renderReviewErrors();
}

function addDuty() {
  const d = review.draft;
  let id;
  do { review.added += 1; id = 'nhiem-vu-them-' + review.added; } while (d.duties.some((x) => x.id === id));
  const first = (d.milestones || [])[0];
  d.duties.push({
    id, kind: 'report', title: '', owner: d.units.length ? d.units[0].id : '', collaborators: [],
    due: first ? { milestone: first.id, offset: '-3wd' } : { after: 'assigned', working_days: 5 },
  });
  renderReviewTable();
  const rows = $('review-table').querySelectorAll('tr.duty-row');
  const last = rows[rows.length - 1];
  if (last) { last.scrollIntoView({ block: 'center' }); last.querySelector('textarea').focus(); }
  validateSoon(0);
}

function renderUntracked() {
  const lines = review.coverage.filter((c) => !(c.duties || []).length && c.text);
  $('review-untracked-card').hidden = !lines.length;
  $('review-untracked').replaceChildren(...lines.map((c) => h('li', { value: c.line },
    h('span', { class: 'line-no' }, 'Dòng ' + c.line + ' '),
    h('span', { class: 'doc-line' }, c.text),
    h('span', { class: 'reason small' }, ' — ' + (c.reason || 'không theo dõi')))));
}

// ---------------------------------------------------------------------------------------
// Live validation and publishing

function validateSoon(delay = 300) {
  clearTimeout(review.timer);
  review.checking = true;
  renderPublishBar();
  review.timer = setTimeout(validateNow, delay);
}

async function validateNow() {
  const seq = ++review.seq;
  let errors = [];
  let conflict = '';
  let loaded = false;
  try {
    const body = await api('POST', '/api/v1/plans?dry_run=true', review.draft);
    loaded = !!body.loaded;
  } catch (e) {
    if (e.status === 401) return signOut();
    const err = (e.body && e.body.error) || {};
    if (e.status === 400 && err.details && Array.isArray(err.details.errors)) errors = err.details.errors;
    else if (e.status === 409) conflict = err.message || 'conflict';
    else errors = [{ path: '', message: e.message }];
  }
  if (seq !== review.seq) return;  // a later edit is being checked
  review.errors = errors;
  review.conflict = conflict;
  review.loaded = loaded;
  review.checking = false;
  renderReviewErrors();
}

function renderReviewErrors() {
  const byRow = new Map();
  const general = [];
  for (const e of review.errors) {
    const place = errorPlace(e.path);
    if (place.row >= 0 && place.row < review.draft.duties.length) {
      if (!byRow.has(place.row)) byRow.set(place.row, []);
      byRow.get(place.row).push(e);
    } else {
      general.push(e);
    }
  }
  for (const tr of $('review-table').querySelectorAll('tr.duty-row')) tr.classList.toggle('has-error', byRow.has(Number(tr.dataset.index)));
  for (const tr of $('review-table').querySelectorAll('tr.row-errors')) {
    const list = byRow.get(Number(tr.dataset.index)) || [];
    tr.hidden = !list.length;
    tr.querySelector('ul').replaceChildren(...list.map((e) => errorItem(e, FIELD_LABEL)));
  }
  const g = $('review-general');
  const items = general.map((e) => errorItem(e, PLAN_FIELD_LABEL));
  if (review.conflict)
    items.push(h('li', null, h('strong', null, 'Mã kế hoạch: '),
      `đã có kế hoạch mã "${review.draft.id}" với nội dung khác; nếu đây là kế hoạch mới, hãy đổi mã.`,
      h('span', { class: 'validator muted small' }, ` (${review.conflict})`)));
  g.replaceChildren(...items);
  g.hidden = !items.length;
  renderPublishBar();
}

function renderPublishBar() {
  const n = review.errors.length + (review.conflict ? 1 : 0);
  const button = $('review-publish');
  const status = $('review-status');
  button.disabled = review.checking || n > 0 || review.loaded || !review.draft;
  if (review.checking) status.textContent = 'Đang kiểm tra…';
  else if (n) status.textContent = `Còn ${n} lỗi cần sửa trước khi đăng.`;
  else if (review.loaded) status.textContent = 'Kế hoạch này đã có trên hệ thống với đúng nội dung này.';
  else status.textContent = `Hợp lệ: ${review.draft.duties.length} nhiệm vụ sẵn sàng để giao.`;
  status.className = n ? 'error' : (review.checking ? 'muted' : 'ok');
}

async function publishDraft() {
  if ($('review-publish').disabled) return;
  const button = $('review-publish');
  button.disabled = true;
  try {
    const body = await api('POST', '/api/v1/plans', review.draft);
    const total = body && body.counts ? body.counts.total : review.draft.duties.length;
    toast(`Đã đăng kế hoạch ${review.draft.number || review.draft.id}: ${total} nhiệm vụ đã giao.`, 'good');
    state.planId = review.draft.id;
    state.plan = null;
    review.draft = null;
    $('review').hidden = true;
    $('import-form').reset();
    closeImport();
    await loadAll();
  } catch (e) {
    if (e.status === 401) return signOut();
    const err = (e.body && e.body.error) || {};
    if (e.status === 400 && err.details && Array.isArray(err.details.errors)) review.errors = err.details.errors;
    else if (e.status === 409) review.conflict = err.message || 'conflict';
    else toast('Chưa đăng được: ' + e.message, 'bad');
    renderReviewErrors();
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('upload-plan').addEventListener('click', openImport);
  $('import-close').addEventListener('click', closeImport);
  $('import-form').addEventListener('submit', readDocument);
  $('review-add').addEventListener('click', addDuty);
  $('review-publish').addEventListener('click', publishDraft);
});
