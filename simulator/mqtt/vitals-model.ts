/**
 * A simulated patient's vital signs: a baseline with realistic noise and slow drift, plus optional episodes
 * (deterioration) applied on top. Deterministic for a given seed.
 */
export interface Vitals {
  hr: number;
  spo2: number;
  rr: number;
  temp: number;
  sbp: number;
  dbp: number;
}

export const NORMAL_ADULT: Vitals = { hr: 74, spo2: 97, rr: 15, temp: 36.8, sbp: 122, dbp: 78 };

/** Mulberry32: a small, fast, seedable PRNG so a scenario repeats exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian noise (Box-Muller) from a uniform source. */
export function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const NOISE: Vitals = { hr: 1.5, spo2: 0.5, rr: 0.7, temp: 0.03, sbp: 2.5, dbp: 1.8 };
const ROUND: Record<keyof Vitals, number> = { hr: 0, spo2: 0, rr: 0, temp: 1, sbp: 0, dbp: 0 };

export class PatientModel {
  private drift: Vitals = { hr: 0, spo2: 0, rr: 0, temp: 0, sbp: 0, dbp: 0 };

  constructor(
    private readonly baseline: Vitals,
    private readonly random: () => number,
  ) {}

  /** One sample: baseline + slow random-walk drift + noise + the episode's offsets. */
  sample(offsets: Partial<Vitals> = {}): Vitals {
    const out = {} as Vitals;
    for (const k of Object.keys(this.baseline) as (keyof Vitals)[]) {
      this.drift[k] = this.drift[k] * 0.98 + gaussian(this.random) * NOISE[k] * 0.2;
      const v = this.baseline[k] + this.drift[k] + gaussian(this.random) * NOISE[k] + (offsets[k] ?? 0);
      const f = 10 ** ROUND[k];
      out[k] = Math.round(v * f) / f;
    }
    out.spo2 = Math.min(100, out.spo2);
    return out;
  }
}
