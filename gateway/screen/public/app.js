// Ward screen client: one WebSocket for a snapshot and live changes, fetch() for actions.
// Works offline: everything is served by the gateway.
import { Annunciator } from './audio.js';

const $ = (id) => document.getElementById(id);
const PARAM_LABELS = { hr: 'HR', pr: 'PR', spo2: 'SpO₂', rr: 'RR', temp: 'Temp', sbp: 'SBP', dbp: 'DBP', map: 'MAP', pi: 'PI' };
const PARAM_ORDER = ['hr', 'spo2', 'rr', 'sbp', 'temp', 'pr', 'dbp', 'map', 'pi'];
const RANK = { high: 3, medium: 2, low: 1 };

let state = null;
let user = null;
let ws = null;
let retryMs = 500;
const audio = new Annunciator();

async function api(path, body) {
  const res = await fetch(path, { method: body === undefined ? 'GET' : 'POST', headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json.error || res.statusText);
  return json;
}

async function boot() {
  const s = await api('/api/session').catch(() => ({ user: null, readOnlyView: false }));
  user = s.user;
  if (user || s.readOnlyView) connect();
  render();
}

function connect() {
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  ws = new WebSocket(`${proto}://${location.host}/ws`);
  ws.onopen = () => { retryMs = 500; setOffline(false); };
  ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
  ws.onclose = () => {
    ws = null;
    if (!user && !state) return;
    setOffline(true);
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  };
}

function setOffline(offline) {
  $('offline').hidden = !offline;
  document.body.classList.toggle('stale', offline);
  if (offline) audio.update([]);
}

function onMessage(m) {
  if (m.type === 'snapshot') { state = m.state; if (m.user) user = m.user; }
  else if (!state) return;
  else if (m.type === 'alarm') {
    const a = m.alarm;
    state.alarms = state.alarms.filter((x) => x.id !== a.id);
    if (a.state !== 'cleared') state.alarms.push(a);
  } else if (m.type === 'vitals') {
    const bed = state.beds.find((b) => b.id === m.bed);
    if (bed) { bed.vitals[m.param] = m.vital; (bed.trends[m.param] ??= []).push([m.vital.at, m.vital.value]); }
  } else if (m.type === 'bed') {
    state.beds = state.beds.map((b) => (b.id === m.bed.id ? m.bed : b));
  } else if (m.type === 'device') {
    state.devices = state.devices.map((d) => (d.id === m.device.id ? m.device : d));
    if (m.bed) state.beds = state.beds.map((b) => (b.id === m.bed.id ? m.bed : b));
  } else if (m.type === 'central') {
    state.central = state.central.filter((c) => c.incidentId !== m.central.incidentId).concat([m.central]);
  } else if (m.type === 'health') {
    state.health = m.health;
  }
  render();
}

function sortedAlarms() {
  return [...state.alarms].sort((a, b) => RANK[b.priority] - RANK[a.priority] || a.raisedAt - b.raisedAt);
}

function age(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function sparkline(points) {
  if (!points || points.length < 2) return null;
  const vals = points.map((p) => p[1]);
  const min = Math.min(...vals), max = Math.max(...vals), span = max - min || 1;
  const t0 = points[0][0], t1 = points[points.length - 1][0], tspan = t1 - t0 || 1;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 100 20');
  svg.setAttribute('preserveAspectRatio', 'none');
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', points.map((p) => `${((p[0] - t0) / tspan) * 100},${18 - ((p[1] - min) / span) * 16}`).join(' '));
  svg.append(line);
  return svg;
}

function centralFor(alarm) {
  return state.central.find((c) => c.incidentId === alarm.incidentId);
}

async function act(path, body) {
  try { await api(path, body ?? {}); } catch (err) { alert(`Action failed: ${err.message}`); }
}

function render() {
  const loggedOut = !user && !(state && !user);
  $('login').hidden = !!user || !!state;
  $('ward-view').hidden = !state;
  $('logout').hidden = !user;
  $('who').textContent = user ? `${user.name} (${user.id})` : state ? 'view only' : '';
  if (loggedOut && !state) return;
  if (!state) return;
  const now = Date.now();
  $('ward').textContent = `${state.ward} — ${state.gatewayId}`;
  const h = state.health;
  $('health').replaceChildren(
    el('span', { class: h.upstreamOnline ? '' : 'bad' }, h.upstreamOnline ? 'Central: online' : 'Central: OFFLINE'),
    ` · outbox ${h.outboxDepth}`,
    h.lastSyncAt ? ` · last sync ${age(now - h.lastSyncAt)} ago` : ' · never synced',
    el('span', { class: h.clock === 'synchronised' ? '' : 'bad' }, ` · clock ${h.clock}`),
  );

  const alarms = sortedAlarms();
  $('no-alarms').hidden = alarms.length > 0;
  $('alarm-list').replaceChildren(...alarms.map((a) => {
    const c = centralFor(a);
    const bed = state.beds.find((b) => b.id === a.bed);
    return el('li', { class: `alarm ${a.priority} ${a.state} ${a.state === 'active' ? 'unacked' : ''}`, 'data-alarm': a.id, 'data-bed': a.bed },
      el('span', {}, bed ? bed.label : a.bed),
      el('span', { class: 'kind' }, a.kind === 'technical' ? 'technical' : a.priority),
      el('span', {}, a.message, a.latched ? ' (latched)' : ''),
      el('span', { class: 'central' }, c ? `${c.status}${c.assignedTo ? ` → ${c.assignedTo.name}` : ''}` : age(now - a.raisedAt)),
      user && a.state === 'active' ? el('button', { type: 'button', class: 'ack', onclick: () => act(`/api/alarms/${encodeURIComponent(a.id)}/ack`) }, 'Acknowledge') : el('span', {}, a.state),
    );
  }));

  $('beds').replaceChildren(...state.beds.map((b) => {
    const bedAlarms = alarms.filter((a) => a.bed === b.id);
    const top = bedAlarms[0];
    const vitals = PARAM_ORDER.filter((p) => b.vitals[p] || ['hr', 'spo2', 'rr', 'sbp', 'temp'].includes(p)).map((p) => {
      const v = b.vitals[p];
      return el('div', { class: `vital ${v ? '' : 'missing'}`, 'data-param': p },
        el('div', { class: 'name' }, PARAM_LABELS[p] ?? p),
        el('div', { class: 'value' }, v ? String(Math.round(v.value * 10) / 10) : '—'),
        el('div', { class: 'age' }, v ? `${age(now - v.at)} ago` : 'no value'),
        sparkline(b.trends[p]),
      );
    });
    const n = b.news2;
    const devices = state.devices.filter((d) => d.bed === b.id);
    const pausedFor = b.audioPausedUntil && b.audioPausedUntil > now ? age(b.audioPausedUntil - now) : null;
    return el('article', { class: `bed ${top ? `alarm-${top.priority}` : ''}`, 'data-bed': b.id },
      el('h3', {}, el('span', {}, b.label), el('span', { class: 'quiet' }, pausedFor ? `audio paused ${pausedFor}` : '')),
      el('div', { class: 'vitals' }, ...vitals),
      n ? el('div', { class: `news2 ${n.risk} ${n.complete ? '' : 'incomplete'}` }, `NEWS2 ${n.total} ${n.risk}${n.complete ? '' : ' (incomplete)'}`) : null,
      el('div', { class: 'devices' }, ...devices.map((d) => el('span', { class: d.state }, `${d.id}: ${d.state} `))),
      user ? el('div', { class: 'bed-actions' },
        el('button', { type: 'button', class: 'pause', onclick: () => act(`/api/beds/${encodeURIComponent(b.id)}/pause`) }, 'Pause audio'),
        manualSelect(b),
      ) : null,
    );
  }));
  audio.update(alarms.filter((a) => {
    const bed = state.beds.find((x) => x.id === a.bed);
    return a.audible && !(bed && bed.audioPausedUntil && bed.audioPausedUntil > Date.now());
  }));
}

function manualSelect(b) {
  const sel = el('select', { 'aria-label': 'ACVPU', onchange: (e) => act(`/api/beds/${encodeURIComponent(b.id)}/manual`, { acvpu: e.target.value }) },
    ...['A', 'C', 'V', 'P', 'U'].map((v) => {
      const o = el('option', { value: v }, `ACVPU ${v}`);
      if ((b.manual?.acvpu ?? 'A') === v) o.selected = true;
      return o;
    }));
  const o2 = el('button', { type: 'button', onclick: () => act(`/api/beds/${encodeURIComponent(b.id)}/manual`, { o2: !b.manual?.o2 }) }, b.manual?.o2 ? 'On O₂' : 'On air');
  return el('span', {}, sel, ' ', o2);
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('login-error').textContent = '';
  try {
    user = await api('/api/login', { staffId: $('staff-id').value, pin: $('pin').value });
    $('pin').value = '';
    connect();
  } catch (err) {
    $('login-error').textContent = err.message;
  }
  render();
});
$('logout').addEventListener('click', async () => { await api('/api/logout', {}); location.reload(); });
$('sound').addEventListener('click', () => {
  audio.enable();
  $('sound').textContent = 'Sound on';
  $('sound').classList.remove('off');
  render();
});
setInterval(() => { if (state) render(); }, 1000);
boot();
