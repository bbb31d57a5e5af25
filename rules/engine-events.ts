import { canonicalUnit, PARAMETERS, type ParamName } from '../drivers/core/parameters.js';
import { score } from './engine-news2-score.js';
import { priorityOf, type Alarm, type BedState, type EngineState, type Incident } from './engine-state.js';
import type { AlarmEvent, AlarmTransition, IncidentEvent, IncidentEventType, News2Result, RulesOutput } from './types.js';

/** Emits an alarm's current state as an event with `transition`, and keeps it as the alarm's latest event. */
export function alarmEvent(a: Alarm, transition: AlarmTransition, at: number, by: string, out: RulesOutput, detail?: string): void {
  const e: AlarmEvent = {
    id: a.id,
    bed: a.bed.id,
    condition: a.condition,
    kind: a.kind,
    priority: priorityOf(a.rank),
    state: a.state,
    transition,
    audible: a.audible,
    latched: a.latched,
    latching: a.latching,
    escalated: a.escalated,
    raisedAt: a.raisedAt,
    raiseSeq: a.raiseSeq,
    at,
    by,
    incidentId: a.incident.id,
    message: detail ? `${describe(a)} (${detail})` : describe(a),
  };
  if (a.param !== undefined) {
    e.param = a.param;
    e.unit = canonicalUnit(a.param);
  }
  if (a.value !== undefined) e.value = a.value;
  if (a.worst !== undefined) e.worstValue = a.worst;
  if (a.limit !== undefined) e.limit = a.limit;
  if (a.deviceId !== undefined) e.deviceId = a.deviceId;
  if (a.deviceAlarms !== undefined) e.deviceAlarms = a.deviceAlarms;
  if (a.sourceTs !== undefined) e.sourceTs = a.sourceTs;
  if (a.sourceSeq !== undefined) e.sourceSeq = a.sourceSeq;
  if (a.deviceSeq !== undefined) e.deviceSeq = a.deviceSeq;
  if (a.deviceMessageId !== undefined) e.deviceMessageId = a.deviceMessageId;
  a.last = e;
  out.alarms.push(e);
}

/** Emits the incident's next event (its sequence number goes up by one) with the bed's vitals and NEWS2 now. */
export function incidentEvent(
  s: EngineState,
  inc: Incident,
  type: IncidentEventType,
  at: number,
  by: string,
  message: string,
  out: RulesOutput,
  news2?: News2Result,
): void {
  inc.seq += 1;
  const bed = inc.bed;
  const e: IncidentEvent = {
    incidentId: inc.id,
    incidentSeq: inc.seq,
    type,
    bed: bed.id,
    condition: inc.condition,
    kind: inc.kind,
    priority: inc.priority,
    at,
    by,
    alarmId: inc.alarm?.id ?? inc.alarmId,
    vitals: vitals(s, bed, at),
    news2: news2 ?? score(s, bed, at),
    message,
  };
  if (bed.ward !== undefined) e.ward = bed.ward;
  if (bed.patientId !== undefined) e.patientId = bed.patientId;
  if (inc.deviceId !== undefined) e.deviceId = inc.deviceId;
  out.incidents.push(e);
}

function vitals(s: EngineState, bed: BedState, at: number): Partial<Record<ParamName, number>> {
  const v: Partial<Record<ParamName, number>> = {};
  for (const ps of bed.params.values()) if (at - ps.at <= s.freshMs) v[ps.param] = ps.value;
  return v;
}

/**
 * The alarm in words, as the screen and the pager show it: what triggered it (the worst value while it stands, and
 * the limit or priority) and what is true now, so a latched or re-triggered alarm never contradicts the bed:
 * `SpO2 fell to 83 % (limit 85, high); now 89 %: latched until acknowledged`.
 */
export function describe(a: Alarm): string {
  const pr = priorityOf(a.rank);
  const fmt = (v: number | undefined) => (v === undefined ? '?' : String(Math.round(v * 100) / 100));
  const latched = a.latched ? ': latched until acknowledged' : '';
  if (a.condition === 'news2') {
    const peak = a.worst ?? a.value;
    return peak !== a.value ? `NEWS2 reached ${fmt(peak)} (${pr}); now ${fmt(a.value)}${latched}` : `NEWS2 ${fmt(a.value)} (${pr})${latched}`;
  }
  if (a.condition === 'fall') return `fall detected by ${a.deviceId ?? 'device'} (${pr})`;
  if (a.deviceAlarms !== undefined) return `${a.condition} on ${a.deviceId ?? 'device'} (${pr}): ${deviceAlarmTexts(a.deviceAlarms)}`;
  if (a.kind === 'technical') return `${a.condition}${a.deviceId ? ` on ${a.deviceId}` : ''} (${pr})`;
  if (a.param !== undefined) {
    const unit = canonicalUnit(a.param);
    const verb = a.condition.endsWith('-high') ? 'rose to' : 'fell to';
    const worst = a.worst ?? a.value;
    const trigger = `${PARAMETERS[a.param].label} ${verb} ${fmt(worst)} ${unit} (limit ${fmt(a.limit)}, ${pr})`;
    return worst !== a.value || a.latched ? `${trigger}; now ${fmt(a.value)} ${unit}${latched}` : trigger;
  }
  return `${a.condition} (${pr})`;
}

/** A device alarm's own alarms in words, as its device shows them: `Asystole; VF`. */
export function deviceAlarmTexts(items: readonly { text: string }[]): string {
  return items.map((i) => i.text).join('; ');
}
