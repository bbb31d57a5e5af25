/**
 * Shared checks for the fuzz targets: a codec result must be a DecodeResult whose readings are finite numbers
 * on a known parameter, and the harness measures heap growth over a long run (with a real GC when it can get one).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import type { DecodeResult } from '../../drivers/core/observation.js';
import { isParamName } from '../../drivers/core/parameters.js';

/** Violations of the codec contract in one result ('' when none). */
export function contractViolation(r: unknown): string {
  if (!r || typeof r !== 'object') return 'result is not an object';
  const res = r as DecodeResult;
  if (!Array.isArray(res.items)) return 'items is not an array';
  if (res.error !== undefined && typeof res.error !== 'string') return 'error is not a string';
  for (const item of res.items) {
    if (item.kind === 'reading') {
      if (typeof item.value !== 'number' || !Number.isFinite(item.value)) return `reading ${item.param} has non-finite value ${String(item.value)}`;
      if (!isParamName(item.param)) return `reading has unknown param ${String(item.param)}`;
      if (typeof item.unit !== 'string' || item.unit === '') return `reading ${item.param} has no unit`;
      if (item.sourceTs !== undefined && !Number.isFinite(item.sourceTs)) return `reading ${item.param} has non-finite sourceTs`;
    } else if (item.kind === 'unmapped') {
      // A numeric the table does not map: kept as sent, but still a finite number with its code.
      if (typeof item.value !== 'number' || !Number.isFinite(item.value)) return `unmapped ${item.code} has non-finite value ${String(item.value)}`;
      if (typeof item.code !== 'string' || item.code === '') return 'unmapped item has no code';
      if (typeof item.unit !== 'string') return `unmapped ${item.code} has no unit string`;
      if (item.sourceTs !== undefined && !Number.isFinite(item.sourceTs)) return `unmapped ${item.code} has non-finite sourceTs`;
    } else if (item.kind !== 'condition' && item.kind !== 'event') {
      return `unknown item kind ${String((item as { kind: unknown }).kind)}`;
    }
  }
  return '';
}

/** Asserts the contract on one result; throws (failing the property) with the input shown by fast-check. */
export function expectContract(r: unknown): void {
  const v = contractViolation(r);
  if (v) throw new Error(v);
}

let gcFn: (() => void) | undefined;
/** A real garbage collection when V8 lets us expose it (--expose-gc set at run time), else undefined. */
export function getGc(): (() => void) | undefined {
  if (gcFn) return gcFn;
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return (gcFn = g);
  try {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  } catch {
    gcFn = undefined;
  }
  return gcFn;
}

export function heapAfterGc(): number {
  const gc = getGc();
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** fast-check parameters: `numRuns` cases, a seed from WARDGATE_FUZZ_SEED (printed by fast-check on failure). */
export function fuzzOptions(numRuns: number): { numRuns: number; seed?: number } {
  const seed = process.env.WARDGATE_FUZZ_SEED;
  return seed === undefined ? { numRuns } : { numRuns, seed: Number(seed) };
}

/** Splices random bytes into, or cuts or flips bytes of, a valid sample: finds the paths plain random bytes miss. */
export function mutatedBytes(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom('flip', 'insert', 'delete', 'set'), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
    )
    .map(([seed, edits]) => {
      const b = Array.from(seed);
      for (const [pos, op, val] of edits) {
        const i = b.length === 0 ? 0 : pos % b.length;
        if (op === 'flip') b[i] = (b[i] ?? 0) ^ (1 << (val % 8));
        else if (op === 'insert') b.splice(i, 0, val);
        else if (op === 'delete') b.splice(i, 1);
        else b[i] = val;
      }
      return Uint8Array.from(b);
    });
}

/** Same for text: valid lines with characters replaced, inserted or removed, plus fully random strings. */
export function mutatedText(seeds: readonly string[]): fc.Arbitrary<string> {
  const enc = new TextEncoder();
  return fc.oneof(
    mutatedBytes(seeds.map((s) => enc.encode(s))).map((b) => Buffer.from(b).toString('latin1')),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ maxLength: 300 }),
  );
}

/** Per-case budget: a case that takes longer is a hang (CPU time, so a loaded box does not fail it by scheduling). */
export const HANG_MS = 100;

/**
 * Counts one fuzz target's outcomes: cases, accepted ones, rejections by reason (the codec's error text with
 * numbers and quoted parts folded, so one reason is one line), cases that decoded nothing without an error,
 * and the slowest case in CPU and wall time.
 */
export class FuzzTally {
  cases = 0;
  accepted = 0;
  silent = 0;
  readonly reasons = new Map<string, number>();
  maxCpuMs = 0;
  maxWallMs = 0;
  slowest = '';
  private readonly all: FuzzTally[];

  constructor(readonly target: string, registry: FuzzTally[] = TALLIES) {
    this.all = registry;
    this.all.push(this);
  }

  /** Runs one case, timing it; `outcome` says whether it was accepted or which reason rejected it. */
  time<T>(input: unknown, run: () => T, outcome: (r: T) => { rejected?: string; accepted?: boolean }): T {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = run();
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    this.cases += 1;
    if (cpuMs > this.maxCpuMs) {
      this.maxCpuMs = cpuMs;
      this.slowest = describeInput(input);
    }
    this.maxWallMs = Math.max(this.maxWallMs, wall);
    const o = outcome(r);
    if (o.rejected !== undefined) this.reject(o.rejected);
    else if (o.accepted) this.accepted += 1;
    else this.silent += 1;
    if (cpuMs > HANG_MS) throw new Error(`${this.target}: one case took ${cpuMs.toFixed(1)} ms of CPU (over ${HANG_MS} ms): ${this.slowest}`);
    return r;
  }

  /** A decoder result: rejected with its error, accepted when it decoded items, else silent. */
  decode(input: unknown, run: () => DecodeResult): DecodeResult {
    return this.time(input, run, (r) => {
      expectContract(r);
      return r.error !== undefined ? { rejected: r.error } : { accepted: r.items.length > 0 };
    });
  }

  reject(reason: string): void {
    const key = foldReason(reason);
    this.reasons.set(key, (this.reasons.get(key) ?? 0) + 1);
  }

  get rejected(): number {
    let n = 0;
    for (const v of this.reasons.values()) n += v;
    return n;
  }

  /** One line per figure, for docs/performance.md. */
  report(): string[] {
    const top = [...this.reasons.entries()].sort((a, b) => b[1] - a[1]);
    const shown = top.slice(0, 8).map(([r, n]) => `${n} ${r}`);
    if (top.length > 8) shown.push(`${top.slice(8).reduce((a, [, n]) => a + n, 0)} in ${top.length - 8} other reasons`);
    return [
      `${this.target}: ${this.cases} cases, ${this.accepted} accepted, ${this.rejected} rejected, ${this.silent} decoded nothing without an error; max ${this.maxCpuMs.toFixed(2)} ms CPU / ${this.maxWallMs.toFixed(2)} ms wall per case`,
      `${this.target}: rejections: ${shown.join('; ') || 'none'}`,
    ];
  }
}

/** Every tally of this test file, for the summary printed at its end. */
export const TALLIES: FuzzTally[] = [];

function foldReason(reason: string): string {
  const r = reason
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '"…"')
    .replace(/(?<![\w.])-?\d+(\.\d+)?(e[+-]?\d+)?(?![\w])/gi, 'N')
    .replace(/\s+/g, ' ')
    .trim();
  return r.length > 90 ? `${r.slice(0, 90)}…` : r;
}

function describeInput(input: unknown): string {
  const s = typeof input === 'string' ? JSON.stringify(input) : Buffer.isBuffer(input) || input instanceof Uint8Array ? Buffer.from(input).toString('hex') : JSON.stringify(input) ?? String(input);
  return s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s;
}

/** Wrong-type, boundary and hostile values for one field of an otherwise valid message. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 53, 2 ** 53 + 1, -(2 ** 53), 1e308, -1e308, 5e-324, 1e-7, 0.1 + 0.2, 999.9, 1000, 9999),
  fc.double(),
  fc.integer(),
  fc.constantFrom('', ' ', '72', '7 2', '0x48', '1e999', 'NaN', 'Infinity', '-', '\u0000', '\uD800', '\\', '\\u12', '%', 'null', 'true'),
  fc.constantFrom(null, true, false, [], {}, [72], { v: 72 }),
  fc.string({ maxLength: 20 }),
);

/** Text cut short at a random point (a message that lost its tail). */
export function truncated(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(text, fc.nat()).map(([t, n]) => t.slice(0, t.length === 0 ? 0 : n % t.length));
}

/** Broken escape sequences of JSON and HL7 v2 (\X..\, \H\, \E\ in the wrong places) spliced into valid text. */
export function badEscapes(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const esc = fc.constantFrom('\\', '\\u', '\\u12', '\\uD800', '\\x41', '\\X', '\\X0\\', '\\XZZ\\', '\\H\\', '\\E', '\\F\\', '\\S\\', '\\T\\', '\\R\\', '\\.br\\', '\\Z99\\', '"', '\\"', '\u0000', '\r', '\n', '|', '^', '~', '&', '\u001c', '\u000b');
  return fc.tuple(text, fc.array(fc.tuple(fc.nat(), esc), { minLength: 1, maxLength: 3 })).map(([t, edits]) => {
    let s = t;
    for (const [pos, e] of edits) {
      const i = s.length === 0 ? 0 : pos % s.length;
      s = s.slice(0, i) + e + s.slice(i);
    }
    return s;
  });
}
