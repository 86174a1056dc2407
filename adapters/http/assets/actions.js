// dutyflow dashboard: what a person does on the board: firing a duty's events (with the
// dialog for a note or data), setting the conference date, the CSV report and the signed
// calendar link. Plain JavaScript sharing app.js's globals; loaded after it (index.html).
'use strict';

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
