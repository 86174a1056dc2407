// dutyflow dashboard: plain JavaScript, no libraries, everything from this server.
// This file: the state, helpers, sign-in, loading and the live stream; render.js draws
// the board, actions.js fires events, import.js uploads plans. Reads the JSON API with the
// bearer token kept in sessionStorage, and follows GET /api/v1/stream (Server-Sent Events,
// read with fetch so the token goes in a header) to redraw within a second of any change.
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
