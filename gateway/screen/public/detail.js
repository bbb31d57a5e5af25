// A bed's detail view (click or tap a tile): current values with units and age, the bed's alarms, trend charts of
// the last hours with the alarm limits drawn in (uPlot, served by the gateway), NEWS2 inputs and alarm limits.
import uPlot from '/vendor/uplot.js';
import { clockTime, conditionText, marker, news2Risk, num, paramLabel, patientText, priorityLabel, settings, shortTime, unitText, words } from './format.js';
import { $, el, since } from './render.js';

const LIMIT_DASH = { high: [], medium: [8, 4], low: [2, 4] }; // limit lines differ by priority without colour, too
const LIMIT_COLOUR = { high: '#ff6b66', medium: '#f5c400', low: '#1ec8e8' };
let app = null;
let dialogBed = null;
let manualDraft = {};
let charts = [];

export function initDetail(a) {
  app = a;
  $('profile-select').addEventListener('change', (e) => fillLimits(e.target.value, {}));
  $('manual-save').addEventListener('click', saveManual);
  $('limits-save').addEventListener('click', saveLimits);
  $('detail-pause').addEventListener('click', () => app.act(`/api/beds/${encodeURIComponent(dialogBed)}/pause`, {}, `Audio paused: ${app.bedLabel(dialogBed)}`));
  $('bed-dialog').addEventListener('close', () => {
    for (const c of charts) c.destroy();
    charts = [];
    dialogBed = null;
  });
}

export const openBed = () => dialogBed;

function choice(containerId, label, options, current, onPick, enabled) {
  const c = $(containerId);
  c.replaceChildren(el('span', { class: 'label', id: `${containerId}-label` }, label), ...options.map(([value, text]) =>
    el('button', { type: 'button', role: 'radio', disabled: !enabled, 'aria-checked': String(value === current), class: value === current ? 'on' : '', 'data-value': String(value), onclick: () => { onPick(value); choice(containerId, label, options, value, onPick, enabled); } }, text)));
  c.setAttribute('aria-labelledby', `${containerId}-label`);
}

/**
 * Which systolic NEWS2 scored: the newest of the cuff and the arterial line (`sbpFrom: 'arterial'` when the arterial
 * line's), e.g. " — SBP 118 (arterial line)". Empty when no systolic was scored.
 */
function sbpSource(n, b) {
  if (n.subscores?.sbp === undefined) return '';
  const arterial = n.sbpFrom === 'arterial';
  const v = b.vitals[arterial ? 'abp_sys' : 'sbp'];
  return v ? ` — SBP ${num(v.value, arterial ? 'abp_sys' : 'sbp')} (${arterial ? 'arterial line' : 'cuff'})` : '';
}

/** Fills the parts that follow live data (values, alarms); called on every render while the dialog is open. */
export function refreshDetail() {
  if (!dialogBed) return;
  const { state } = app.ctx();
  const b = state.beds.find((x) => x.id === dialogBed);
  if (!b) return;
  const order = words().paramOrder.filter((p) => b.vitals[p]);
  $('detail-vitals').tBodies[0].replaceChildren(...(order.length ? order.map((p) => {
    const v = b.vitals[p];
    return el('tr', { 'data-param': p }, el('th', { scope: 'row' }, paramLabel(p)), el('td', { class: 'num' }, num(v.value, p)), el('td', {}, unitText(p, v.unit)), el('td', {}, since(v.at, '', ' ago')), el('td', {}, v.deviceId));
  }) : [el('tr', {}, el('td', { colspan: 5 }, 'No values yet'))]),
    // The "more" rows: numerics whose code the gateway does not map, shown as the device sent them, never scored.
    ...Object.values(b.more ?? {}).map((v) => el('tr', { class: 'unmapped', 'data-code': v.code, title: 'not mapped: shown as sent, never scored' },
      el('th', { scope: 'row' }, `${v.label ?? v.code} (unmapped)`), el('td', { class: 'num' }, String(v.value)), el('td', {}, v.unit), el('td', {}, since(v.at, '', ' ago')), el('td', {}, v.deviceId))));
  const n = b.news2;
  $('detail-news2').textContent = n ? `NEWS2 ${n.total} — ${news2Risk(n.risk)}${sbpSource(n, b)}${n.complete ? '' : ` — incomplete, missing ${n.missing.map(paramLabel).join(', ')}`}` : 'NEWS2 not scored yet';
  $('detail-manual').textContent = `ACVPU ${b.manual.acvpu ?? 'not entered'} · ${b.manual.o2 === undefined ? 'oxygen not entered' : b.manual.o2 ? 'on supplemental oxygen' : 'on air'} · SpO₂ scale ${b.manual.scale ?? app.ctx().setup.beds[b.id]?.news2Scale ?? 1}`;
  const alarms = app.ctx().alarms.filter((a) => a.bed === b.id);
  $('detail-alarms').replaceChildren(...(alarms.length ? alarms.map((a) => el('li', { class: `p-${a.priority} ${a.state}`, 'data-priority': a.priority },
    el('span', { class: `marker m-${a.priority}` }, marker(a.priority)), ` ${conditionText(a.condition)} — ${priorityLabel(a.priority).toLowerCase()}`,
    a.state === 'acknowledged' ? ' — ✓ acknowledged' : '', ' — ', since(a.raisedAt, 'for '))) : [el('li', { class: 'none' }, 'No alarms')]),
    // The monitor's own alarm list (e.g. an IntelliVue), shown apart from the gateway's alarms.
    ...Object.entries(b.deviceAlarms ?? {}).flatMap(([dev, list]) => list.map((d) =>
      el('li', { class: 'device-alarm', 'data-priority': d.priority }, el('span', { class: `marker m-${d.priority}` }, marker(d.priority)), ` Shown on monitor ${dev}: ${d.text}`))));

}

export function openDetail(bedId) {
  const { state, setup, acting } = app.ctx();
  const b = state.beds.find((x) => x.id === bedId);
  if (!b) return;
  dialogBed = bedId;
  const cfg = setup.beds[bedId] ?? {};
  const patient = b.patient ?? cfg.patient;
  manualDraft = { acvpu: b.manual.acvpu ?? 'A', o2: b.manual.o2 ?? false, scale: b.manual.scale ?? cfg.news2Scale ?? 1 };
  $('bed-dialog-title').textContent = `${b.label}${patient ? ` · ${patientText(patient)}` : ''}`;
  $('bed-dialog-error').textContent = '';
  $('bed-dialog').classList.toggle('read-only', !acting);
  choice('acvpu-choice', 'ACVPU', [['A', 'A Alert'], ['C', 'C New confusion'], ['V', 'V Voice'], ['P', 'P Pain'], ['U', 'U Unresponsive']], manualDraft.acvpu, (v) => (manualDraft.acvpu = v), acting);
  choice('o2-choice', 'Oxygen', [[false, 'Air'], [true, 'Supplemental O₂']], manualDraft.o2, (v) => (manualDraft.o2 = v), acting);
  choice('scale-choice', 'SpO₂ scale', [[1, 'Scale 1'], [2, 'Scale 2 (hypercapnic)']], manualDraft.scale, (v) => (manualDraft.scale = v), acting);
  const sel = $('profile-select');
  sel.disabled = !acting;
  sel.replaceChildren(...Object.entries(setup.profiles).map(([name, p]) => el('option', { value: name, selected: name === cfg.profile }, `${name}${p.description ? ` — ${p.description}` : ''}`)));
  $('detail-profile').textContent = `Limits: ${cfg.profile ?? '—'}${cfg.overrides && Object.keys(cfg.overrides).length ? ' (changed for this bed)' : ''}`;
  fillLimits(cfg.profile, cfg.overrides ?? {});
  refreshDetail();
  $('trends').replaceChildren(el('p', { class: 'none' }, 'Loading trends…'));
  $('bed-dialog').showModal();
  loadTrends(bedId);
}

/** The effective limit bands of a parameter on this bed (the profile with the bed's overrides). */
function bandsOf(bedId, param) {
  const { setup } = app.ctx();
  const cfg = setup.beds[bedId] ?? {};
  const base = setup.profiles[cfg.profile]?.params?.[param] ?? {};
  const o = cfg.overrides?.[param] ?? {};
  return [...(o.high ?? base.high ?? []).map((b) => ({ value: b.above, priority: b.priority, side: 'above' })), ...(o.low ?? base.low ?? []).map((b) => ({ value: b.below, priority: b.priority, side: 'below' }))];
}

async function loadTrends(bedId) {
  let data;
  try {
    data = await app.api(`/api/beds/${encodeURIComponent(bedId)}/trends`);
  } catch (err) {
    $('trends').replaceChildren(el('p', { class: 'error' }, `Trends not available: ${err.message}`));
    return;
  }
  if (dialogBed !== bedId) return;
  const params = words().paramOrder.filter((p) => data.params[p]?.length);
  $('trends-title').textContent = `Trends, last ${settings().trendHours} h${data.loading ? ' (earlier hours still loading after a restart)' : ''}`;
  if (!params.length) {
    $('trends').replaceChildren(el('p', { class: 'none' }, 'No values in this window yet'));
    return;
  }
  const bed = app.ctx().state.beds.find((x) => x.id === bedId);
  const series = params.map((p) => {
    // While the history is younger than the live 30-minute trend (10 s steps), the live trend is the finer picture.
    const live = (bed?.trends?.[p] ?? []).map(([t, v]) => [t, v, v, v]);
    return live.length >= 2 && data.to - data.params[p][0][0] <= 30 * 60_000 ? live : data.params[p];
  });
  // data-first / data-points: what the chart holds, for tests and diagnosis (the chart itself is a canvas)
  const boxes = params.map((p, i) => el('figure', { class: 'trend', 'data-param': p, 'data-first': String(series[i][0][0]), 'data-points': String(series[i].length) },
    el('figcaption', {}, `${paramLabel(p)} (${unitText(p)})`), el('div', { class: 'chart' })));
  $('trends').replaceChildren(...boxes);
  const tz = settings().timeZone;
  for (const [i, p] of params.entries()) {
    const pts = series[i];
    const limits = bandsOf(bedId, p);
    const xs = pts.map((q) => q[0] / 1000);
    const values = pts.flatMap((q) => [q[2], q[3]]).concat(limits.map((l) => l.value));
    const lo = Math.min(...values), hi = Math.max(...values), pad = Math.max(1, (hi - lo) * 0.08);
    // x from the first value (not the empty start of the window), so the first minutes are readable
    const x0 = Math.max(data.from / 1000, xs[0] - 10), x1 = data.to / 1000;
    const box = boxes[i].querySelector('.chart');
    const opts = {
      width: Math.max(240, box.clientWidth || 380), height: 150,
      legend: { show: false }, cursor: { show: false },
      ...(tz ? { tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz) } : {}),
      scales: { x: { time: true, range: () => [x0, Math.max(x1, x0 + 60)] }, y: { range: () => [lo - pad, hi + pad] } },
      axes: [
        { stroke: '#c9d4de', grid: { stroke: '#2a3644' }, ticks: { stroke: '#2a3644' }, values: (u, splits) => splits.map((s) => (x1 - x0 < 900 ? clockTime(s * 1000) : shortTime(s * 1000))) },
        { stroke: '#c9d4de', grid: { stroke: '#2a3644' }, ticks: { stroke: '#2a3644' }, size: 50, values: (u, splits) => splits.map((s) => num(s, p === 'temp' ? 'temp' : undefined)) },
      ],
      // the line is each step's last value; the shaded band its low to high, so a brief dip stays visible
      series: [{}, { stroke: '#8cc8ff', width: 2, label: paramLabel(p), points: { show: pts.length < 40 } }, { stroke: 'transparent', width: 0, points: { show: false } }, { stroke: 'transparent', width: 0, points: { show: false } }],
      bands: [{ series: [3, 2], fill: 'rgba(140,200,255,.18)' }],
      hooks: { draw: [(u) => drawLimits(u, limits, p)] },
    };
    charts.push(new uPlot(opts, [xs, pts.map((q) => q[1]), pts.map((q) => q[2]), pts.map((q) => q[3])], box));
  }
}

function drawLimits(u, limits, param) {
  const { ctx } = u;
  ctx.save();
  ctx.font = `${Math.round(12 * devicePixelRatio)}px system-ui, sans-serif`;
  for (const l of limits) {
    const y = u.valToPos(l.value, 'y', true);
    ctx.strokeStyle = LIMIT_COLOUR[l.priority];
    ctx.fillStyle = LIMIT_COLOUR[l.priority];
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.setLineDash(LIMIT_DASH[l.priority].map((d) => d * devicePixelRatio));
    ctx.beginPath();
    ctx.moveTo(u.bbox.left, y);
    ctx.lineTo(u.bbox.left + u.bbox.width, y);
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.fillText(`${marker(l.priority)} ${l.side} ${num(l.value, param)}`, u.bbox.left + u.bbox.width - 4 * devicePixelRatio, y - 3 * devicePixelRatio);
  }
  ctx.restore();
}

/** One row per limit band of the profile (with the bed's overrides applied), each with an editable threshold. */
function fillLimits(profileName, overrides) {
  const { setup, acting } = app.ctx();
  const params = setup.profiles[profileName]?.params ?? {};
  const rows = [];
  for (const [param, lim] of Object.entries(params)) {
    for (const side of ['high', 'low']) {
      const bands = overrides[param]?.[side] ?? lim[side] ?? [];
      bands.forEach((band, i) => {
        const key = side === 'high' ? 'above' : 'below';
        rows.push(el('tr', {},
          el('th', { scope: 'row' }, paramLabel(param)),
          el('td', {}, key),
          el('td', {}, el('input', { type: 'number', step: 'any', inputmode: 'decimal', disabled: !acting, value: band[key], 'data-param': param, 'data-side': side, 'data-band': i, 'aria-label': `${paramLabel(param)} ${key}, ${priorityLabel(band.priority).toLowerCase()}, in ${unitText(param)}` })),
          el('td', {}, unitText(param)),
          el('td', { class: `prio p-${band.priority}` }, el('span', { class: `marker m-${band.priority}` }, marker(band.priority)), ` ${priorityLabel(band.priority)}`)));
      });
    }
  }
  $('limits-table').tBodies[0].replaceChildren(...rows);
}

async function saveManual() {
  if (await app.act(`/api/beds/${encodeURIComponent(dialogBed)}/manual`, manualDraft, `NEWS2 observations saved: ${app.bedLabel(dialogBed)}`)) $('bed-dialog').close();
}

async function saveLimits() {
  const { setup } = app.ctx();
  const profile = $('profile-select').value;
  const cfg = setup.beds[dialogBed] ?? {};
  const base = setup.profiles[profile]?.params ?? {};
  const effective = profile === cfg.profile ? cfg.overrides ?? {} : {};
  const overrides = {};
  for (const input of $('limits-table').querySelectorAll('input')) {
    const { param, side } = input.dataset;
    const i = Number(input.dataset.band);
    const bands = overrides[param]?.[side] ?? structuredClone(effective[param]?.[side] ?? base[param]?.[side] ?? []);
    const key = side === 'high' ? 'above' : 'below';
    const v = Number(input.value);
    if (input.value === '' || !Number.isFinite(v)) {
      $('bed-dialog-error').textContent = `${paramLabel(param)} ${key}: enter a number`;
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
    await app.api(`/api/beds/${encodeURIComponent(dialogBed)}/limits`, body);
    app.toast(`Alarm limits saved: ${app.bedLabel(dialogBed)}`);
    $('bed-dialog').close();
  } catch (err) {
    $('bed-dialog-error').textContent = err.message;
  }
}
