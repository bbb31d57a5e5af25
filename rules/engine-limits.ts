import { conditionGone, raise, stillPresent } from './engine-lifecycle.js';
import { paramOfCondition, type BedState, type EngineState, type ParamState } from './engine-state.js';
import { bandFor, type Side } from './limits.js';
import type { RulesOutput } from './types.js';

/**
 * Limit alarms: one side (high or low) of a parameter against the bed's bands, with the condition delay at onset,
 * the hysteresis on the way out (limits.ts `bandFor`) and immediate escalation to a worse band.
 */
export function evaluateSide(s: EngineState, bed: BedState, ps: ParamState, side: Side, at: number, by: string, out: RulesOutput): void {
  const limits = ps.limits;
  if (!limits) return;
  const tr = ps[side];
  const a = tr.alarm;
  const hit = bandFor(limits, side, ps.value, a && a.present ? a.rank : 0);
  if (!a) {
    if (hit.rank === 0) {
      if (tr.pendingSince !== undefined) {
        tr.pendingSince = undefined;
        bed.pending.delete(tr);
      }
      return;
    }
    if (tr.pendingSince === undefined) tr.pendingSince = at;
    if (at - tr.pendingSince < limits.delayMs) {
      bed.pending.add(tr);
      return;
    }
    bed.pending.delete(tr);
    tr.pendingSince = undefined;
    raise(
      s,
      bed,
      tr,
      { kind: 'physiological', rank: hit.rank, latching: limits.latching, param: ps.param, value: ps.value, limit: hit.limit, deviceId: ps.deviceId, sourceTs: ps.sourceTs, sourceSeq: ps.sourceSeq, deviceSeq: ps.deviceSeq, deviceMessageId: ps.deviceMessageId },
      at,
      by,
      out,
    );
    return;
  }
  a.value = ps.value;
  a.worst = a.worst === undefined ? ps.value : side === 'high' ? Math.max(a.worst, ps.value) : Math.min(a.worst, ps.value);
  a.sourceTs = ps.sourceTs;
  a.sourceSeq = ps.sourceSeq;
  a.deviceSeq = ps.deviceSeq;
  a.deviceMessageId = ps.deviceMessageId;
  a.deviceId = ps.deviceId;
  if (hit.rank === 0) {
    if (a.present) conditionGone(s, a, at, by, out);
    return;
  }
  stillPresent(s, a, hit.rank, hit.limit, true, at, by, out);
}

/** Both sides of a parameter after a new value. */
export function evaluateParam(s: EngineState, bed: BedState, ps: ParamState, at: number, by: string, out: RulesOutput): void {
  if (!ps.limits) return;
  evaluateSide(s, bed, ps, 'high', at, by, out);
  evaluateSide(s, bed, ps, 'low', at, by, out);
}

/** On a tick: onsets waiting out their delay, judged on the last value if it is still fresh. */
export function pendingOnsets(s: EngineState, bed: BedState, at: number, out: RulesOutput): void {
  for (const tr of [...bed.pending]) {
    if (tr === bed.news2) continue;
    const ps = bed.params.get(paramOfCondition(tr.condition));
    if (!ps || at - ps.at > s.noDataMs) continue; // no fresh value: the violation is not known to persist
    evaluateSide(s, bed, ps, tr === ps.high ? 'high' : 'low', at, 'timer', out);
  }
}

/** After the bed's limits changed: every parameter re-judged against them. */
export function limitsChanged(s: EngineState, bed: BedState, at: number, by: string, out: RulesOutput): void {
  for (const ps of bed.params.values()) {
    ps.limits = bed.limits.get(ps.param);
    for (const side of ['high', 'low'] as const) {
      const tr = ps[side];
      if (!ps.limits || at - ps.at > s.noDataMs) {
        // No limit any more (or no fresh value to judge by): drop a pending onset; a standing alarm is resolved.
        tr.pendingSince = undefined;
        bed.pending.delete(tr);
        if (!ps.limits && tr.alarm) conditionGone(s, tr.alarm, at, by, out);
        continue;
      }
      evaluateSide(s, bed, ps, side, at, by, out);
    }
  }
}
