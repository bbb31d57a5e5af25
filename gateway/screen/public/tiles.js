// The ward overview: one tile per bed in the ward's configured order, sized so that every bed fits the screen
// (24 on 1920x1080, 30 on 2560x1440); on a narrow screen (tablet) a list sorted by severity.
import { conditionText, deviceState, marker, news2Risk, num, paramShort, patientText, priorityLabel, unitText, words } from './format.js';
import { el, keyed, news2Peak, since, unscoredNote } from './render.js';

const MAIN_PARAMS = ['hr', 'spo2', 'rr', 'sbp', 'temp'];
const STALE_VALUE_MS = 60_000;
const RANK = { high: 3, medium: 2, low: 1 };
const TILE_ASPECT = 1.05; // width / height a tile reads best at
export const LIST_QUERY = '(max-width: 1300px)';

/** Columns that give the largest tiles of roughly TILE_ASPECT for `n` beds in a w x h area. */
export function gridFor(n, w, h) {
  let best = { cols: 1, rows: Math.max(1, n), score: 0 };
  for (let cols = 1; cols <= Math.max(1, n); cols++) {
    const rows = Math.ceil(n / cols);
    const score = Math.min(w / cols / TILE_ASPECT, h / rows);
    if (score > best.score) best = { cols, rows, score };
  }
  return best;
}

/**
 * Raise order: the gateway's raise sequence, never `raisedAt` (a Pi's wall clock can step backwards when NTP syncs;
 * docs/operations.md, "The clock").
 */
export function raiseOrder(a, b) {
  return (a.raiseSeq ?? 0) - (b.raiseSeq ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The bed's most severe alarm: unacknowledged before acknowledged, then by priority, then the first raised. */
export function topAlarm(bedAlarms) {
  return [...bedAlarms].sort((a, b) => (a.state === 'active' ? 0 : 1) - (b.state === 'active' ? 0 : 1) || RANK[b.priority] - RANK[a.priority] || raiseOrder(a, b))[0];
}

export function severity(bedAlarms, news2) {
  const top = topAlarm(bedAlarms);
  const alarmScore = top ? RANK[top.priority] * 100 + (top.state === 'active' ? 50 : 0) : 0;
  return alarmScore + (news2?.total ?? 0);
}

function markerSpan(priority, cls = 'marker') {
  return el('span', { class: `${cls} m-${priority}`, 'aria-hidden': 'true' }, marker(priority));
}

function vitalCell(p, b, alarm, now) {
  const v = b.vitals[p];
  const old = v && now - v.at > STALE_VALUE_MS;
  const value = p === 'sbp' && v && b.vitals.dbp ? `${num(v.value, p)}/${num(b.vitals.dbp.value, 'dbp')}` : v ? num(v.value, p) : '—';
  const label = p === 'sbp' && b.vitals.dbp ? 'BP' : paramShort(p);
  return el('div', { class: `vital ${v ? '' : 'missing'} ${old ? 'old' : ''} ${v?.unscored ? 'unscored' : ''} ${alarm ? `in-alarm p-${alarm.priority}` : ''}`, 'data-param': p },
    el('div', { class: 'name' }, alarm ? markerSpan(alarm.priority) : null, alarm ? el('span', { class: 'sr-only' }, `${priorityLabel(alarm.priority)}: `) : null, label, ' ', el('span', { class: 'unit' }, unitText(p))),
    el('div', { class: 'value' }, value),
    el('div', { class: 'age' }, v ? since(v.at, '', ' ago') : 'no value'),
    unscoredNote(v));
}

/** NEWS2 with its band; an incomplete score is a lower bound ("≥ 3", no band), and nothing measured shows "—". */
function news2Cell(n, alarm, hasValues) {
  if (!n || !hasValues) return el('div', { class: 'vital news2 none', 'data-param': 'news2' }, el('div', { class: 'name' }, 'NEWS2'), el('div', { class: 'value' }, '—'), el('div', { class: 'age' }, 'not scored'));
  return el('div', { class: `vital news2 band-${n.risk} ${n.complete ? '' : 'incomplete'} ${alarm ? `in-alarm p-${alarm.priority}` : ''}`, 'data-param': 'news2', title: n.complete ? '' : `Incomplete: ${n.missing.map(paramShort).join(', ')} missing` },
    el('div', { class: 'name' }, alarm ? markerSpan(alarm.priority) : null, 'NEWS2'),
    el('div', { class: 'value' }, n.complete ? String(n.total) : `≥${n.total}`),
    el('div', { class: 'age band-text' }, n.complete ? news2Risk(n.risk).replace(/ \(.*\)$/, '') : 'incomplete', news2Peak(alarm, n.total)));
}

function tile(b, ctx) {
  const { state, setup, now } = ctx;
  const bedAlarms = ctx.alarms.filter((a) => a.bed === b.id);
  const top = topAlarm(bedAlarms);
  const cfg = setup.beds[b.id] ?? {};
  const patient = b.patient ?? cfg.patient;
  const devices = state.devices.filter((d) => d.bed === b.id);
  const alarmOf = (p) => topAlarm(bedAlarms.filter((a) => a.param === p || (p === 'news2' && a.condition === 'news2')));
  const params = [...MAIN_PARAMS];
  const paused = b.audioPausedUntil && b.audioPausedUntil > now;
  const monitorAlarms = Object.values(b.deviceAlarms ?? {}).reduce((n, list) => n + list.length, 0);
  const summary = top ? `${priorityLabel(top.priority)} alarm${top.state === 'acknowledged' ? ' (acknowledged)' : ''}: ${conditionText(top.condition)}` : 'No alarm';
  return el('article', { class: `bed ${top ? `alarmed p-${top.priority} ${top.state}` : 'calm'}`, 'data-bed': b.id, 'data-priority': top?.priority ?? 'none', 'data-state': top?.state ?? 'none', onclick: (e) => { if (!e.target.closest('button')) ctx.openDetail(b.id); } },
    el('div', { class: 'frame', 'aria-hidden': 'true' }),
    el('header', {},
      el('h3', {}, el('button', { type: 'button', class: 'open', 'aria-label': `${b.label}${patient ? `, ${patientText(patient)}` : ''}. ${summary}. Open details` , onclick: () => ctx.openDetail(b.id) }, b.label)),
      patient ? el('span', { class: 'patient' }, patientText(patient)) : el('span', { class: 'patient none' }, 'No patient'),
      paused ? el('span', { class: 'paused', title: 'Audio paused' }, '🔇') : null),
    top
      ? el('div', { class: `alarm-line p-${top.priority} ${top.state}` }, markerSpan(top.priority), el('span', { class: 'text' }, conditionText(top.condition), top.state === 'acknowledged' ? ' ✓' : ''), bedAlarms.length > 1 ? el('span', { class: 'more' }, `+${bedAlarms.length - 1}`) : null)
      : el('div', { class: 'alarm-line none' }, 'No alarm'),
    el('div', { class: 'vitals' }, ...params.map((p) => vitalCell(p, b, alarmOf(p), now)), news2Cell(b.news2, alarmOf('news2'), Object.keys(b.vitals).length > 0)),
    el('footer', { class: 'devices' },
      monitorAlarms ? el('span', { class: 'device-alarms', title: 'Alarms the bedside monitor shows itself (details in the bed view)' }, `Monitor: ${monitorAlarms} alarm${monitorAlarms === 1 ? '' : 's'} · `) : null,
      devices.length === 0 ? el('span', { class: 'device none' }, 'No device') : devices.map((d) => el('span', { class: `device ${d.state}`, title: d.reason }, el('i', { 'aria-hidden': 'true' }), `${d.id}: ${deviceState(d.state)}`))));
}

/** Renders the tiles; `list` mode (tablets) orders them by severity, the grid keeps the configured order. */
export function renderTiles(container, ctx) {
  const list = window.matchMedia(LIST_QUERY).matches;
  container.classList.toggle('list', list);
  const beds = ctx.state.beds;
  const minute = Math.floor(ctx.now / 10_000);
  keyed(container, beds, (b) => b.id,
    (b) => JSON.stringify([b, ctx.alarms.filter((a) => a.bed === b.id).map((a) => [a.id, a.priority, a.state, a.param, a.condition, a.latched, a.worstValue]), ctx.setup.beds[b.id]?.patient, ctx.state.devices.filter((d) => d.bed === b.id), minute, words().paramOrder.length]),
    (b) => tile(b, ctx));
  const order = list ? [...beds].map((b) => [b.id, severity(ctx.alarms.filter((a) => a.bed === b.id), b.news2)]).sort((x, y) => y[1] - x[1]).map(([id]) => id) : beds.map((b) => b.id);
  for (const node of container.children) node.style.order = String(order.indexOf(node.dataset.key));
  if (!list) {
    const g = gridFor(beds.length, container.clientWidth, container.clientHeight);
    container.style.setProperty('--cols', String(g.cols));
    container.style.setProperty('--rows', String(g.rows));
  }
}
