/**
 * The reliability suite runs in two forms: a short one inside the normal `npm test` (CI), and a long one
 * selected by WARDGATE_RELIABILITY=long (`npm run test:reliability:long`). Each test reads its sizes here.
 */
export const LONG = process.env.WARDGATE_RELIABILITY === 'long';
/** WARDGATE_FUZZ=long runs the fuzzers' long form alone (without the kill and soak runs' long forms). */
export const FUZZ_LONG = LONG || process.env.WARDGATE_FUZZ === 'long';

export const RELIABILITY = {
  /** SIGKILLs of the real gateway under load. */
  crashKills: LONG ? 50 : 10,
  /** Upstream (mosquitto) outages during the kill run, each spanning a kill and restart. */
  crashOutages: LONG ? 10 : 2,
  /** fast-check cases per fuzz target. */
  fuzzRuns: FUZZ_LONG ? 100_000 : 300,
  /** fast-check cases per structure-aware target (the short form runs inside `npm test`). */
  structuredFuzzRuns: FUZZ_LONG ? 100_000 : 300,
  /** Real seconds of device chaos in the soak. */
  soakSeconds: LONG ? 1800 : 60,
  /** Real seconds of the 50-bed chaos soak (drops, upstream outages, SIGHUP, alarm bursts). */
  chaosSoakSeconds: LONG ? 1800 : 30,
} as const;

/** Prints one measured figure so the suite's output holds the numbers (collected for docs/performance.md). */
export function figure(name: string, value: number | string, unit = ''): void {
  process.stdout.write(`[reliability] ${name}: ${typeof value === 'number' ? +value.toFixed(3) : value}${unit ? ` ${unit}` : ''}\n`);
}
