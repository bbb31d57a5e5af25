import type { Vitals } from '../mqtt/vitals-model.js';
import type { PartialVitals, ScenarioEvent } from './schema.js';

/**
 * What each vital-sign event adds to a patient's baseline at scenario time t (seconds): pure functions of time.
 *
 * Sepsis offsets: a septic adult per the criteria clinicians screen with — SIRS (Bone et al., Chest 1992:
 * HR > 90/min, RR > 20/min, temperature > 38 °C) and qSOFA (Singer et al., JAMA 2016, Sepsis-3: RR >= 22/min,
 * SBP <= 100 mmHg) — pushed to the values NEWS2 scores as red (RCP 2017 chart 1: RR >= 25, SBP <= 90, pulse 111-130,
 * temperature >= 39.1). From NORMAL_ADULT (HR 74, RR 15, SBP 122, T 36.8) these offsets reach HR ~126, RR ~29,
 * SBP ~86, T ~39.3, SpO2 ~94 at severity 1.
 */
export const SEPSIS_OFFSETS: Required<PartialVitals> = { hr: 52, rr: 14, sbp: -36, dbp: -22, temp: 2.5, spo2: -3, };

type VitalKey = keyof Vitals;
const KEYS: VitalKey[] = ['hr', 'spo2', 'rr', 'temp', 'sbp', 'dbp'];

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Onset over the first `rise` fraction, hold, recovery over the last `fall` fraction of [at, at + duration]. */
function plateau(t: number, at: number, duration: number, rise: number, fall: number): number {
  if (t < at || t > at + duration) return 0;
  const p = (t - at) / duration;
  if (p < rise) return p / rise;
  if (p > 1 - fall) return (1 - p) / fall;
  return 1;
}

function scaled(offsets: PartialVitals, k: number): Partial<Vitals> {
  const out: Partial<Vitals> = {};
  for (const key of KEYS) {
    const v = offsets[key];
    if (v !== undefined) out[key] = v * k;
  }
  return out;
}

/** The offsets one event contributes at scenario second `t` for a patient whose baseline is `baseline`. */
export function eventOffsets(e: ScenarioEvent, t: number, baseline: Vitals): Partial<Vitals> {
  switch (e.type) {
    case 'ramp': {
      if (t < e.at) return {};
      let k = clamp01((t - e.at) / e.durationSeconds);
      const end = e.at + e.durationSeconds;
      if (e.recoverSeconds !== undefined && t > end) k = 1 - clamp01((t - end) / e.recoverSeconds);
      return scaled(e.to, k);
    }
    case 'sepsis': {
      if (t < e.at) return {};
      return scaled(SEPSIS_OFFSETS, clamp01((t - e.at) / e.durationSeconds) * e.severity);
    }
    case 'desaturation': {
      const k = plateau(t, e.at, e.durationSeconds, 0.25, 0.25);
      // Hypoxaemia brings a compensatory rise in heart and breathing rate.
      return k === 0 ? {} : { spo2: (e.to - baseline.spo2) * k, hr: 12 * k, rr: 4 * k };
    }
    case 'bradycardia':
    case 'tachycardia': {
      const k = plateau(t, e.at, e.durationSeconds, 0.1, 0.1);
      return k === 0 ? {} : { hr: (e.hr - baseline.hr) * k };
    }
    default:
      return {};
  }
}

/** Sum of every vital-sign event's offsets at `t`. */
export function totalOffsets(events: readonly ScenarioEvent[], t: number, baseline: Vitals): Partial<Vitals> {
  const sum: Partial<Vitals> = {};
  for (const e of events) {
    const o = eventOffsets(e, t, baseline);
    for (const key of KEYS) {
      const v = o[key];
      if (v !== undefined) sum[key] = (sum[key] ?? 0) + v;
    }
  }
  return sum;
}
