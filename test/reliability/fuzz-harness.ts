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
