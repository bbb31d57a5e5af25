import type { Observation } from '../drivers/core/observation.js';
import type { ParamName } from '../drivers/core/parameters.js';
import { conditionGone, raise, stillPresent } from './engine-lifecycle.js';
import { score, vitalSubscore } from './engine-news2-score.js';
import { isScorable } from '../drivers/core/quality.js';
import { NEWS2_OF, type BedState, type EngineState } from './engine-state.js';
import { PRIORITY_RANK, type RulesOutput } from './types.js';

/**
 * The NEWS2 alarm: the bed's clinical risk (RCP NEWS2 2017, Chart 2 "NEWS thresholds and triggers"; see news2.ts)
 * mapped to a priority by `news2.priorities`. An incomplete score is a lower bound: it may raise or escalate the
 * alarm, never lower or clear it.
 */
export function evaluateNews2(s: EngineState, bed: BedState, at: number, by: string, out: RulesOutput): void {
  const r = score(s, bed, at);
  const tr = bed.news2;
  const target = r.risk === 'low' ? 0 : PRIORITY_RANK[s.config.news2.priorities[r.risk]];
  const limit = r.risk === 'high' ? 7 : r.risk === 'medium' ? 5 : 3;
  const a = tr.alarm;
  if (!a) {
    if (target === 0) {
      tr.pendingSince = undefined;
      return;
    }
    if (tr.pendingSince === undefined) tr.pendingSince = at;
    if (at - tr.pendingSince < s.news2DelayMs) return;
    tr.pendingSince = undefined;
    raise(s, bed, tr, { kind: 'physiological', rank: target, latching: s.config.news2.latching, value: r.total, limit, news2: r }, at, by, out);
    return;
  }
  a.value = r.total;
  a.worst = Math.max(a.worst ?? r.total, r.total);
  if (target === 0) {
    // Only a complete score may clear: an incomplete total is a lower bound, not evidence of low risk.
    if (r.complete && a.present) conditionGone(s, a, at, by, out);
    return;
  }
  stillPresent(s, a, target, limit, r.complete, at, by, out);
}

/** A new scored value of a NEWS2 parameter: re-evaluated only when it was stale before or its subscore changed. */
export function news2Value(s: EngineState, bed: BedState, param: ParamName, value: number, at: number, by: string, out: RulesOutput): void {
  const vital = NEWS2_OF[param];
  if (!vital || !s.config.news2.enabled) return;
  const prev = bed.news2Vitals[vital];
  const wasFresh = prev !== undefined && at - prev.at <= s.freshMs;
  if (prev === undefined) bed.news2Vitals[vital] = vital === 'sbp' ? { v: value, at, from: param } : { v: value, at };
  else {
    // Updated in place: one object per bed and vital for its lifetime, not one per reading.
    prev.v = value;
    prev.at = at;
    if (vital === 'sbp') prev.from = param;
  }
  const sub = vitalSubscore(s, bed, vital, value, at);
  if (!wasFresh || sub !== bed.news2Sub[vital]) evaluateNews2(s, bed, at, by, out);
}

/** After a restart: NEWS2 values received before it, at their own times (nothing is evaluated here). */
export function primeNews2(s: EngineState, observations: Iterable<Observation>): void {
  for (const o of observations) {
    const vital = NEWS2_OF[o.param];
    if (!vital || !Number.isFinite(o.value) || !isScorable(o.flags)) continue;
    const bed = s.bed(o.bedId);
    const prev = bed.news2Vitals[vital];
    if (!prev || o.receivedAt >= prev.at) bed.news2Vitals[vital] = vital === 'sbp' ? { v: o.value, at: o.receivedAt, from: o.param } : { v: o.value, at: o.receivedAt };
  }
}
