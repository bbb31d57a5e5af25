import type { Decoded, DecodeResult, QualityFlag, TechnicalCondition } from '../../core/observation.js';
import { canonicalUnit, isPlausible, type ParamName } from '../../core/parameters.js';
import { lineDialect } from '../dialect.js';
import { splitMasimoLine } from './fields.js';

/**
 * Masimo Rad-8 / Radical-7 / Radical-5 serial "ASCII 1" output: one line per second, e.g.
 *   12/01/05 11:56:29 SN=0123456789 SPO2=098% BPM=072 PI=02.23% SPCO=01.0% SPMET=00.5% DESAT=01
 *   PIDELTA=-02 PVI=027 ALARM=0000 EXC=000820
 *
 * Sources (cited at each table below):
 *  [R8]  Masimo Rad-8 Signal Extraction Pulse Oximeter Operator's Manual, section 4, "Serial Interface
 *        Specifications" (ASCII 1 / ASCII 2 output, 9600 8N1) and "Trend data format" (exception bits
 *        001..800, 3 hex digits).
 *  [R7]  Masimo Radical-7 Service Manual rev. A, serial interface (ASCII 1 with 6-digit EXC and 4-digit ALARM),
 *        as transcribed in the MD PnP / OpenICE adapter header poxrad_discrete.h (LGPL), which lists the
 *        ALARM bits 0001..2000 and the EXC bits 000001..800000.
 *  [R7c] Radical-7 colour-screen ASCII 1 sample with a 7-digit EXC and 6-digit ALARM
 *        (`... PVI=--- ALARM=000000 EXC=0000C00 EXC1=00000000`), as logged by field users.
 *
 * Two spellings of EXC: the hex bit field alone (Radical-7 / Rad-97 style, `EXC=000820`), or the Rad-8 trend
 * style with the exception names after the bits (`EXC=800:SET`, `EXC=021:NO SENSOR`-style names joined by commas):
 * the bits decide; a name must be one of the table's (spaces dropped, case ignored; "SET" is Masimo SET), else the
 * line is refused. Names hold spaces, so a line is cut into fields at each `KEY=` (fields.ts), not at white space. While the exceptions say there is no sensor on the patient (No Sensor, Sensor Off, No Cable),
 * a zero SpO2 / pulse rate / PI is the monitor's filler, not a measurement, and is not passed on.
 * Missing values are printed as dashes filling the field (`---%`, `--.--%`, `--.-%`, `--`, `+--`):
 * they mean "no value" and never produce a reading (never a zero).
 * The device clock is printed without a time zone, so no sourceTs is derived from it.
 */

/** ASCII 1 fields that map to canonical parameters. Units per [R8]/[R7]: SPO2 %, BPM /min, PI %. */
const VALUE_FIELDS: Readonly<Record<string, ParamName>> = {
  SPO2: 'spo2',
  BPM: 'pr',
  PI: 'pi',
};

interface BitDef {
  bit: number;
  name: string;
  condition?: TechnicalCondition;
  /** Quality flag attached to every reading of the frame while the bit is set. */
  flag?: QualityFlag;
}

/**
 * EXC exception bits. 0x001..0x800 from [R8] (trend data format: 001 No Sensor, 002 Defective Sensor,
 * 004 Low Perfusion, 008 Pulse Search, 010 Interference, 020 Sensor Off, 040 Ambient Light,
 * 080 Unrecognized Sensor, 100/200 reserved, 400 Low Signal IQ, 800 Masimo SET);
 * 0x100 and 0x1000..0x400000 from [R7].
 */
export const MASIMO_EXC_BITS: readonly BitDef[] = [
  { bit: 0x000001, name: 'No Sensor', condition: 'no-sensor' },
  { bit: 0x000002, name: 'Defective Sensor', condition: 'sensor-fault' },
  { bit: 0x000004, name: 'Low Perfusion', condition: 'low-perfusion', flag: 'low-perfusion' },
  { bit: 0x000008, name: 'Pulse Search', condition: 'pulse-search', flag: 'questionable' },
  { bit: 0x000010, name: 'Interference', condition: 'interference', flag: 'interference' },
  { bit: 0x000020, name: 'Sensor Off', condition: 'sensor-off' },
  { bit: 0x000040, name: 'Ambient Light', condition: 'interference', flag: 'interference' },
  { bit: 0x000080, name: 'Unrecognized Sensor', condition: 'sensor-fault' },
  { bit: 0x000100, name: 'Incompatible Sensor', condition: 'sensor-fault' },
  { bit: 0x000400, name: 'Low Signal IQ', condition: 'low-signal', flag: 'questionable' },
  { bit: 0x000800, name: 'Masimo SET' }, // informational: full SET mode running
  { bit: 0x001000, name: 'No Cable Connected', condition: 'no-sensor' },
  { bit: 0x002000, name: 'Cable Life Expired', condition: 'sensor-fault' },
  { bit: 0x004000, name: 'Incompatible Cable', condition: 'sensor-fault' },
  { bit: 0x008000, name: 'Unrecognized Cable', condition: 'sensor-fault' },
  { bit: 0x010000, name: 'Defective Cable', condition: 'sensor-fault' },
  { bit: 0x020000, name: 'Sensor Calibrating', flag: 'calibration' },
  { bit: 0x040000, name: 'Sensor Life Expired', condition: 'sensor-fault' },
  { bit: 0x080000, name: 'Emitter Temp Out of Range', condition: 'sensor-fault' },
  { bit: 0x100000, name: 'Sensor Current Limit Exceeded', condition: 'sensor-fault' },
  { bit: 0x200000, name: 'SpCO Low Confidence' }, // SpCO is not a canonical parameter
  { bit: 0x400000, name: 'SpMET Low Confidence' }, // SpMet is not a canonical parameter
];

/**
 * ALARM status bits from [R7] (0001 SpO2 high limit, 0002 SpO2 low limit, 0004 pulse rate high, 0008 pulse
 * rate low, 0010 alarm active, 0020 alarm silenced, 0040 low battery, 0100..2000 SpCO/SpMet/desat/PI-delta).
 * Limit bits put the 'device-alarm' flag on the matching reading.
 */
export const MASIMO_ALARM_BITS: readonly (BitDef & { param?: ParamName })[] = [
  { bit: 0x0001, name: 'SpO2 high limit', param: 'spo2' },
  { bit: 0x0002, name: 'SpO2 low limit', param: 'spo2' },
  { bit: 0x0004, name: 'Pulse rate high limit', param: 'pr' },
  { bit: 0x0008, name: 'Pulse rate low limit', param: 'pr' },
  { bit: 0x0010, name: 'Alarm active' },
  { bit: 0x0020, name: 'Alarm silenced', condition: 'device-alarm-silenced' },
  { bit: 0x0040, name: 'Low battery', condition: 'low-battery' },
];

/** Per value field, the ALARM limit bits that flag it (built once from the table above). */
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
const NUMBER_RE = /^([+-]?\d{1,4}(?:\.\d{1,3})?)(?:%|\/min)?$/;
/** A missing value: dashes (optionally with a sign and a decimal point), optional unit suffix. */
const PLACEHOLDER_RE = /^[+-]?-+(?:\.-+)?(?:%|\/min)?$/;
const HEX_RE = /^[0-9A-Fa-f]{1,8}$/;
/** Bits that mean no sensor is on the patient: zero readings then are filler. */
const NO_SENSOR_BITS = 0x000001 | 0x000020 | 0x001000;
const EXC_BY_NAME = new Map<string, number>([
  ...MASIMO_EXC_BITS.map((d) => [d.name.replace(/\s+/g, '').toUpperCase(), d.bit] as [string, number]),
  ['SET', 0x000800],
]);

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
    const bit = EXC_BY_NAME.get(name);
    if (bit === undefined) return `unknown exception name ${clip(name)}`;
    bits |= bit;
  }
  return bits;
}
const MAX_LINE = 512;

export function isMasimoPlaceholder(value: string): boolean {
  return PLACEHOLDER_RE.test(value);
}

/** Decodes one ASCII 1 line (without its line ending). Never throws. */
export function decodeMasimoLine(line: string): DecodeResult {
  if (typeof line !== 'string') return { items: [], error: 'masimo: not a string' };
  if (line.length > MAX_LINE) return { items: [], error: `masimo: line longer than ${MAX_LINE} characters` };
  const text = line.trim();
  if (text === '') return { items: [], error: 'masimo: empty line' };

  const values: { param: ParamName; value: number }[] = [];
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
    const param = VALUE_FIELDS[key];
    if (param) {
      recognised++;
      if (PLACEHOLDER_RE.test(raw)) continue;
      const m = NUMBER_RE.exec(raw);
      const value = m ? Number(m[1]) : NaN;
      if (!m || !isPlausible(param, value)) return { items: [], error: `masimo: bad ${key} value ${clip(raw)}` };
      values.push({ param, value });
    } else if (key === 'EXC') {
      recognised++;
      const n = parseExc(raw);
      if (typeof n === 'string') return { items: [], error: `masimo: ${n}` };
      exc = n;
    } else if (key === 'ALARM') {
      recognised++;
      if (!HEX_RE.test(raw)) return { items: [], error: `masimo: bad ${key} field ${clip(raw)}` };
      alarm = parseInt(raw, 16);
    }
    // Other fields (known but unmapped, or new in newer firmware) are tolerated; a line needs known ones (below).
  }
  if (recognised === 0) return { items: [], error: 'masimo: no SPO2/BPM/PI/ALARM/EXC field' };

  const frameFlags: QualityFlag[] = [];
  const items: Decoded[] = [];
  if (exc !== undefined) {
    for (const d of MASIMO_EXC_BITS) if (d.flag && exc & d.bit && !frameFlags.includes(d.flag)) frameFlags.push(d.flag);
  }
  const noSensor = exc !== undefined && (exc & NO_SENSOR_BITS) !== 0;
  for (const { param, value } of values) {
    if (noSensor && value === 0) continue;
    const reading: Decoded = { kind: 'reading', param, value, unit: canonicalUnit(param) };
    const limitAlarm = alarm !== undefined && (alarm & (LIMIT_BITS[param] ?? 0)) !== 0;
    if (frameFlags.length > 0 || limitAlarm) {
      const flags = frameFlags.slice();
      if (limitAlarm && !flags.includes('device-alarm')) flags.push('device-alarm');
      reading.flags = flags;
    }
    items.push(reading);
  }
  if (exc !== undefined) pushConditions(items, exc, MASIMO_EXC_BITS, EXC_CONDITIONS);
  if (alarm !== undefined) pushConditions(items, alarm, MASIMO_ALARM_BITS, ALARM_CONDITIONS);
  return { items };
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
