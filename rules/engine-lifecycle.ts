import type { ParamName } from '../drivers/core/parameters.js';
import { alarmEvent, describe, incidentEvent } from './engine-events.js';
import { incidentKey, priorityOf, type Alarm, type BedState, type EngineState, type Incident, type Tracker } from './engine-state.js';
import { PRIORITY_RANK, type AlarmKind, type AlarmSource, type DeviceAlarmItem, type IncidentEventType, type News2Result, type Priority, type RulesOutput } from './types.js';

/**
 * The alarm lifecycle (IEC 60601-1-8 terms): raise, still present (re-trigger, escalate, de-escalate), condition
 * gone (latch or clear), acknowledge, audio pause and resume, escalation when unanswered; and the incident that
 * follows each alarm episode, closing a rejoin window after its alarm clears.
 */

export interface RaiseParams extends AlarmSource {
  kind: AlarmKind;
  rank: number;
  latching: boolean;
  param?: ParamName;
  value?: number;
  limit?: number;
  detail?: string;
  /** An event (a fall), not a lasting condition: latched from the start, ends on acknowledgement. */
  event?: boolean;
  news2?: News2Result;
  /** A device alarm: the device's own alarms at its level. */
  deviceAlarms?: DeviceAlarmItem[];
}

/** A new incident record, registered under its key (bed, condition and, for technical ones, device). */
export function addIncident(
  s: EngineState,
  bed: BedState,
  fields: { id: string; condition: string; kind: AlarmKind; deviceId: string | undefined; seq: number; priority: Priority; alarmId: string; closingSince: number | undefined },
): Incident {
  const inc: Incident = { ...fields, key: incidentKey(bed.id, fields.condition, fields.deviceId), bed, alarm: undefined };
  s.incidents.set(inc.key, inc);
  return inc;
}

export function raise(s: EngineState, bed: BedState, tr: Tracker, p: RaiseParams, at: number, by: string, out: RulesOutput): void {
  const incDevice = p.kind === 'technical' ? p.deviceId : undefined;
  const key = incidentKey(bed.id, tr.condition, incDevice);
  let inc = s.incidents.get(key);
  const rejoin = inc !== undefined;
  const id = s.newId(at);
  if (!inc) {
    const fields = { id: s.newId(at), condition: tr.condition, kind: p.kind, deviceId: incDevice, seq: 0, priority: priorityOf(p.rank), alarmId: id, closingSince: undefined };
    inc = addIncident(s, bed, fields);
  }
  const a: Alarm = {
    id,
    key,
    bed,
    condition: tr.condition,
    kind: p.kind,
    rank: p.rank,
    state: 'active',
    present: !p.event,
    latched: p.event === true,
    escalated: false,
    audible: true,
    latching: p.latching,
    param: p.param,
    value: p.value,
    worst: p.value,
    limit: p.limit,
    deviceId: p.deviceId,
    sourceTs: p.sourceTs,
    sourceSeq: p.sourceSeq,
    deviceSeq: p.deviceSeq,
    deviceMessageId: p.deviceMessageId,
    deviceAlarms: p.deviceAlarms,
    raisedAt: at,
    raiseSeq: ++s.raiseSeq,
    unackSince: at,
    incident: inc,
    last: undefined,
    tracker: tr,
  };
  a.audible = soundsNow(a, at);
  attach(s, a, tr);
  alarmEvent(a, 'raised', at, by, out, p.detail);
  if (!rejoin) {
    incidentEvent(s, inc, 'opened', at, by, describe(a), out, p.news2);
  } else {
    const pr = priorityOf(p.rank);
    const type: IncidentEventType = PRIORITY_RANK[pr] > PRIORITY_RANK[inc.priority] ? 'escalated' : 'updated';
    inc.priority = pr;
    incidentEvent(s, inc, type, at, by, `re-triggered within the rejoin window: ${describe(a)}`, out, p.news2);
  }
}

/** Makes `a` the standing alarm of its tracker, incident and bed. */
export function attach(s: EngineState, a: Alarm, tr: Tracker | undefined): void {
  if (tr) tr.alarm = a;
  const inc = a.incident;
  inc.alarm = a;
  inc.alarmId = a.id;
  inc.closingSince = undefined;
  s.alarms.set(a.id, a);
  a.bed.alarms.add(a);
}

/** The condition of a standing alarm holds at `rank`: re-trigger a latched alarm, escalate or de-escalate. */
export function stillPresent(s: EngineState, a: Alarm, rank: number, limit: number, mayLower: boolean, at: number, by: string, out: RulesOutput): void {
  if (!a.present) {
    a.present = true;
    a.latched = false;
    if (rank > a.rank) {
      a.rank = rank;
      a.limit = limit;
    }
    a.audible = soundsNow(a, at);
    alarmEvent(a, 'retriggered', at, by, out);
    incidentFollows(s, a, at, by, out, `${a.condition} present again`);
    return;
  }
  if (rank > a.rank) {
    a.rank = rank;
    a.limit = limit;
    if (a.state === 'acknowledged') {
      // A worse condition than the one acknowledged: it must be answered again.
      a.state = 'active';
      a.unackSince = at;
      a.escalated = false;
    }
    a.audible = soundsNow(a, at);
    alarmEvent(a, 'escalated', at, by, out);
    incidentFollows(s, a, at, by, out, `${a.condition} rose to ${priorityOf(rank)}`);
  } else if (rank < a.rank && mayLower && !(a.latching && a.rank === 3 && a.state === 'active')) {
    // An unacknowledged latching high alarm keeps its priority until acknowledged.
    a.rank = rank;
    a.limit = limit;
    a.audible = soundsNow(a, at);
    alarmEvent(a, 'deescalated', at, by, out);
    incidentFollows(s, a, at, by, out, `${a.condition} fell to ${priorityOf(rank)}`);
  }
}

/**
 * A new alarm condition within a standing alarm (a device's list at a device alarm's level gained an alarm): it must
 * be answered again. An acknowledged alarm becomes active and sounds; an audio pause that began before it does not
 * cover it (ISO 7396-1 6.3.2.3, see soundsNow); the escalation clock of an alarm still unanswered runs on.
 */
export function reannunciate(s: EngineState, a: Alarm, at: number, by: string, out: RulesOutput, detail: string): void {
  if (a.state === 'acknowledged') {
    a.state = 'active';
    a.unackSince = at;
    a.escalated = false;
  }
  a.bed.pausedConditions.delete(a.key);
  a.audible = soundsNow(a, at);
  alarmEvent(a, 'retriggered', at, by, out, detail);
  incidentFollows(s, a, at, by, out, `${describe(a)} (${detail})`);
}

/** The condition of a standing alarm changed what it says, nothing else (a device's list lost one of its alarms). */
export function restate(a: Alarm, at: number, by: string, out: RulesOutput, detail?: string): void {
  alarmEvent(a, 'updated', at, by, out, detail);
}

/** The alarm condition no longer holds: latch (high priority, latching, unacknowledged) or clear. */
export function conditionGone(s: EngineState, a: Alarm, at: number, by: string, out: RulesOutput): void {
  a.present = false;
  if (a.state === 'active' && a.latching && a.rank === 3) {
    if (!a.latched) {
      a.latched = true;
      alarmEvent(a, 'latched', at, by, out);
      incidentEvent(s, a.incident, 'updated', at, by, `${a.condition} condition ended; latched until acknowledged`, out);
    }
    return;
  }
  clear(s, a, at, by, out);
}

function clear(s: EngineState, a: Alarm, at: number, by: string, out: RulesOutput): void {
  a.state = 'cleared';
  a.present = false;
  a.latched = false;
  a.audible = false;
  alarmEvent(a, 'cleared', at, by, out);
  s.alarms.delete(a.id);
  a.bed.alarms.delete(a);
  if (a.tracker && a.tracker.alarm === a) a.tracker.alarm = undefined;
  const inc = a.incident;
  if (inc.alarm === a) {
    inc.alarm = undefined;
    if (s.rejoinMs === 0) closeIncident(s, inc, at, by, out);
    else {
      inc.closingSince = at;
      incidentEvent(s, inc, 'updated', at, by, `${a.condition} cleared; closes in ${s.rejoinMs / 1000} s unless re-triggered`, out);
    }
  }
}

function closeIncident(s: EngineState, inc: Incident, at: number, by: string, out: RulesOutput): void {
  incidentEvent(s, inc, 'closed', at, by, `${inc.condition} episode closed`, out);
  s.incidents.delete(inc.key);
}

/** Incident follows a priority change or escalation of its alarm. */
function incidentFollows(s: EngineState, a: Alarm, at: number, by: string, out: RulesOutput, message: string): void {
  const inc = a.incident;
  const pr = priorityOf(a.rank + (a.escalated ? 1 : 0));
  const type: IncidentEventType = PRIORITY_RANK[pr] > PRIORITY_RANK[inc.priority] ? 'escalated' : 'updated';
  inc.priority = pr;
  incidentEvent(s, inc, type, at, by, message, out);
}

/**
 * Whether an alarm sounds now: active, and not silenced by its bed's audio pause. The pause silences only the alarm
 * conditions present when it began, at the priority they had then: ISO 7396-1 (Amd 3:2013) 6.3.2.3, "audio pausing
 * shall not prevent the auditory signal from being activated by a new alarm condition"; IEC 60601-1-8:2006+A1:2012
 * clause 6.8 defines the AUDIO PAUSED state and leaves this to the manufacturer. With `lifecycle.audioPauseCovers:
 * bed`, every alarm up to the highest paused priority stays silent.
 */
function soundsNow(a: Alarm, at: number): boolean {
  if (a.state !== 'active') return false;
  const bed = a.bed;
  if (bed.pausedUntil === undefined || at >= bed.pausedUntil) return true;
  if (bed.pauseCoversBed) return a.rank > bed.pauseRank;
  const pausedAt = bed.pausedConditions.get(a.key);
  return pausedAt === undefined || a.rank > pausedAt;
}

export function acknowledge(s: EngineState, a: Alarm, at: number, by: string, out: RulesOutput): void {
  a.state = 'acknowledged';
  a.audible = false;
  a.escalated = false;
  alarmEvent(a, 'acknowledged', at, by, out);
  incidentEvent(s, a.incident, 'acknowledged', at, by, `${a.condition} acknowledged`, out);
  if (!a.present) clear(s, a, at, by, out); // latched: the condition had already gone
}

export function pauseAudio(bed: BedState, until: number, coversBed: boolean, at: number, by: string, out: RulesOutput): void {
  bed.pausedUntil = bed.pausedUntil === undefined ? until : Math.max(bed.pausedUntil, until);
  bed.pauseCoversBed = coversBed;
  for (const a of bed.alarms) {
    if (a.state !== 'active') continue;
    if (a.rank > bed.pauseRank) bed.pauseRank = a.rank;
    if (!coversBed) bed.pausedConditions.set(a.key, Math.max(a.rank, bed.pausedConditions.get(a.key) ?? 0));
    if (a.audible) {
      a.audible = false;
      alarmEvent(a, 'audio-paused', at, by, out, `audio paused until ${new Date(bed.pausedUntil).toISOString()}`);
    }
  }
}

/** On a tick: the bed's audio pause has run out, its active alarms sound again. */
export function pauseExpiry(bed: BedState, at: number, out: RulesOutput): void {
  if (bed.pausedUntil === undefined || at < bed.pausedUntil) return;
  bed.pausedUntil = undefined;
  bed.pauseRank = 0;
  bed.pausedConditions.clear();
  for (const a of bed.alarms) {
    if (a.state === 'active' && !a.audible) {
      a.audible = true;
      alarmEvent(a, 'audio-resumed', at, 'timer', out);
    }
  }
}

/** On a tick: escalate alarms unacknowledged too long, then close incidents whose rejoin window has passed. */
export function lifecycleTimers(s: EngineState, at: number, out: RulesOutput): void {
  for (const a of s.alarms.values()) {
    if (a.state === 'active' && !a.escalated && at - a.unackSince >= s.escalateMs) {
      a.escalated = true;
      alarmEvent(a, 'escalated', at, 'timer', out, `unacknowledged for ${Math.round((at - a.unackSince) / 1000)} s`);
      incidentFollows(s, a, at, 'timer', out, 'unacknowledged: escalated');
    }
  }
  for (const inc of [...s.incidents.values()]) {
    if (inc.closingSince !== undefined && at - inc.closingSince >= s.rejoinMs) closeIncident(s, inc, at, 'timer', out);
  }
}
