// Ward screen client: one WebSocket for a snapshot and live changes, fetch() for actions. Everything is served
// by the gateway (no CDN), so the screen works with the hospital network down. The words it shows come from the
// gateway with the first snapshot (format.js); the overview (tiles.js), the alarm panel (alarm-panel.js), a bed's
// detail (detail.js) and the audit trail (audit.js) each have a module.
import { renderAlarmPanel } from './alarm-panel.js';
import { AlarmTone } from './audio.js';
import { initAudit } from './audit.js';
import { initDetail, openDetail, refreshDetail } from './detail.js';
import { startFlashing } from './flash.js';
import { age, clockTime, configure, deviceState } from './format.js';
import { $, el, since, tickTimes } from './render.js';
import { LIST_QUERY, raiseOrder, renderTiles } from './tiles.js';

const RANK = { high: 3, medium: 2, low: 1 };
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5_000;

let state = null; // the gateway's WardSnapshot, kept current by deltas
let setup = { beds: {}, profiles: {}, buzzer: null };
let user = null;
let readOnlyView = false;
let ws = null;
let heartbeatMs = 5000;
let lastMessageAt = 0;
let offlineSince = 0;
let attempt = 0;
let retryTimer = null;
let snapshots = 0;
let renderQueued = false;
const tone = new AlarmTone();

// ---- connection -------------------------------------------------------------------------------------------

async function api(path, body) {
  const res = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(json.error || res.statusText), { status: res.status });
  return json;
}

async function boot() {
  try {
    const s = await api('/api/session');
    user = s.user;
    readOnlyView = s.readOnlyView;
    if (user || readOnlyView) connect();
  } catch {
    scheduleReconnect(); // gateway not answering: keep trying
  }
  render();
}

function connect() {
  clearTimeout(retryTimer);
  if (ws) return;
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${proto}://${location.host}/ws`);
  ws = socket;
  socket.onmessage = (ev) => {
    lastMessageAt = Date.now();
    try {
      onMessage(JSON.parse(ev.data));
    } catch (err) {
      console.error('bad message', err);
    }
  };
  socket.onclose = () => {
    if (ws !== socket) return;
    ws = null;
    goOffline();
    scheduleReconnect();
  };
}

/** Exponential backoff with full jitter, so a ward of screens does not reconnect in lockstep after a restart. */
function scheduleReconnect() {
  clearTimeout(retryTimer);
  const cap = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt);
  const delay = Math.round(cap / 2 + Math.random() * (cap / 2));
  attempt += 1;
  document.body.dataset.retryAt = String(Date.now() + delay);
  retryTimer = setTimeout(async () => {
    // A WebSocket refused for lack of a session looks like any other close: ask first whether the session is valid.
    try {
      const s = await api('/api/session');
      readOnlyView = s.readOnlyView;
      if (!s.user && !readOnlyView) {
        user = null;
        state = null;
        setOffline(false);
        $('login-error').textContent = 'Your session has ended. Please log in again.';
        render();
        return;
      }
      user = s.user;
      connect();
    } catch {
      scheduleReconnect();
    }
  }, delay);
}

function goOffline() {
  if (!offlineSince) offlineSince = Date.now();
  setOffline(true);
}

function setOffline(offline) {
  $('offline').hidden = !offline;
  document.body.dataset.connection = offline ? 'offline' : 'online';
  document.body.classList.toggle('stale', offline);
  if (!offline) offlineSince = 0;
  updateSound();
}

// A half-open connection (cable out, Wi-Fi gone) sends no close for minutes: no message for 3 heartbeats means lost.
setInterval(() => {
  if (ws && ws.readyState === WebSocket.OPEN && lastMessageAt && Date.now() - lastMessageAt > 3 * heartbeatMs) ws.close();
}, 1000);

function onMessage(m) {
  if (m.type === 'snapshot') {
    // Full resync: everything is replaced, nothing from before the gap is kept.
    state = m.state;
    setup = m.setup ?? setup;
    user = m.user ?? (m.readOnly ? null : user);
    heartbeatMs = m.heartbeatMs ?? heartbeatMs;
    if (m.vocabulary || m.display) configure(m.vocabulary, m.display);
    snapshots += 1;
    document.body.dataset.snapshots = String(snapshots);
    const wasOffline = offlineSince !== 0;
    attempt = 0;
    setOffline(false);
    if (wasOffline) toast('Connection restored — full ward state reloaded');
    return queueRender();
  }
  if (!state) return;
  switch (m.type) {
    case 'alarm': {
      const a = m.alarm;
      state.alarms = state.alarms.filter((x) => x.id !== a.id);
      if (a.state !== 'cleared') state.alarms.push(a);
      break;
    }
    case 'vitals': {
      const bed = state.beds.find((b) => b.id === m.bed);
      if (bed) {
        bed.vitals[m.param] = m.vital;
        const trend = (bed.trends[m.param] ??= []);
        const last = trend[trend.length - 1];
        if (!last || m.vital.at - last[0] >= 10_000) trend.push([m.vital.at, m.vital.value]);
        while (trend.length && m.vital.at - trend[0][0] > 30 * 60_000) trend.shift();
      }
      break;
    }
    case 'more': {
      // A numeric whose code the gateway does not map: shown as sent on the bed's "more" row, never scored.
      const bed = state.beds.find((b) => b.id === m.bed);
      if (bed) (bed.more ??= {})[m.more.channel ? `${m.more.code}|${m.more.channel}` : m.more.code] = m.more;
      break;
    }
    case 'bed':
      state.beds = state.beds.map((b) => (b.id === m.bed.id ? m.bed : b));
      break;
    case 'device':
      state.devices = state.devices.map((d) => (d.id === m.device.id ? m.device : d));
      if (m.bed) state.beds = state.beds.map((b) => (b.id === m.bed.id ? m.bed : b));
      break;
    case 'admission': {
      const b = state.beds.find((x) => x.id === m.admission.bed);
      if (b) {
        if (m.admission.state === 'admitted' && m.admission.patient) b.patient = m.admission.patient;
        else delete b.patient;
      }
      break;
    }
    case 'central':
      state.central = state.central.filter((c) => c.incidentId !== m.central.incidentId).concat([m.central]);
      break;
    case 'page': // the hospital alarm manager's word on this alarm's page (IHE PCD-05)
      state.pages = (state.pages ?? []).filter((p) => p.alarmId !== m.page.alarmId).concat([m.page]);
      break;
    case 'health':
      state.health = m.health;
      break;
    case 'setup':
      setup = m.setup;
      break;
    case 'heartbeat':
      if (m.buzzer) setup.buzzer = m.buzzer;
      if (m.security) setup.security = m.security;
      break;
    default:
      return;
  }
  queueRender();
}

function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => {
    renderQueued = false;
    render();
  }, 0);
}

// ---- actions ----------------------------------------------------------------------------------------------

let toastTimer = null;
function toast(text, bad = false) {
  const t = $('toast');
  t.textContent = text;
  t.className = `toast ${bad ? 'bad' : ''}`;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 4000);
}

async function act(path, body, done) {
  try {
    await api(path, body ?? {});
    if (done) toast(done);
    return true;
  } catch (err) {
    if (err.status === 401) toast('Not logged in: log in to act', true);
    else toast(`Not done: ${err.message}`, true);
    return false;
  }
}

// ---- rendering --------------------------------------------------------------------------------------------

function canAct() {
  return !!user && !!state && document.body.dataset.connection !== 'offline';
}

function bedLabel(id) {
  if (id === 'gateway') return 'Gateway';
  const b = state?.beds.find((x) => x.id === id);
  return b ? b.label : id;
}

function patientOf(id) {
  const b = state?.beds.find((x) => x.id === id);
  return b?.patient ?? setup.beds[id]?.patient;
}

function effectivePriority(a) {
  return Math.min(3, RANK[a.priority] + (a.escalated ? 1 : 0));
}

function ctx() {
  const alarms = state ? [...state.alarms].sort((a, b) => RANK[b.priority] - RANK[a.priority] || raiseOrder(a, b)) : [];
  return { state, setup, alarms, now: Date.now(), acting: canAct(), act, api, toast, bedLabel, patientOf, openDetail };
}

function renderHeader(now) {
  $('ward').textContent = `${state.ward}`;
  $('ward').title = state.gatewayId;
  const h = state.health;
  const devs = state.devices;
  const up = devs.filter((d) => d.state === 'connected').length;
  const bz = setup.buzzer;
  const items = [
    h.upstreamEnabled === false
      ? el('span', { class: 'pill', 'data-health': 'central' }, 'Central service: not used')
      : el('span', { class: `pill ${h.upstreamOnline ? 'ok' : 'bad'}`, 'data-health': 'central' }, h.upstreamOnline ? '✓ Central service online' : '✕ Central service OFFLINE'),
    h.outboxDepth > 0 ? el('span', { class: 'pill warn' }, `${h.outboxDepth} incident updates waiting to send`, h.oldestUndeliveredAt ? since(h.oldestUndeliveredAt, ', oldest ') : '') : null,
    el('span', { class: 'pill' }, h.lastSyncAt ? since(h.lastSyncAt, 'Last sync ', ' ago') : 'Not synced yet'),
    el('span', { class: `pill ${up === devs.length ? 'ok' : 'warn'}`, title: devs.map((d) => `${d.id}: ${deviceState(d.state)}`).join('\n') }, `Devices ${up} of ${devs.length} connected`),
    // What IT must fix (unsynchronised clock, client certificate near expiry), worded by the gateway.
    ...(h.notices ?? []).map((n) => el('span', { class: 'pill warn', 'data-health': 'notice', title: n }, n)),
    bz ? el('span', { class: `pill ${bz.faulted ? 'bad' : ''}`, 'data-health': 'buzzer' }, bz.faulted ? '✕ Ward buzzer FAULT' : `Ward buzzer ${bz.backend === 'none' ? 'not fitted' : bz.sounding ? `sounding (${bz.sounding})` : 'ready'}`) : null,
    // Plaintext listeners on the ward network and certificates near or past expiry (gateway/tls/).
    ...(setup.security ?? []).map((n) => el('span', { class: `pill ${n.level}`, 'data-health': 'security' }, n.text)),
  ];
  $('health').replaceChildren(...items.filter(Boolean));
  $('clock').textContent = clockTime(now);
}

function render() {
  const showLogin = !state && !user && !readOnlyView;
  $('login').hidden = !(showLogin || loginRequested);
  $('ward-view').hidden = !state || loginRequested;
  document.body.classList.toggle('overview', !!state && !loginRequested);
  $('logout').hidden = !user;
  $('login-open').hidden = !!user || !readOnlyView || loginRequested;
  $('audit-open').hidden = !user;
  $('who').textContent = user ? `${user.name} (${user.id})` : state ? 'View only' : '';
  document.body.classList.toggle('read-only', !user);
  if (!state) return updateSound();
  const c = ctx();
  renderHeader(c.now);
  renderAlarmPanel(c, $('alarm-list'), $('alarm-count'), $('no-alarms'));
  renderTiles($('beds'), c);
  refreshDetail();
  updateSound();
}

/** The tone follows the alarms that sound (the rules' `audible`: active, not acknowledged, not audio-paused). */
function updateSound() {
  let top = 0;
  if (state && document.body.dataset.connection !== 'offline') {
    for (const a of state.alarms) if (a.state === 'active' && a.audible) top = Math.max(top, effectivePriority(a));
  }
  const offline = document.body.dataset.connection === 'offline' && (user || readOnlyView);
  const priority = offline ? 'low' : ({ 3: 'high', 2: 'medium', 1: 'low' })[top] ?? null; // a lost connection is itself a technical alarm
  document.body.dataset.sounding = priority ?? 'none';
  tone.play(priority);
  const b = $('sound');
  b.classList.toggle('off', !tone.enabled);
  b.classList.toggle('needed', !tone.enabled && !!priority);
  b.textContent = tone.enabled ? 'Sound on' : 'Sound OFF — tap to enable';
}

initDetail({ ctx, act, api, toast, bedLabel });
initAudit({ ctx, api, toast, bedLabel });
startFlashing();
window.matchMedia(LIST_QUERY).addEventListener('change', () => queueRender());
new ResizeObserver(() => queueRender()).observe($('beds'));

// ---- login ------------------------------------------------------------------------------------------------

let loginRequested = false;

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('login-error').textContent = '';
  try {
    const u = await api('/api/login', { staffId: $('staff-id').value.trim(), pin: $('pin').value });
    user = u;
    loginRequested = false;
    $('pin').value = '';
    if (ws) {
      // reconnect so the socket carries the session (not a lost connection: no banner)
      const old = ws;
      ws = null;
      old.onclose = null;
      old.close();
    }
    connect();
  } catch (err) {
    $('pin').value = '';
    $('login-error').textContent = err.message;
  }
  render();
});
$('login-open').addEventListener('click', () => {
  loginRequested = true;
  render();
  $('staff-id').focus();
});
$('logout').addEventListener('click', async () => {
  await api('/api/logout', {}).catch(() => {});
  location.reload();
});
$('sound').addEventListener('click', async () => {
  await tone.enable();
  updateSound();
});

setInterval(() => {
  const now = Date.now();
  tickTimes(document, now);
  $('clock').textContent = clockTime(now);
  if (offlineSince) {
    const retryAt = Number(document.body.dataset.retryAt || 0);
    $('offline-detail').textContent = `Values are stale since ${clockTime(offlineSince)} (${age(now - offlineSince)}). ${retryAt > now ? `Reconnecting in ${Math.ceil((retryAt - now) / 1000)} s…` : 'Reconnecting…'}`;
  }
  if (state && now % 10_000 < 1000) queueRender(); // stale-value greying, NEWS2 freshness
}, 1000);

boot();
