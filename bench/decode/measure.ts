/**
 * How the decode benches measure: one pass decodes a whole prepared stream and counts what the decoder emitted; the
 * pass is repeated until the process has spent the given CPU time on it, and the figure is what was emitted per
 * CPU-second of this process (process.cpuUsage(): user + system of every thread, so the garbage collector's work is
 * in it, and other processes on a shared machine are not).
 *
 * An observation is a reading the decoder emitted: mapped (a parameter of the table) plus unmapped (a numeric kept
 * with its source code). Condition reports (technical conditions) and the device's own alarms are counted apart.
 * The target (200,000 observations per CPU-second) is for streams of measurements. A stream whose messages carry
 * nothing but the device's alarms (alert reports, alarm lists) has no observations: it is measured in device alarms
 * per CPU-second, as a reference row, and says so in its `counted` column.
 */

/** What the decoder emitted over one pass of a stream. */
export interface Counts {
  frames: number;
  mapped: number;
  unmapped: number;
  conditions: number;
  alarms: number;
  errors: number;
}

export const zeroCounts = (): Counts => ({ frames: 0, mapped: 0, unmapped: 0, conditions: 0, alarms: 0, errors: 0 });

/** The decoded-result shape every dialect returns (DecodeResult, plus the device alarms when it reports any). */
export interface EmittedResult {
  items: ReadonlyArray<{ kind: string }>;
  error?: string | undefined;
  deviceAlarms?: readonly unknown[] | undefined;
}

/** Adds one decoded frame (or line) to the counts. */
export function countResult(c: Counts, r: EmittedResult): void {
  c.frames++;
  if (r.error !== undefined) c.errors++;
  for (const i of r.items) {
    if (i.kind === 'reading') c.mapped++;
    else if (i.kind === 'unmapped') c.unmapped++;
    else c.conditions++;
  }
  c.alarms += r.deviceAlarms?.length ?? 0;
}

/** The decode target: observations per CPU-second, for every stream of measurements (docs/performance.md). */
export const DECODE_TARGET_PER_CPU_S = 200_000;

export interface DecodeStream {
  name: string;
  /** Where the bytes come from (fixture file, fixture builder, simulator encoder). */
  source: string;
  /** 'observations': mapped + unmapped readings; 'device alarms': the device's own alarms; 'frames': frames decoded. */
  counted: 'observations' | 'device alarms' | 'frames';
  /** Undefined: a reference row, no target. */
  target: number | undefined;
  /** Why a reference row has no target. */
  note?: string;
  /** Decodes the whole prepared stream once. */
  pass(): Counts;
}

export interface Measured {
  stream: DecodeStream;
  perPass: Counts;
  passes: number;
  cpuS: number;
  wallS: number;
  /** Counted units per CPU-second. */
  perCpuS: number;
  perWallS: number;
  framesPerCpuS: number;
}

const cpuSeconds = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1e6;

function countedOf(s: DecodeStream, c: Counts): number {
  if (s.counted === 'observations') return c.mapped + c.unmapped;
  if (s.counted === 'device alarms') return c.alarms;
  return c.frames;
}

/**
 * Warm-up passes (at least one, and a quarter of `seconds` of CPU time, at most 0.25 s: the JIT settles before the
 * count starts), then passes until `seconds` of this process's CPU time are spent on them.
 */
export function measureStream(s: DecodeStream, seconds: number): Measured {
  const perPass = s.pass();
  if (perPass.errors > 0) throw new Error(`${s.name}: ${perPass.errors} decode errors in one pass of the benchmark stream`);
  if (countedOf(s, perPass) === 0) throw new Error(`${s.name}: the stream decodes to no ${s.counted}`);
  const warm0 = process.cpuUsage();
  while (cpuSeconds(process.cpuUsage(warm0)) < Math.min(0.25, seconds / 4)) s.pass();
  let passes = 0;
  let counted = 0;
  let frames = 0;
  const w0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let cpu = 0;
  while (cpu < seconds || passes === 0) {
    const c = s.pass();
    passes++;
    counted += countedOf(s, c);
    frames += c.frames;
    cpu = cpuSeconds(process.cpuUsage(c0));
  }
  const wallS = Number(process.hrtime.bigint() - w0) / 1e9;
  return { stream: s, perPass, passes, cpuS: cpu, wallS, perCpuS: counted / cpu, perWallS: counted / wallS, framesPerCpuS: frames / cpu };
}
