// Ward screen client: one WebSocket for a snapshot and live changes, fetch() for actions. Everything is served
// by the gateway (no CDN), so the screen works with the hospital network down.
import { AlarmTone } from './audio.js';
import { $, age, clockTime, countdown, el, keyed, since, sparkline, tickTimes } from './render.js';

const PARAM_LABELS = { hr: 'HR', pr: 'Pulse', spo2: 'SpO₂', rr: 'Resp', temp: 'Temp', sbp: 'BP sys', dbp: 'BP dia', map: 'MAP', pi: 'PI' };
const UNIT_LABELS = { '/min': '/min', '%': '%', Cel: '°C', 'mm[Hg]': 'mmHg' };
const MAIN_PARAMS = ['hr', 'spo2', 'rr', 'sbp', 'temp'];
const PARAM_ORDER = ['hr', 'spo2', 'rr', 'sbp', 'temp', 'pr', 'dbp', 'map', 'pi'];
const RANK = { high: 3, medium: 2, low: 1 };
const MARKER = { high: '***', medium: '**', low: '*' }; // IEC 60601-1-8 text markers used by monitors
const STALE_VALUE_MS = 60_000;
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
    case 'central':
      state.central = state.central.filter((c) => c.incidentId !== m.central.incidentId).concat([m.central]);
      break;
    case 'health':
      state.health = m.health;
      break;
    case 'setup':
      setup = m.setup;
      break;
    case 'heartbeat':
      if (m.buzzer) setup.buzzer = m.buzzer;
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

const bedUrl = (id, action) => `/api/beds/${encodeURIComponent(id)}/${action}`;

// ---- rendering --------------------------------------------------------------------------------------------

function canAct() {
  return !!user && !!state && document.body.dataset.connection !== 'offline';
}

function bedLabel(id) {
  if (id === 'gateway') return 'Gateway';
  const b = state.beds.find((x) => x.id === id);
  return b ? b.label : id;
}

function effectivePriority(a) {
  return Math.min(3, RANK[a.priority] + (a.escalated ? 1 : 0));
}

function sortedAlarms() {
  return [...state.alarms].sort((a, b) => RANK[b.priority] - RANK[a.priority] || a.raisedAt - b.raisedAt || (a.id < b.id ? -1 : 1));
}

function centralFor(a) {
  return state.central.find((c) => c.incidentId === a.incidentId);
}

function centralText(c) {
  if (!c) return '';
  const who = c.assignedTo ? ` → ${c.assignedTo.name}${c.assignedTo.role ? ` (${c.assignedTo.role})` : ''}` : '';
  return `Centre: ${c.status.replace(/-/g, ' ')}${who}`;
}

function fmt(v) {
  return Number.isInteger(v) ? String(v) : (Math.round(v * 10) / 10).toFixed(1);
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
      ? el('span', { class: 'pill', 'data-health': 'central' }, 'Central: sync off')
      : el('span', { class: `pill ${h.upstreamOnline ? 'ok' : 'bad'}`, 'data-health': 'central' }, h.upstreamOnline ? 'Central: online' : 'Central: OFFLINE'),
    el('span', { class: `pill ${h.outboxDepth > 0 ? 'warn' : ''}` }, `Outbox ${h.outboxDepth}`, h.oldestUndeliveredAt ? since(h.oldestUndeliveredAt, ' · oldest ') : ''),
    el('span', { class: 'pill' }, h.lastSyncAt ? since(h.lastSyncAt, 'Last sync ', ' ago') : 'Never synced'),
    el('span', { class: `pill ${up === devs.length ? 'ok' : 'warn'}`, title: devs.map((d) => `${d.id}: ${d.state}`).join('\n') }, `Devices ${up}/${devs.length}`),
    el('span', { class: `pill ${h.clock === 'synchronised' ? '' : 'warn'}` }, `Clock ${h.clock}`),
    bz ? el('span', { class: `pill ${bz.faulted ? 'bad' : ''}`, 'data-health': 'buzzer' }, `Buzzer ${bz.backend}${bz.faulted ? ' FAULT' : bz.sounding ? ` · ${bz.sounding}` : ''}`) : null,
  ];
  $('health').replaceChildren(...items);
  $('clock').textContent = clockTime(now);
}

function renderAlarms(alarms) {
  $('no-alarms').hidden = alarms.length > 0;
  const counts = ['high', 'medium', 'low'].map((p) => [p, alarms.filter((a) => a.priority === p && a.state === 'active').length]).filter(([, n]) => n);
  $('alarm-count').textContent = counts.map(([p, n]) => `${n} ${p}`).join(' · ');
  const acting = canAct();
  keyed(
    $('alarm-list'),
    alarms,
    (a) => a.id,
    (a) => JSON.stringify([a.state, a.priority, a.message, a.value, a.audible, a.escalated, a.latched, centralFor(a), acting, bedLabel(a.bed)]),
    (a) => {
      const c = centralFor(a);
      const b = state.beds.find((x) => x.id === a.bed);
      const patient = b && setup.beds[b.id]?.patientId;
      const tech = a.kind === 'technical';
      return el('li', { class: `alarm ${a.priority} ${a.state} ${tech ? 'technical' : ''} ${a.audible ? '' : 'silent'}`, 'data-alarm': a.id, 'data-bed': a.bed, 'data-priority': a.priority, 'data-state': a.state },
        el('span', { class: 'marker', 'aria-label': `${a.priority} priority` }, MARKER[a.priority]),
        el('span', { class: 'where' }, el('b', {}, bedLabel(a.bed)), patient ? el('small', {}, patient) : null),
        el('span', { class: 'what' },
          tech ? el('span', { class: 'badge' }, 'TECHNICAL') : null,
          el('span', {}, a.message),
          a.value !== undefined && !a.message.includes(fmt(a.value)) ? el('b', { class: 'val' }, ` ${fmt(a.value)} ${UNIT_LABELS[a.unit] ?? a.unit ?? ''}`) : null,
          a.latched ? el('small', {}, ' latched') : null,
          a.escalated ? el('small', {}, ' ESCALATED') : null),
        el('span', { class: 'when' }, since(a.raisedAt, 'active ')),
        el('span', { class: 'central' }, centralText(c)),
        el('span', { class: 'state' }, a.state === 'acknowledged' ? `acknowledged${a.by.startsWith('staff:') ? ` by ${a.by.slice(6)}` : ''}` : a.audible ? '' : 'audio paused'),
        acting && a.state === 'active'
          ? el('button', { type: 'button', class: 'ack', onclick: (e) => { e.currentTarget.disabled = true; act(`/api/alarms/${encodeURIComponent(a.id)}/ack`, {}, `Acknowledged: ${bedLabel(a.bed)} ${a.condition}`); } }, 'Acknowledge')
          : el('span', {}),
      );
    },
  );
}

/** A bed tile: a persistent <article> whose sections are rebuilt only when what they show changes. */
function renderBed(article, b, alarms, now, acting) {
  const bedAlarms = alarms.filter((a) => a.bed === b.id);
  const top = bedAlarms.find((a) => a.state === 'active') ?? bedAlarms[0];
  const cfg = setup.beds[b.id] ?? {};
  const devices = state.devices.filter((d) => d.bed === b.id);
  const paused = b.audioPausedUntil && b.audioPausedUntil > now ? b.audioPausedUntil : null;
  // The ward's usual parameters first, then any other the bed has (invasive pressures, EtCO2 ...).
  const params = [...PARAM_ORDER.filter((p) => b.vitals[p] || MAIN_PARAMS.includes(p)), ...Object.keys(b.vitals).filter((p) => !PARAM_ORDER.includes(p))];
  const n = b.news2;
  const central = bedAlarms.map(centralFor).filter(Boolean);
  const alarmOf = (p) => bedAlarms.find((a) => a.param === p);
  article.className = `bed ${top ? `alarm-${top.priority} ${top.state}` : 'calm'}`;
  const minute = Math.floor(now / 10_000);
  const sections = [
    { key: 'head', sig: [b.label, cfg, paused, b.patient], build: () => el('header', {},
      el('h3', {}, b.label),
      b.patient
        ? el('span', { class: 'patient' }, `Patient ${b.patient.name ? `${b.patient.name} · ` : ''}${b.patient.id}`)
        : el('span', { class: `patient ${cfg.patientId ? '' : 'none'}` }, cfg.patientId ? `Patient ${cfg.patientId}` : 'No patient associated'),
      el('span', { class: 'profile' }, `Limits: ${cfg.profile ?? '—'}${cfg.overrides && Object.keys(cfg.overrides).length ? ' (changed)' : ''}`),
      paused ? el('span', { class: 'paused' }, countdown(paused, 'Audio paused ')) : null) },
    { key: 'vitals', sig: [b.vitals, params.map((p) => b.trends[p]?.length), bedAlarms.map((a) => [a.param, a.priority]), minute], build: () => el('div', { class: 'vitals' }, ...params.map((p) => {
      const v = b.vitals[p];
      const a = alarmOf(p);
      const old = v && now - v.at > STALE_VALUE_MS;
      const main = MAIN_PARAMS.includes(p);
      return el('div', { class: `vital ${main ? 'main' : 'minor'} ${v ? '' : 'missing'} ${old ? 'old' : ''} ${a ? `in-alarm ${a.priority}` : ''}`, 'data-param': p },
        el('div', { class: 'name' }, PARAM_LABELS[p] ?? p, el('span', { class: 'unit' }, v ? ` ${UNIT_LABELS[v.unit] ?? v.unit}` : '')),
        el('div', { class: 'value' }, v ? fmt(v.value) : '—'),
        el('div', { class: 'age' }, v ? since(v.at, '', ' ago') : 'no value'),
        main ? sparkline(b.trends[p], now) : null);
    })) },
    { key: 'news2', sig: [n, b.manual, cfg.news2Scale], build: () => el('div', { class: 'news2-row' },
      n ? el('span', { class: `news2 ${n.risk} ${n.complete ? 'complete' : 'incomplete'}`, title: n.complete ? 'all seven parameters' : `missing: ${n.missing.join(', ')}` },
        el('b', {}, `NEWS2 ${n.total}`), ` ${n.risk} risk`, n.complete ? ' · complete' : ` · INCOMPLETE (missing ${n.missing.join(', ')})`) : el('span', { class: 'news2 none' }, 'NEWS2 —'),
      el('span', { class: 'manual' }, `ACVPU ${b.manual.acvpu ?? '?'} · ${b.manual.o2 === undefined ? 'O₂ ?' : b.manual.o2 ? 'on O₂' : 'on air'} · Scale ${b.manual.scale ?? cfg.news2Scale ?? 1}`)) },
    { key: 'central', sig: central, build: () => el('div', { class: 'central' }, ...central.map((c) => el('div', {}, centralText(c)))) },
    // The monitor's own alarm list (e.g. an IntelliVue), shown apart from the gateway's alarms.
    { key: 'device-alarms', sig: b.deviceAlarms ?? {}, build: () => el('div', { class: 'device-alarms' },
      ...Object.entries(b.deviceAlarms ?? {}).flatMap(([dev, list]) => list.map((a) =>
        el('div', { class: `device-alarm ${a.priority}`, title: `${dev}: ${a.kind} alarm shown on the device` }, `Monitor ${dev}: ${a.text}`)))) },
    { key: 'more', sig: b.more ?? {}, build: () => el('div', { class: 'more' },
      ...Object.values(b.more ?? {}).map((v) => el('span', { class: 'unmapped', title: `${v.code} from ${v.deviceId}: not mapped, never scored` }, `${v.label ?? v.code} ${fmt(v.value)} ${v.unit}`))) },
    { key: 'devices', sig: devices.map((d) => [d.id, d.state, d.reason]), build: () => el('div', { class: 'devices' },
      ...devices.map((d) => el('span', { class: `device ${d.state}`, title: d.reason }, el('i', {}), `${d.id} · ${d.state}`))) },
    { key: 'actions', sig: [acting], build: () => acting ? el('div', { class: 'bed-actions' },
      el('button', { type: 'button', class: 'pause', onclick: () => act(bedUrl(b.id, 'pause'), {}, `Audio paused: ${b.label}`) }, 'Pause audio'),
      el('button', { type: 'button', class: 'settings', onclick: () => openBedDialog(b.id) }, 'NEWS2 & limits…')) : el('div', { class: 'bed-actions none' }) },
  ];
  keyed(article, sections, (x) => x.key, (x) => JSON.stringify(x.sig), (x) => x.build());
}

function render() {
  const showLogin = !state && !user && !readOnlyView;
  $('login').hidden = !(showLogin || loginRequested);
  $('ward-view').hidden = !state || loginRequested;
  $('logout').hidden = !user;
  $('login-open').hidden = !!user || !readOnlyView || loginRequested;
  $('audit-open').hidden = !user;
  $('who').textContent = user ? `${user.name} (${user.id})` : state ? 'View only' : '';
  document.body.classList.toggle('read-only', !user);
  if (!state) return updateSound();
  const now = Date.now();
  renderHeader(now);
  const alarms = sortedAlarms();
  renderAlarms(alarms);
  const acting = canAct();
  keyed($('beds'), state.beds, (b) => b.id, () => 'tile', (b) => el('article', { 'data-bed': b.id }));
  for (const b of state.beds) renderBed($('beds').querySelector(`article[data-bed="${CSS.escape(b.id)}"]`), b, alarms, now, acting);
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

// ---- bed dialog: NEWS2 manual inputs and limits ---------------------------------------------------------

let dialogBed = null;
let manualDraft = {};

function choice(containerId, label, options, current, onPick) {
  const c = $(containerId);
  c.replaceChildren(el('span', { class: 'label' }, label), ...options.map(([value, text]) =>
    el('button', { type: 'button', role: 'radio', 'aria-checked': String(value === current), class: value === current ? 'on' : '', 'data-value': String(value), onclick: () => { onPick(value); choice(containerId, label, options, value, onPick); } }, text)));
}

function openBedDialog(bedId) {
  const b = state.beds.find((x) => x.id === bedId);
  if (!b) return;
  dialogBed = bedId;
  const cfg = setup.beds[bedId] ?? {};
  manualDraft = { acvpu: b.manual.acvpu ?? 'A', o2: b.manual.o2 ?? false, scale: b.manual.scale ?? cfg.news2Scale ?? 1 };
  $('bed-dialog-title').textContent = `${b.label}${cfg.patientId ? ` · ${cfg.patientId}` : ''}`;
  $('bed-dialog-error').textContent = '';
  choice('acvpu-choice', 'ACVPU', [['A', 'A Alert'], ['C', 'C New confusion'], ['V', 'V Voice'], ['P', 'P Pain'], ['U', 'U Unresponsive']], manualDraft.acvpu, (v) => (manualDraft.acvpu = v));
  choice('o2-choice', 'Oxygen', [[false, 'Air'], [true, 'Supplemental O₂']], manualDraft.o2, (v) => (manualDraft.o2 = v));
  choice('scale-choice', 'SpO₂ scale', [[1, 'Scale 1'], [2, 'Scale 2 (hypercapnic)']], manualDraft.scale, (v) => (manualDraft.scale = v));
  const sel = $('profile-select');
  sel.replaceChildren(...Object.entries(setup.profiles).map(([name, p]) => el('option', { value: name, selected: name === cfg.profile }, `${name}${p.description ? ` — ${p.description}` : ''}`)));
  fillLimits(cfg.profile, cfg.overrides ?? {});
  $('bed-dialog').showModal();
}

/** One row per limit band of the profile (with the bed's overrides applied), each with an editable threshold. */
function fillLimits(profileName, overrides) {
  const params = setup.profiles[profileName]?.params ?? {};
  const rows = [];
  for (const [param, lim] of Object.entries(params)) {
    for (const side of ['high', 'low']) {
      const bands = overrides[param]?.[side] ?? lim[side] ?? [];
      bands.forEach((band, i) => {
        const key = side === 'high' ? 'above' : 'below';
        rows.push(el('tr', {},
          el('td', {}, PARAM_LABELS[param] ?? param),
          el('td', {}, side === 'high' ? 'above' : 'below'),
          el('td', { class: `prio ${band.priority}` }, band.priority),
          el('td', {}, el('input', { type: 'number', step: 'any', inputmode: 'decimal', value: band[key], 'data-param': param, 'data-side': side, 'data-band': i, 'aria-label': `${param} ${side} ${band.priority}` }))));
      });
    }
  }
  $('limits-table').tBodies[0].replaceChildren(...rows);
}

$('profile-select').addEventListener('change', (e) => fillLimits(e.target.value, {}));

$('manual-save').addEventListener('click', async () => {
  if (await act(bedUrl(dialogBed, 'manual'), manualDraft, `NEWS2 inputs saved: ${bedLabel(dialogBed)}`)) $('bed-dialog').close();
});

$('limits-save').addEventListener('click', async () => {
  const profile = $('profile-select').value;
  const cfg = setup.beds[dialogBed] ?? {};
  const base = setup.profiles[profile]?.params ?? {};
  const effective = profile === cfg.profile ? cfg.overrides ?? {} : {};
  const overrides = {};
  for (const input of $('limits-table').querySelectorAll('input')) {
    const { param, side } = input.dataset;
    const i = Number(input.dataset.band);
    const bands = (overrides[param]?.[side]) ?? structuredClone(effective[param]?.[side] ?? base[param]?.[side] ?? []);
    const key = side === 'high' ? 'above' : 'below';
    const v = Number(input.value);
    if (input.value === '' || !Number.isFinite(v)) {
      $('bed-dialog-error').textContent = `${param} ${side}: enter a number`;
      return;
    }
    if (v !== bands[i][key] || overrides[param]?.[side] || effective[param]?.[side]) {
      bands[i] = { ...bands[i], [key]: v };
      overrides[param] = { ...(overrides[param] ?? {}), [side]: bands };
    }
  }
  const body = { overrides };
  if (profile !== cfg.profile) body.profile = profile;
  try {
    await api(bedUrl(dialogBed, 'limits'), body);
    toast(`Limits saved: ${bedLabel(dialogBed)}`);
    $('bed-dialog').close();
  } catch (err) {
    $('bed-dialog-error').textContent = err.message;
  }
});

// ---- audit ------------------------------------------------------------------------------------------------

$('audit-open').addEventListener('click', async () => {
  try {
    const { rows } = await api('/api/audit?limit=100');
    $('audit-table').tBodies[0].replaceChildren(...rows.map((r) => el('tr', {},
      el('td', {}, new Date(r.at).toLocaleString()), el('td', {}, r.actor), el('td', {}, r.action), el('td', {}, r.bed ? bedLabel(r.bed) : ''),
      el('td', { class: 'detail' }, JSON.stringify(r.detail)))));
    $('audit-dialog').showModal();
  } catch (err) {
    toast(`Audit not available: ${err.message}`, true);
  }
});

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
