import type { Decoded, DecodeResult } from '../core/observation.js';
import { isParamName, isPlausible, PARAMETERS, type ParamName } from '../core/parameters.js';

/**
 * SenML (RFC 8428, JSON representation, section 5) records on `vitals/<deviceId>`.
 * Base fields bn/bt/bu/bv are carried forward (section 4.6); the resolved name's last segment after ':' or
 * '/' is the canonical parameter (e.g. bn "urn:dev:mac:0024befffe804ff1:" n "hr"). Times: t values below
 * 2^28 are relative to now (section 4.5.3), which the caller passes in.
 * Units: RFC 8428 section 12.1 registers "beat/min", "%", "Cel", "Pa", "/s" ... ; we also accept the
 * UCUM forms "/min", "mm[Hg]" and "mmHg", "kPa" and "[degF]".
 */
const UNIT_CONVERSIONS: Record<string, { to: string; f: (v: number) => number }> = {
  'beat/min': { to: '/min', f: (v) => v },
  'beats/min': { to: '/min', f: (v) => v },
  '/min': { to: '/min', f: (v) => v },
  '1/min': { to: '/min', f: (v) => v },
  '/s': { to: '/min', f: (v) => v * 60 },
  '1/s': { to: '/min', f: (v) => v * 60 },
  '%': { to: '%', f: (v) => v },
  '/': { to: '%', f: (v) => v * 100 }, // SenML "/" is a ratio 0..1
  Cel: { to: 'Cel', f: (v) => v },
  '[degF]': { to: 'Cel', f: (v) => ((v - 32) * 5) / 9 },
  K: { to: 'Cel', f: (v) => v - 273.15 },
  'mm[Hg]': { to: 'mm[Hg]', f: (v) => v },
  mmHg: { to: 'mm[Hg]', f: (v) => v },
  kPa: { to: 'mm[Hg]', f: (v) => v * 7.500616827 },
  Pa: { to: 'mm[Hg]', f: (v) => v * 0.007500616827 },
};

const RELATIVE_TIME_LIMIT = 2 ** 28;
/** The largest time a JavaScript Date holds, in ms either side of the epoch (ECMA-262, 21.4.1.1 Time Values). */
const MAX_TIME_MS = 8.64e15;

export function decodeSenml(records: unknown[], nowMs: number): DecodeResult {
  const items: Decoded[] = [];
  let bn = '';
  let bt = 0;
  let bu: string | undefined;
  let bv = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (!r || typeof r !== 'object' || Array.isArray(r)) return { items: [], error: `[${i}]: must be an object` };
    const rec = r as Record<string, unknown>;
    if ('bn' in rec) {
      if (typeof rec.bn !== 'string') return { items: [], error: `[${i}].bn: must be a string` };
      bn = rec.bn;
    }
    if ('bt' in rec) {
      if (typeof rec.bt !== 'number' || !Number.isFinite(rec.bt)) return { items: [], error: `[${i}].bt: must be a number` };
      bt = rec.bt;
    }
    if ('bu' in rec) {
      if (typeof rec.bu !== 'string') return { items: [], error: `[${i}].bu: must be a string` };
      bu = rec.bu;
    }
    if ('bv' in rec) {
      if (typeof rec.bv !== 'number' || !Number.isFinite(rec.bv)) return { items: [], error: `[${i}].bv: must be a number` };
      bv = rec.bv;
    }
    if (!('v' in rec)) continue; // base-only record, or a string/boolean value we do not use
    if (typeof rec.v !== 'number' || !Number.isFinite(rec.v)) return { items: [], error: `[${i}].v: must be a number` };
    if ('n' in rec && typeof rec.n !== 'string') return { items: [], error: `[${i}].n: must be a string` };
    const name = bn + ((rec.n as string | undefined) ?? '');
    const key = name.split(/[:/]/).filter(Boolean).pop() ?? '';
    if (!isParamName(key)) continue;
    const param: ParamName = key;
    const unitName = 'u' in rec ? rec.u : bu;
    if (unitName !== undefined && typeof unitName !== 'string') return { items: [], error: `[${i}].u: must be a string` };
    let value = rec.v + bv;
    const canonical = PARAMETERS[param].unit;
    if (unitName !== undefined) {
      const conv = UNIT_CONVERSIONS[unitName];
      if (!conv || conv.to !== canonical) return { items: [], error: `[${i}].u: unit '${unitName}' does not fit ${param}` };
      value = conv.f(value);
    }
    value = Math.round(value * 1000) / 1000;
    if (!isPlausible(param, value)) return { items: [], error: `[${i}].v: ${value} is outside the plausible range of ${param}` };
    let t = bt;
    if ('t' in rec) {
      if (typeof rec.t !== 'number' || !Number.isFinite(rec.t)) return { items: [], error: `[${i}].t: must be a number` };
      t += rec.t;
    }
    // SenML times are seconds; below 2^28 they are relative to now.
    const sourceTs = t === 0 ? undefined : Math.abs(t) < RELATIVE_TIME_LIMIT ? nowMs + t * 1000 : Math.round(t * 1000);
    // bt + t of two finite numbers can still overflow once in ms (bt 1e9, t -1e308): refuse it, never pass -Infinity on.
    if (sourceTs !== undefined && !(Math.abs(sourceTs) <= MAX_TIME_MS)) return { items: [], error: `[${i}].t: time out of range` };
    items.push({ kind: 'reading', param, value, unit: canonical, sourceTs });
  }
  if (items.length === 0) return { items, error: 'no vital sign in SenML pack' };
  return { items };
}
