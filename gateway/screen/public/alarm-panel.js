// The alarm panel: bounded, scrolling within itself, grouped by bed (most severe bed first) with a count per bed.
// Each row: a band that flashes (never the text or the button), the priority's text marker, the condition in words
// with value and unit, since when, the centre's status for this alarm, and Acknowledge.
import { centralText, conditionText, marker, num, patientText, priorityLabel, unitText } from './format.js';
import { el, keyed, since } from './render.js';
import { raiseOrder, topAlarm } from './tiles.js';

const RANK = { high: 3, medium: 2, low: 1 };

function valueText(a) {
  if (a.value === undefined || a.param === undefined) return '';
  const u = unitText(a.param, a.unit);
  const limit = a.limit !== undefined ? ` (limit ${num(a.limit, a.param)} ${u})` : '';
  return `${num(a.value, a.param)} ${u}${limit}`;
}

/** The hospital alarm manager's word on this alarm's page (IHE PCD-05), when pages go out. */
function pageFor(a, ctx) {
  return (ctx.state.pages ?? []).find((p) => p.alarmId === a.id);
}

function ackedBy(a) {
  return a.by && a.by.startsWith('staff:') ? ` by ${a.by.slice(6)}` : '';
}

function row(a, ctx) {
  const c = ctx.state.central.find((x) => x.incidentId === a.incidentId);
  const page = pageFor(a, ctx);
  const tech = a.kind === 'technical';
  return el('li', { class: `alarm p-${a.priority} ${a.state} ${tech ? 'technical' : ''}`, 'data-alarm': a.id, 'data-bed': a.bed, 'data-priority': a.priority, 'data-state': a.state },
    el('span', { class: 'band', 'aria-hidden': 'true' }),
    el('span', { class: `marker m-${a.priority}`, title: priorityLabel(a.priority) }, marker(a.priority), el('span', { class: 'sr-only' }, ` ${priorityLabel(a.priority)}`)),
    el('div', { class: 'what' },
      el('b', { class: 'cond' }, conditionText(a.condition)),
      // The monitor's own alarm: what the monitor says (all of its alarms at this priority), not the gateway's words.
      a.deviceAlarms?.length
        ? el('span', { class: 'dev device-texts' }, ` · on monitor ${a.deviceId ?? ''}: ${a.deviceAlarms.map((d) => d.text).join('; ')}`)
        : tech ? el('span', { class: 'dev' }, ` · technical alarm${a.deviceId ? `, ${a.deviceId}` : ''}`) : null,
      a.condition === 'news2' && a.value !== undefined ? el('span', { class: 'val' }, ` · score ${a.value}`) : null,
      a.param !== undefined && a.value !== undefined ? el('span', { class: 'val' }, ` · ${valueText(a)}`) : null),
    el('div', { class: 'meta' },
      since(a.raisedAt, 'for '),
      a.latched ? el('span', {}, ' · condition ended, kept until acknowledged') : null,
      a.escalated ? el('span', { class: 'esc' }, ' · escalated') : null,
      a.state === 'active' && !a.audible ? el('span', {}, ' · audio paused') : null,
      a.state === 'acknowledged' ? el('span', { class: 'acked' }, ` · ✓ Acknowledged${ackedBy(a)}`) : null,
      c ? el('span', { class: 'central', title: 'Status at the central service' }, ` · ${centralText(c)}`) : null,
      page ? el('span', { class: 'page', 'data-page': page.status }, `Page: ${page.text}`) : null),
    ctx.acting && a.state === 'active'
      ? el('button', { type: 'button', class: 'ack', 'aria-label': `Acknowledge ${conditionText(a.condition)}, ${ctx.bedLabel(a.bed)}`, onclick: (e) => { e.currentTarget.disabled = true; ctx.act(`/api/alarms/${encodeURIComponent(a.id)}/ack`, {}, `Acknowledged: ${ctx.bedLabel(a.bed)} — ${conditionText(a.condition)}`); } }, 'Acknowledge')
      : el('span', { class: 'no-ack' }));
}

export function renderAlarmPanel(ctx, listEl, countEl, noneEl) {
  const alarms = ctx.alarms;
  noneEl.hidden = alarms.length > 0;
  const counts = ['high', 'medium', 'low'].map((p) => [p, alarms.filter((a) => a.priority === p && a.state === 'active').length]).filter(([, n]) => n);
  countEl.textContent = counts.length ? counts.map(([p, n]) => `${marker(p)} ${n} ${p}`).join(' · ') : '';
  const groups = new Map();
  for (const a of alarms) (groups.get(a.bed) ?? groups.set(a.bed, []).get(a.bed)).push(a);
  const ordered = [...groups.entries()].sort(([, x], [, y]) => {
    const tx = topAlarm(x), ty = topAlarm(y);
    return (tx.state === 'active' ? 0 : 1) - (ty.state === 'active' ? 0 : 1) || RANK[ty.priority] - RANK[tx.priority] || raiseOrder(tx, ty);
  });
  keyed(listEl, ordered, ([bed]) => bed, ([bed, list]) => JSON.stringify([list.length, ctx.bedLabel(bed), ctx.patientOf(bed)]), ([bed, list]) => {
    const patient = ctx.patientOf(bed);
    return el('li', { class: 'group', 'data-bed': bed },
      el('h3', {}, el('span', { class: 'bed-name' }, ctx.bedLabel(bed)), patient ? el('span', { class: 'patient' }, patientText(patient)) : null,
        el('span', { class: 'n' }, `${list.length} alarm${list.length === 1 ? '' : 's'}`)),
      el('ol', { class: 'rows' }));
  });
  for (const g of listEl.children) {
    const list = groups.get(g.dataset.key) ?? [];
    const sorted = [...list].sort((a, b) => (a.state === 'active' ? 0 : 1) - (b.state === 'active' ? 0 : 1) || RANK[b.priority] - RANK[a.priority] || raiseOrder(a, b));
    keyed(g.querySelector('ol.rows'), sorted, (a) => a.id,
      (a) => JSON.stringify([a.state, a.priority, a.value, a.audible, a.escalated, a.latched, a.deviceAlarms, ctx.state.central.find((x) => x.incidentId === a.incidentId), pageFor(a, ctx), ctx.acting]),
      (a) => row(a, ctx));
  }
}
