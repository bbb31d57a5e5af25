import type { Priority } from '../../rules/types.js';

/**
 * Auditory alarm signal patterns per priority, after IEC 60601-1-8:2006+A1:2012+A2:2020 subclause 6.3.3.1
 * ("Priority encoding") and its Table 3 (characteristics of the pulse burst):
 *   - high:   10 pulses as 3 + 2, a pause, 3 + 2 ("beep-beep-beep--beep-beep----beep-beep-beep--beep-beep"),
 *             spacing x between pulses of a group, 2x + td between the 3 and the 2, 0.35-1.30 s between the halves;
 *   - medium: 3 pulses, spacing y;
 *   - low:    1 or 2 pulses (we use 1).
 * Ranges as commonly reproduced from Table 3 (the standard's text is paid and was not in hand, so they are not
 * verified against it): pulse duration td high 75-200 ms, medium/low 125-250 ms; spacing x 50-125 ms, y 125-250 ms;
 * interburst interval tb high 2.5-15 s, medium 2.5-30 s, low > 15 s or no repeat. Timing terms td, ts, tb: Physio-
 * Control LUCAS 2 instructions for use, alarm section (p. 31). Burst pattern wording: Comen N10 operator's manual,
 * alarm chapter (p. 64); repeat intervals high 10 s, medium 25 s, low 30 s: EDAN X8 patient monitor manual (p. 43)
 * ("DO-DO-DO------DO-DO, DO-DO-DO------DO-DO"). Confirm against the purchased standard before release.
 *
 * Each pattern is one burst: `pulses[i]` is sound-on time and `gaps[i]` the silence after it (ms, measured from the end
 * of a pulse to the start of the next); the last gap is the interburst interval, after which the burst repeats.
 * The browser tone (gateway/screen/public/audio.js) plays the same table, served as /alarm-patterns.json.
 */
export interface BurstPattern {
  pulses: number[];
  gaps: number[];
  /** Fundamental frequency of the browser tone, Hz (IEC 60601-1-8: 150-1000 Hz with at least 4 harmonics). */
  frequencyHz: number;
}

const HIGH_TD = 150; // td in 75-200 ms
const HIGH_X = 100; // x in 50-125 ms
const HIGH_HALF_PAUSE = 1000; // 0.35-1.30 s between the two 3 + 2 halves
const MEDIUM_TD = 200; // td in 125-250 ms
const MEDIUM_Y = 200; // y in 125-250 ms
const LOW_TD = 200; // td in 125-250 ms

export const PATTERNS: Record<Priority, BurstPattern> = {
  high: {
    pulses: Array<number>(10).fill(HIGH_TD),
    // 1-2 x, 2-3 x, 3-4 2x+td, 4-5 x, 5-6 half pause, 6-7 x, 7-8 x, 8-9 2x+td, 9-10 x, then tb = 10 s (EDAN X8).
    gaps: [HIGH_X, HIGH_X, 2 * HIGH_X + HIGH_TD, HIGH_X, HIGH_HALF_PAUSE, HIGH_X, HIGH_X, 2 * HIGH_X + HIGH_TD, HIGH_X, 10_000],
    frequencyHz: 880,
  },
  medium: { pulses: [MEDIUM_TD, MEDIUM_TD, MEDIUM_TD], gaps: [MEDIUM_Y, MEDIUM_Y, 25_000], frequencyHz: 660 },
  low: { pulses: [LOW_TD], gaps: [30_000], frequencyHz: 520 },
};

/** Length of one burst including its interburst interval, ms. */
export function cycleMs(p: BurstPattern): number {
  return p.pulses.reduce((s, v) => s + v, 0) + p.gaps.reduce((s, v) => s + v, 0);
}
