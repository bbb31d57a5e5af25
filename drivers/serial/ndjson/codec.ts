import type { Decoded, DecodeResult } from '../../core/observation.js';
import { canonicalUnit, isPlausible, PARAM_NAMES } from '../../core/parameters.js';
import { lineDialect } from '../dialect.js';

/**
 * NDJSON lines for DIY and research devices: one JSON object per line, e.g. `{"hr":72,"spo2":97}`.
 * Field names and units are those of the MQTT JSON vitals contract: hr, pr, spo2, pi, rr, temp, sbp, dbp,
 * map in the canonical UCUM units of drivers/core/parameters.ts (temp in Cel, pressures in mm[Hg]);
 * optional `t` (device clock, epoch ms) and `seq` (device sequence, non-negative integer).
 * A field that is null or absent is "no value". Any field of the wrong type or out of the plausible range
 * rejects the whole line (a device that sends one corrupt value cannot be trusted for the others).
 * Unknown fields are ignored.
 */
const MAX_LINE = 4096;

/** Parameter name -> its position in the table; rebuilt if the table grows (registerParameter). */
let orderIndex = new Map<string, number>();
function paramOrder(): ReadonlyMap<string, number> {
  if (orderIndex.size !== PARAM_NAMES.length) orderIndex = new Map(PARAM_NAMES.map((n, i) => [n, i]));
  return orderIndex;
}

export function decodeNdjsonLine(line: string): DecodeResult {
  if (typeof line !== 'string') return { items: [], error: 'ndjson: not a string' };
  if (line.length > MAX_LINE) return { items: [], error: `ndjson: line longer than ${MAX_LINE} characters` };
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (e) {
    return { items: [], error: `ndjson: invalid JSON (${e instanceof Error ? e.message : 'parse error'})` };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { items: [], error: 'ndjson: not a JSON object' };
  const obj = doc as Record<string, unknown>;

  let sourceTs: number | undefined;
  if (obj.t !== undefined && obj.t !== null) {
    if (typeof obj.t !== 'number' || !Number.isInteger(obj.t) || obj.t < 0 || obj.t > 8.64e15) return { items: [], error: 'ndjson: t must be epoch milliseconds' };
    sourceTs = obj.t;
  }
  let sourceSeq: number | undefined;
  if (obj.seq !== undefined && obj.seq !== null) {
    if (typeof obj.seq !== 'number' || !Number.isSafeInteger(obj.seq) || obj.seq < 0) return { items: [], error: 'ndjson: seq must be a non-negative integer' };
    sourceSeq = obj.seq;
  }

  // Walk the line's own keys (a handful), not the whole parameter table, and keep the table's order.
  const found: number[] = [];
  const order = paramOrder();
  for (const key in obj) {
    const at = order.get(key);
    if (at === undefined) continue;
    let i = found.length; // insertion in table order (a line holds a handful of fields)
    while (i > 0 && found[i - 1]! > at) i--;
    found.splice(i, 0, at);
  }
  const items: Decoded[] = [];
  for (const at of found) {
    const param = PARAM_NAMES[at]!;
    const v = obj[param];
    if (v === null) continue;
    if (typeof v !== 'number' || !isPlausible(param, v)) return { items: [], error: `ndjson: bad ${param} value ${JSON.stringify(v)?.slice(0, 24)}` };
    const reading: Decoded = { kind: 'reading', param, value: v, unit: canonicalUnit(param) };
    if (sourceTs !== undefined) reading.sourceTs = sourceTs;
    if (sourceSeq !== undefined) reading.sourceSeq = sourceSeq;
    items.push(reading);
  }
  return { items };
}

export const ndjsonDialect = lineDialect({
  name: 'ndjson',
  summary: 'one JSON object per line with the MQTT vitals field names (DIY and research devices)',
  maxLineBytes: MAX_LINE,
  encoding: 'utf8',
  decodeLine: decodeNdjsonLine,
});
