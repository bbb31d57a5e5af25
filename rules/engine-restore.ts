import { addIncident, attach } from './engine-lifecycle.js';
import type { Alarm, BedState, EngineState, Incident, Tracker } from './engine-state.js';
import { PRIORITY_RANK, type AlarmEvent, type IncidentEvent } from './types.js';

/**
 * After a restart: the latest events of the alarms not cleared and of the incidents not closed, as the store keeps
 * them, become live state again. The clock moves to the latest of their times.
 */
export function restore(s: EngineState, alarms: AlarmEvent[], openIncidents: IncidentEvent[], lastRaiseSeq = 0): void {
  const lastInc = new Map<string, IncidentEvent>();
  for (const e of openIncidents) {
    const prev = lastInc.get(e.incidentId);
    if (!prev || e.incidentSeq >= prev.incidentSeq) lastInc.set(e.incidentId, e);
  }
  const lastAlarm = new Map<string, AlarmEvent>();
  for (const e of alarms) {
    const prev = lastAlarm.get(e.id);
    if (!prev || e.at >= prev.at) lastAlarm.set(e.id, e);
  }
  // Alarms stored before events carried raiseSeq come first, numbered below 1 in the order given (the store's
  // insertion order, which is raise order); raises after the restart number on from the highest seen.
  const unnumbered = [...lastAlarm.values()].filter((e) => typeof e.raiseSeq !== 'number');
  const raiseSeqOf = new Map(unnumbered.map((e, i) => [e.id, i - unnumbered.length]));
  s.raiseSeq = Math.max(s.raiseSeq, lastRaiseSeq, ...[...lastAlarm.values()].map((e) => (typeof e.raiseSeq === 'number' ? e.raiseSeq : 0)));
  let maxAt = Number.NEGATIVE_INFINITY;
  const restored = new Map<string, Incident>();
  for (const e of lastInc.values()) {
    maxAt = Math.max(maxAt, e.at);
    if (e.type === 'closed') continue;
    const bed = s.bed(e.bed);
    const fields = { id: e.incidentId, condition: e.condition, kind: e.kind, deviceId: e.deviceId, seq: e.incidentSeq, priority: e.priority, alarmId: e.alarmId, closingSince: e.at };
    restored.set(e.incidentId, addIncident(s, bed, fields));
  }
  for (const e of lastAlarm.values()) {
    maxAt = Math.max(maxAt, e.at);
    if (e.state === 'cleared') continue;
    const bed = s.bed(e.bed);
    let inc = restored.get(e.incidentId);
    if (!inc) {
      const fields = { id: e.incidentId, condition: e.condition, kind: e.kind, deviceId: e.deviceId, seq: 0, priority: e.priority, alarmId: e.id, closingSince: undefined };
      inc = addIncident(s, bed, fields);
      restored.set(inc.id, inc);
    }
    const tracker = trackerFor(s, bed, e);
    const a: Alarm = {
      id: e.id,
      key: inc.key,
      bed,
      condition: e.condition,
      kind: e.kind,
      rank: PRIORITY_RANK[e.priority],
      state: e.state,
      present: !e.latched,
      latched: e.latched,
      escalated: e.escalated,
      audible: e.state === 'active',
      latching: (e.latching as boolean | undefined) ?? latchingOf(s, bed, e),
      param: e.param,
      value: e.value,
      worst: e.worstValue ?? e.value,
      limit: e.limit,
      deviceId: e.deviceId,
      sourceTs: e.sourceTs,
      sourceSeq: e.sourceSeq,
      deviceSeq: e.deviceSeq,
      deviceMessageId: e.deviceMessageId,
      deviceAlarms: e.deviceAlarms,
      raisedAt: e.raisedAt,
      raiseSeq: raiseSeqOf.get(e.id) ?? e.raiseSeq ?? 0,
      unackSince: e.raisedAt,
      incident: inc,
      last: { ...e, audible: e.state === 'active', raiseSeq: raiseSeqOf.get(e.id) ?? e.raiseSeq ?? 0 },
      tracker,
    };
    attach(s, a, tracker);
  }
  if (maxAt > s.clock) s.clock = maxAt;
}

/** For alarms stored before events carried `latching`: what the bed's settings now say. */
function latchingOf(s: EngineState, bed: BedState, e: AlarmEvent): boolean {
  if (e.kind === 'technical') return false;
  if (e.condition === 'fall') return true;
  if (e.condition === 'news2') return s.config.news2.latching;
  return e.param !== undefined ? (bed.limits.get(e.param)?.latching ?? true) : true;
}

/** Where a restored alarm belongs, so the next input re-evaluates it. */
function trackerFor(s: EngineState, bed: BedState, e: AlarmEvent): Tracker | undefined {
  if (e.condition === 'news2') return bed.news2;
  if (e.condition === 'fall') return bed.fall;
  if (e.kind === 'technical') return s.technicalTracker(bed, e.condition, e.deviceId);
  if (e.param !== undefined && (e.condition === `${e.param}-high` || e.condition === `${e.param}-low`)) {
    const ps = bed.params.get(e.param) ?? s.addParam(bed, e.param, e.value ?? Number.NaN, Number.NEGATIVE_INFINITY, e.deviceId ?? '', e.sourceTs, e.sourceSeq ?? 0);
    return e.condition.endsWith('-high') ? ps.high : ps.low;
  }
  return undefined;
}
