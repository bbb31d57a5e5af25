import type { ParamName } from '../drivers/core/parameters.js';
import { PRIORITY_RANK, type Priority } from './types.js';
import type { LimitOverrides, ParamLimits, Profile } from './config.js';

/** One limit band ready for evaluation: `at` is the threshold, `rank` the priority rank (1 low .. 3 high). */
export interface Band {
  at: number;
  priority: Priority;
  rank: number;
}

/** A parameter's effective limits for one bed (profile merged with the bed's overrides), in engine units. */
export interface ResolvedLimits {
  /** Ascending by threshold. */
  high: Band[];
  /** Descending by threshold. */
  low: Band[];
  delayMs: number;
  hysteresis: number;
  latching: boolean;
}

export type Side = 'high' | 'low';

export function resolveLimits(profile: Profile, overrides: LimitOverrides | undefined): Map<ParamName, ResolvedLimits> {
  const out = new Map<ParamName, ResolvedLimits>();
  const names = new Set<ParamName>([
    ...(Object.keys(profile.params) as ParamName[]),
    ...(Object.keys(overrides ?? {}) as ParamName[]),
  ]);
  for (const name of names) {
    const base: ParamLimits = profile.params[name] ?? { high: [], low: [], delaySeconds: 0, hysteresis: 0, latching: true };
    const o = overrides?.[name] ?? {};
    const merged = {
      high: o.high ?? base.high,
      low: o.low ?? base.low,
      delaySeconds: o.delaySeconds ?? base.delaySeconds,
      hysteresis: o.hysteresis ?? base.hysteresis,
      latching: o.latching ?? base.latching,
    };
    if (merged.high.length === 0 && merged.low.length === 0) continue;
    out.set(name, {
      high: merged.high
        .map((b) => ({ at: b.above, priority: b.priority, rank: PRIORITY_RANK[b.priority] }))
        .sort((a, b) => a.at - b.at),
      low: merged.low
        .map((b) => ({ at: b.below, priority: b.priority, rank: PRIORITY_RANK[b.priority] }))
        .sort((a, b) => b.at - a.at),
      delayMs: merged.delaySeconds * 1000,
      hysteresis: merged.hysteresis,
      latching: merged.latching,
    });
  }
  return out;
}

/** Result of evaluating one side: the rank of the band the value is in (0: none) and that band's threshold. */
export interface BandHit {
  rank: number;
  limit: number;
}

const NONE: BandHit = { rank: 0, limit: Number.NaN };

/**
 * The band `value` is in on one side. Bands at or below `currentRank` (the alarm already standing) are left only
 * past the hysteresis margin; bands above it are entered on the plain threshold (strictly above a high limit,
 * strictly below a low limit).
 */
export function bandFor(limits: ResolvedLimits, side: Side, value: number, currentRank: number): BandHit {
  let best = NONE;
  if (side === 'high') {
    for (const b of limits.high) {
      const thr = b.rank <= currentRank ? b.at - limits.hysteresis : b.at;
      if (value > thr && b.rank > best.rank) best = { rank: b.rank, limit: b.at };
    }
  } else {
    for (const b of limits.low) {
      const thr = b.rank <= currentRank ? b.at + limits.hysteresis : b.at;
      if (value < thr && b.rank > best.rank) best = { rank: b.rank, limit: b.at };
    }
  }
  return best;
}
