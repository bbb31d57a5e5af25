/**
 * IntelliVue time types.
 * - RelativeTime: u32 in ticks of 1/8 ms (125 us) [ML RelativeTime.cs; VSC x125/1000; BR /8000]; wraps after
 *   2^32 ticks (about 6.2 days, inference).
 * - AbsoluteTime: 8 BCD bytes {century, year, month, day, hour, minute, second, fraction}; 0xFF means not set
 *   [VSC GetAbsoluteTimeFromBCDFormat; ML AbsoluteTime.cs Invalid = all 0xFF].
 * The gateway clock stays the reference for staleness; monitor times are metadata.
 */

export const TICKS_PER_MS = 8;
const WRAP = 2 ** 32;

export function msToTicks(ms: number): number {
  return Math.round(ms * TICKS_PER_MS) % WRAP >>> 0;
}

export function ticksToMs(ticks: number): number {
  return (ticks >>> 0) / TICKS_PER_MS;
}

/** Signed difference later - earlier in ms, across one wrap: results lie in [-2^31, 2^31) ticks. */
export function relativeDeltaMs(earlier: number, later: number): number {
  const d = ((later >>> 0) - (earlier >>> 0) + WRAP) % WRAP;
  return (d >= 2 ** 31 ? d - WRAP : d) / TICKS_PER_MS;
}

/** Converts relative time stamps to epoch ms against one anchor pair (an MDS Create's TIME_REL / TIME_ABS). */
export class RelativeClock {
  constructor(
    private readonly anchorTicks: number,
    private readonly anchorEpochMs: number,
  ) {}
  toEpochMs(ticks: number): number {
    return this.anchorEpochMs + relativeDeltaMs(this.anchorTicks, ticks);
  }
}

function bcd(b: number): number | undefined {
  const hi = b >>> 4;
  const lo = b & 0x0f;
  return hi > 9 || lo > 9 ? undefined : hi * 10 + lo;
}

/**
 * Decodes an AbsoluteTime (8 bytes) to epoch ms. The monitor sends local wall time without zone; it is read as
 * UTC shifted by `utcOffsetMinutes` (the monitor's offset, default 0). Returns undefined when unset (0xFF) or not BCD.
 */
export function decodeAbsoluteTime(b: Uint8Array, utcOffsetMinutes = 0): number | undefined {
  if (b.length < 8) return undefined;
  const f: number[] = [];
  for (let i = 0; i < 7; i++) {
    const v = bcd(b[i] as number);
    if (v === undefined) return undefined; // includes 0xFF = not set
    f.push(v);
  }
  const [century, year, month, day, hour, minute, second] = f as [number, number, number, number, number, number, number];
  const frac = bcd(b[7] as number) ?? 0; // hundredths of a second; 0xFF fraction alone is tolerated
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(century * 100 + year, month - 1, day, hour, minute, second, frac * 10);
  const check = new Date(ms);
  if (check.getUTCDate() !== day) return undefined; // 31 February and the like
  return ms - utcOffsetMinutes * 60_000;
}
