import type { Decoded, DecodeResult, DeviceAlarmReport, QualityFlag, TechnicalCondition } from '../../core/observation.js';
import { canonicalUnit, isPlausible, type ParamName } from '../../core/parameters.js';
import { lineDialect } from '../dialect.js';
import { splitMasimoLine } from './fields.js';
import {
  ALARM_ACTIVE_BIT,
  EXC_BY_NAME,
  KNOWN_FIELDS,
  MASIMO_ALARM_BITS,
  MASIMO_EXC_BITS,
  NO_SENSOR_BITS,
  NOT_MEASUREMENTS,
  SENSOR_ALARM,
  VALUE_FIELDS,
  ZERO_IS_FILLER,
  type BitDef,
} from './tables.js';

export { MASIMO_ALARM_BITS, MASIMO_EXC_BITS } from './tables.js';

/**
 * Masimo Rad-8 / Radical-7 / Radical-5 serial "ASCII 1" output: one line per second, e.g.
 *   12/01/05 11:56:29 SN=0123456789 SPO2=098% BPM=240 PI=20.00% SPCO=01.0% SPMET=00.5% DESAT=01
 *   PIDELTA=-02 PVI=027 ALARM=0000 EXC=000820
 * and the Rad-8 trend style (`09/21/08 09:56:12 SpO2=097 PR=069 PI=04.69 EXC=800:SET`). What the fields and bits
 * mean, with the sources: tables.ts.
 *
 * A line is cut into fields at each `KEY=` (fields.ts), not at white space: exception names hold spaces.
 * Two spellings of EXC: the hex bit field alone (Radical-7 / Rad-97 style, `EXC=000820`), or the Rad-8 trend
 * style with the exception names after the bits (`EXC=800:SET`, `EXC=021:NO SENSOR`-style names joined by commas):
 * the bits decide, as the manual defines the field by them; the names are read as the bits they name (the table's
 * names with spaces dropped and case ignored, and the trend style's short names), a name the table lacks adds
 * nothing, and a name that is not a name (a stray byte) refuses the line.
 *
 * SpO2, pulse rate and PI are readings with their source code (`MASIMO:SPO2`, `MASIMO:BPM` ...). Every other field
 * with a number (SpCO, SpMet, SpHb, SpOC, PVI, desat, PI delta, and fields newer firmware adds) is not dropped: it
 * comes through as unmapped, code `MASIMO:<FIELD>`, with the unit the line prints after it ('%', '/min', or none).
 * "No value" is never a value: missing values are printed as dashes filling the field (`---%`, `--.--%`, `--.-%`,
 * `--`, `+--`), and zeros are the monitor's filler, not measurements, when the exceptions say there is no sensor on
 * the patient (No Sensor, Sensor Off, No Cable), always for SpO2, pulse rate and PI (below the measurement range:
 * tables.ts, ZERO_IS_FILLER), and for the other fields when the pulse rate is zero (no pulse found: nothing on the
 * line is measured); neither produces an item.
 * The device clock is printed without a time zone, so no sourceTs is derived from it.
 *
 * The device's own alarms: a line with an ALARM field lists them whole in `deviceAlarms` (empty once the bits
 * clear): each set limit bit (SpO2, pulse rate, SpCO, SpMet, desat, PI delta) and low battery at the priority the
 * table gives, and sensor off / no sensor while ALARM says an alarm is active. A line without ALARM (the trend
 * style) says nothing about them.
 */

/** One decoded line, with the device's own alarm list when the line has an ALARM field. */
export type MasimoDecodeResult = DecodeResult & { deviceAlarms?: DeviceAlarmReport[] };

/** Per value field, the ALARM limit bits that flag it (built once from the table). */
const LIMIT_BITS: Readonly<Record<string, number>> = MASIMO_ALARM_BITS.reduce<Record<string, number>>((acc, d) => {
  if (d.param) acc[d.param] = (acc[d.param] ?? 0) | d.bit;
  return acc;
}, { spo2: 0, pr: 0, pi: 0 });

const EXC_CONDITIONS = uniqueConditions(MASIMO_EXC_BITS);
const ALARM_CONDITIONS = uniqueConditions(MASIMO_ALARM_BITS);

function uniqueConditions(defs: readonly BitDef[]): TechnicalCondition[] {
  const seen: TechnicalCondition[] = [];
  for (const d of defs) if (d.condition && !seen.includes(d.condition)) seen.push(d.condition);
  return seen;
}

const DATE_RE = /^\d{2}\/\d{2}\/\d{2}$/;
const TIME_RE = /^\d{2}:\d{2}:\d{2}$/;
/** A numeric field: optional sign, digits, optional decimals, optional unit suffix (% or /min). */
const NUMBER_RE = /^([+-]?\d{1,4}(?:\.\d{1,3})?)(%|\/min)?$/;
/** A missing value: dashes (optionally with a sign and a decimal point), optional unit suffix. */
const PLACEHOLDER_RE = /^[+-]?-+(?:\.-+)?(?:%|\/min)?$/;
const HEX_RE = /^[0-9A-Fa-f]{1,8}$/;
/** An exception name once spaces, '_' and '-' are dropped and it is upper-cased. */
const NAME_RE = /^[A-Z][A-Z0-9]{0,31}$/;

/** `hex` or `hex:NAME,NAME` (Rad-8 trend style): the bits, or an error naming the bad part. */
function parseExc(raw: string): number | string {
  const colon = raw.indexOf(':');
  const hex = colon < 0 ? raw : raw.slice(0, colon);
  if (!HEX_RE.test(hex)) return `bad EXC field ${clip(raw)}`;
  let bits = parseInt(hex, 16);
  if (colon < 0) return bits; // the usual line: no names, nothing to split
  const next = raw.indexOf(':', colon + 1); // a third ':'-part is ignored
  const names = raw.slice(colon + 1, next < 0 ? raw.length : next);
  for (const part of names.split(',')) {
    const name = part.replace(/[\s_-]+/g, '').toUpperCase();
    if (name === '') continue;
    if (!NAME_RE.test(name)) return `bad exception name ${clip(part.trim())}`;
    bits |= EXC_BY_NAME.get(name) ?? 0; // a name the table lacks: its meaning is in the bits
  }
  return bits;
}
const MAX_LINE = 512;

export function isMasimoPlaceholder(value: string): boolean {
  return PLACEHOLDER_RE.test(value);
}

interface Numeric {
  key: string;
  value: number;
  /** The unit printed after the number ('' when none). */
  unit: string;
  /** Set for the fields that map to a canonical parameter. */
  param?: ParamName;
}

/** Decodes one ASCII 1 line (without its line ending). Never throws. */
export function decodeMasimoLine(line: string): MasimoDecodeResult {
  if (typeof line !== 'string') return { items: [], error: 'masimo: not a string' };
  if (line.length > MAX_LINE) return { items: [], error: `masimo: line longer than ${MAX_LINE} characters` };
  const text = line.trim();
  if (text === '') return { items: [], error: 'masimo: empty line' };

  const numbers: Numeric[] = [];
  let alarm: number | undefined;
  let exc: number | undefined;
  let recognised = 0;

  const { prefix, fields } = splitMasimoLine(text);
  for (let i = 0; i < prefix.length; i++) {
    const tok = prefix[i]!;
    if (i < 2 && (DATE_RE.test(tok) || TIME_RE.test(tok))) continue;
    return { items: [], error: `masimo: unexpected token ${clip(tok)}` };
  }
  for (const { key, raw } of fields) {
    if (key === 'EXC') {
      recognised++;
      const n = parseExc(raw);
      if (typeof n === 'string') return { items: [], error: `masimo: ${n}` };
      exc = n;
    } else if (key === 'ALARM') {
      recognised++;
      if (!HEX_RE.test(raw)) return { items: [], error: `masimo: bad ${key} field ${clip(raw)}` };
      alarm = parseInt(raw, 16);
    } else if (!NOT_MEASUREMENTS.has(key)) {
      const param = VALUE_FIELDS[key];
      if (param) recognised++;
      if (PLACEHOLDER_RE.test(raw)) continue;
      const m = NUMBER_RE.exec(raw);
      const value = m ? Number(m[1]) : NaN;
      if (m && (!param || isPlausible(param, value))) numbers.push({ key, value, unit: m[2] ?? '', ...(param ? { param } : {}) });
      // A field the sources name must hold a number or dashes; a field of newer firmware may hold anything.
      else if (KNOWN_FIELDS.has(key)) return { items: [], error: `masimo: bad ${key} value ${clip(raw)}` };
    }
  }
  if (recognised === 0) return { items: [], error: 'masimo: no SPO2/BPM/PI/ALARM/EXC field' };

  const frameFlags: QualityFlag[] = [];
  const items: Decoded[] = [];
  if (exc !== undefined) {
    for (const d of MASIMO_EXC_BITS) if (d.flag && exc & d.bit && !frameFlags.includes(d.flag)) frameFlags.push(d.flag);
  }
  // Zeros that are the device's filler, not measurements (see the header above).
  const noSensor = exc !== undefined && (exc & NO_SENSOR_BITS) !== 0;
  const noPulse = numbers.some((n) => n.param === 'pr' && n.value === 0);
  for (const n of numbers) {
    if (n.value === 0 && (noSensor || noPulse || (n.param !== undefined && ZERO_IS_FILLER.has(n.param)))) continue;
    const code = `MASIMO:${n.key}`;
    if (!n.param) {
      items.push({ kind: 'unmapped', code, value: n.value, unit: n.unit });
      continue;
    }
    const reading: Decoded = { kind: 'reading', param: n.param, value: n.value, unit: canonicalUnit(n.param), code };
    const limitAlarm = alarm !== undefined && (alarm & (LIMIT_BITS[n.param] ?? 0)) !== 0;
    if (frameFlags.length > 0 || limitAlarm) {
      const flags = frameFlags.slice();
      if (limitAlarm && !flags.includes('device-alarm')) flags.push('device-alarm');
      reading.flags = flags;
    }
    items.push(reading);
  }
  if (exc !== undefined) pushConditions(items, exc, MASIMO_EXC_BITS, EXC_CONDITIONS);
  if (alarm === undefined) return { items };
  pushConditions(items, alarm, MASIMO_ALARM_BITS, ALARM_CONDITIONS);
  return { items, deviceAlarms: deviceAlarms(alarm, exc ?? 0) };
}

/** The device's own alarms that the ALARM (and EXC) bits of one line show. */
function deviceAlarms(alarm: number, exc: number): DeviceAlarmReport[] {
  const out: DeviceAlarmReport[] = [];
  for (const d of MASIMO_ALARM_BITS) if (d.device && alarm & d.bit) out.push({ ...d.device, text: d.name });
  if (alarm & ALARM_ACTIVE_BIT && exc & NO_SENSOR_BITS) {
    const names = MASIMO_EXC_BITS.filter((d) => d.bit & NO_SENSOR_BITS && exc & d.bit).map((d) => d.name);
    out.push({ ...SENSOR_ALARM, text: names.join(', ') });
  }
  return out;
}

/** One report per condition the table knows: active with the set bits' names, or cleared. */
function pushConditions(items: Decoded[], field: number, defs: readonly BitDef[], conditions: readonly TechnicalCondition[]): void {
  for (const condition of conditions) {
    const names: string[] = [];
    for (const d of defs) if (d.condition === condition && field & d.bit) names.push(d.name);
    items.push(
      names.length
        ? { kind: 'condition', condition, active: true, detail: names.join(', ') }
        : { kind: 'condition', condition, active: false },
    );
  }
}

function clip(s: string): string {
  const t = s.length > 24 ? `${s.slice(0, 24)}...` : s;
  return JSON.stringify(t);
}

export const masimoDialect = lineDialect({
  name: 'masimo',
  summary: 'Masimo Rad-8 / Radical-7 serial ASCII 1 output (SpO2, pulse rate, PI, exception bits)',
  maxLineBytes: 512,
  encoding: 'latin1',
  decodeLine: decodeMasimoLine,
});
