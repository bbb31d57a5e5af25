import type { News2Result } from './types.js';

/**
 * NEWS2 scoring, exactly as Chart 1 ("The NEWS scoring system") of:
 *   Royal College of Physicians. National Early Warning Score (NEWS) 2: Standardising the assessment of
 *   acute-illness severity in the NHS. Updated report of a working party. London: RCP, 2017.
 *   https://www.rcplondon.ac.uk/projects/outputs/national-early-warning-score-news-2
 *
 * Chart 1 (score per band):
 *   Parameter            3        2        1          0          1           2           3
 *   Respiration rate     <=8               9-11       12-20                  21-24       >=25
 *   SpO2 Scale 1 (%)     <=91     92-93    94-95      >=96
 *   SpO2 Scale 2 (%)     <=83     84-85    86-87      88-92,     93-94 on O2 95-96 on O2 >=97 on O2
 *                                                    >=93 on air
 *   Air or oxygen?                Oxygen              Air
 *   Systolic BP (mmHg)   <=90     91-100   101-110    111-219                            >=220
 *   Pulse (/min)         <=40              41-50      51-90      91-110      111-130     >=131
 *   Consciousness                                     Alert                              CVPU
 *   Temperature (Cel)    <=35.0            35.1-36.0  36.1-38.0  38.1-39.0   >=39.1
 *
 * Chart 2 ("NEWS thresholds and triggers", clinical risk): aggregate 0-4 low; a score of 3 in any single parameter
 * ("red score") low-medium; aggregate 5-6 medium; aggregate 7 or more high.
 *
 * Chart 1's bands, like the rows of the observation chart (Chart 3), are whole numbers (temperature in 0.1 Cel). A measured value that falls between two bands (SpO2
 * 91.5 between 91 and 92, temperature 35.05 between 35.0 and 35.1) is scored in the more severe of the two: the
 * chart has no band for it, and rounding toward normal would under-score a deteriorating patient. A value on the
 * chart's resolution is scored exactly as the chart says.
 */
export interface News2Input {
  rr?: number;
  spo2?: number;
  /** SpO2 scale: 2 only for confirmed hypercapnic respiratory failure, prescribed per patient. Default 1. */
  scale?: 1 | 2;
  /** true: supplemental oxygen; false: air. */
  o2?: boolean;
  sbp?: number;
  /** Pulse (heart or pulse rate), per minute. */
  hr?: number;
  acvpu?: 'A' | 'C' | 'V' | 'P' | 'U';
  /** Body temperature, Cel. */
  temp?: number;
}

export type News2Param = 'rr' | 'spo2' | 'o2' | 'sbp' | 'hr' | 'acvpu' | 'temp';
/** Chart order; also the order of `missing`. */
export const NEWS2_PARAMS: readonly News2Param[] = ['rr', 'spo2', 'o2', 'sbp', 'hr', 'acvpu', 'temp'];

/** Tolerance for binary fractions (36.3 is 36.299999...): a value this close to a chart step is on it. */
const EPS = 1e-9;

/**
 * The more severe score of the chart steps on either side of `v` (steps of `1 / perUnit`); `v` itself when it is
 * on a step. `undefined` from either side (Scale 2 without air/oxygen) makes the result undefined.
 */
function severest(v: number, perUnit: number, band: (step: number) => number | undefined): number | undefined {
  const x = v * perUnit;
  const lo = Math.floor(x + EPS);
  const hi = Math.ceil(x - EPS);
  const a = band(lo / perUnit);
  if (hi === lo) return a;
  const b = band(hi / perUnit);
  return a === undefined || b === undefined ? undefined : Math.max(a, b);
}
const whole = (v: number, band: (step: number) => number): number => severest(v, 1, band) as number;

export function scoreRr(v: number): number {
  return whole(v, rrBand);
}

function rrBand(r: number): number {
  if (r <= 8) return 3;
  if (r <= 11) return 1;
  if (r <= 20) return 0;
  if (r <= 24) return 2;
  return 3;
}

export function scoreSpo2Scale1(v: number): number {
  return whole(v, spo2Scale1Band);
}

function spo2Scale1Band(s: number): number {
  if (s <= 91) return 3;
  if (s <= 93) return 2;
  if (s <= 95) return 1;
  return 0;
}

/** Scale 2: `o2` is needed only at 93 % and above; `undefined` result means it cannot be scored without it. */
export function scoreSpo2Scale2(v: number, o2: boolean | undefined): number | undefined {
  return severest(v, 1, (s) => spo2Scale2Band(s, o2));
}

function spo2Scale2Band(s: number, o2: boolean | undefined): number | undefined {
  if (s <= 83) return 3;
  if (s <= 85) return 2;
  if (s <= 87) return 1;
  if (s <= 92) return 0;
  if (o2 === undefined) return undefined;
  if (!o2) return 0; // >=93 on air
  if (s <= 94) return 1;
  if (s <= 96) return 2;
  return 3;
}

export function scoreO2(o2: boolean): number {
  return o2 ? 2 : 0;
}

export function scoreSbp(v: number): number {
  return whole(v, sbpBand);
}

function sbpBand(s: number): number {
  if (s <= 90) return 3;
  if (s <= 100) return 2;
  if (s <= 110) return 1;
  if (s <= 219) return 0;
  return 3;
}

export function scorePulse(v: number): number {
  return whole(v, pulseBand);
}

function pulseBand(p: number): number {
  if (p <= 40) return 3;
  if (p <= 50) return 1;
  if (p <= 90) return 0;
  if (p <= 110) return 1;
  if (p <= 130) return 2;
  return 3;
}

export function scoreAcvpu(a: 'A' | 'C' | 'V' | 'P' | 'U'): number {
  return a === 'A' ? 0 : 3;
}

export function scoreTemp(v: number): number {
  return severest(v, 10, tempBand) as number;
}

function tempBand(t: number): number {
  if (t <= 35.0) return 3;
  if (t <= 36.0) return 1;
  if (t <= 38.0) return 0;
  if (t <= 39.0) return 1;
  return 2;
}

/** Chart 2 risk from the aggregate and whether any single parameter scored 3. */
export function news2Risk(total: number, anyThree: boolean): News2Result['risk'] {
  if (total >= 7) return 'high';
  if (total >= 5) return 'medium';
  if (anyThree) return 'low-medium';
  return 'low';
}

/**
 * Scores whatever is present. A missing parameter is listed in `missing` and makes the result incomplete: the total
 * is then the sum of the parameters present (a lower bound, since every subscore is >= 0), never a silent 0.
 */
export function scoreNews2(input: News2Input): News2Result {
  const subscores: News2Result['subscores'] = {};
  const missing: string[] = [];
  if (input.rr !== undefined && Number.isFinite(input.rr)) subscores.rr = scoreRr(input.rr);
  else missing.push('rr');
  if (input.spo2 !== undefined && Number.isFinite(input.spo2)) {
    const s = input.scale === 2 ? scoreSpo2Scale2(input.spo2, input.o2) : scoreSpo2Scale1(input.spo2);
    if (s !== undefined) subscores.spo2 = s;
    else missing.push('spo2');
  } else missing.push('spo2');
  if (input.o2 !== undefined) subscores.o2 = scoreO2(input.o2);
  else missing.push('o2');
  if (input.sbp !== undefined && Number.isFinite(input.sbp)) subscores.sbp = scoreSbp(input.sbp);
  else missing.push('sbp');
  if (input.hr !== undefined && Number.isFinite(input.hr)) subscores.hr = scorePulse(input.hr);
  else missing.push('hr');
  if (input.acvpu !== undefined) subscores.acvpu = scoreAcvpu(input.acvpu);
  else missing.push('acvpu');
  if (input.temp !== undefined && Number.isFinite(input.temp)) subscores.temp = scoreTemp(input.temp);
  else missing.push('temp');
  let total = 0;
  let anyThree = false;
  for (const k of NEWS2_PARAMS) {
    const s = subscores[k];
    if (s === undefined) continue;
    total += s;
    if (s === 3) anyThree = true;
  }
  return { total, subscores, risk: news2Risk(total, anyThree), complete: missing.length === 0, missing };
}
