import type { Decoded, DecodeResult } from '../core/observation.js';
import { PARAMETERS, type ParamName, isParamName, isPlausible } from '../core/parameters.js';

/** Battery below this percentage is reported as the technical condition 'low-battery'. */
export const LOW_BATTERY_PERCENT = 20;

/**
 * The wearables' JSON payload on `vitals/<deviceId>`:
 *   {"t": <epoch ms>, "seq": <int>, "hr": 72, "spo2": 97, "rr": 16, "temp": 36.8, "sbp": 120, "dbp": 80}
 * Any subset of the canonical vital fields; `t`, `seq` and `battery` (percent) are optional.
 * Values outside a parameter's plausible range are rejected (a device bug, not a patient).
 */
export function decodeVitalsJson(obj: Record<string, unknown>): DecodeResult {
  const items: Decoded[] = [];
  let sourceTs: number | undefined;
  let sourceSeq: number | undefined;
  if ('t' in obj) {
    if (typeof obj.t !== 'number' || !Number.isFinite(obj.t) || obj.t < 0) return { items: [], error: 't: must be epoch milliseconds' };
    sourceTs = obj.t;
  }
  if ('seq' in obj) {
    if (typeof obj.seq !== 'number' || !Number.isInteger(obj.seq)) return { items: [], error: 'seq: must be an integer' };
    sourceSeq = obj.seq;
  }
  // for...in rather than Object.entries: the same keys in the same order (a parsed JSON object has no inherited
  // enumerable ones), without a [key, value] array per field of every sample.
  for (const key in obj) {
    if (key === 't' || key === 'seq') continue;
    const value = obj[key];
    if (key === 'battery') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) return { items: [], error: 'battery: must be a percentage 0-100' };
      items.push({ kind: 'condition', condition: 'low-battery', active: value < LOW_BATTERY_PERCENT, detail: `${value}%`, sourceTs });
      continue;
    }
    if (!isParamName(key)) continue; // unknown fields are ignored for forward compatibility
    if (value === null) continue; // explicitly no value
    if (typeof value !== 'number' || !Number.isFinite(value)) return { items: [], error: `${key}: must be a number` };
    const param: ParamName = key;
    if (!isPlausible(param, value)) return { items: [], error: `${key}: ${value} is outside the plausible range` };
    items.push({ kind: 'reading', param, value, unit: PARAMETERS[param].unit, sourceTs, sourceSeq });
  }
  if (items.length === 0) return { items, error: 'no vital sign in payload' };
  return { items };
}
