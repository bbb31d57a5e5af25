/**
 * Turns the attribute lists of one poll result into readings and the monitor's own alarm entries.
 * Walk: SingleContextPoll -> ObservationPoll -> AVA, unknown attributes skipped by length (messages.ts).
 * Layouts [VSC ReadNumericObservationValue, ReadCompoundNumericObsValue; ML NumericObservedValue.cs,
 * DeviceAlarmEntry.cs; OI DevAlarmEntry.java]; source keys in docs/intellivue.md.
 */
import type { Reading, UnmappedReading } from '../../core/observation.js';
import { isPlausible } from '../../core/parameters.js';
import { ByteReader, ShortInput } from './byte-reader.js';
import { decodeFloatType } from './float-type.js';
import { assessMeasurementState } from './measurement-state.js';
import { ATTR, type Ava, type PollResult } from './messages.js';
import { mapPhysioId, NOM_PART_SETTINGS } from './physio-ids.js';
import { decodeAbsoluteTime, type RelativeClock } from './time.js';
import { toCanonical, UNIT_UCUM } from './units.js';

/** One entry of the monitor's alarm lists (DevAlarmEntry), kept apart from the gateway's own alarms. */
export interface DeviceAlarm {
  list: 'physiological' | 'technical';
  /** al_source: physio id of the alarming measurement. */
  source: number;
  code: number;
  /** AlertType: technical LOW 0x0001 MED 0x0002 HI 0x0004; physiological LOW 0x0100 MED 0x0200 HI 0x0400. */
  type: number;
  priority: 'high' | 'medium' | 'low' | 'none';
  /** AlertState bits (0x8000 inhibited, 0x4000 suspended, 0x2000 latched, 0x0100 demo mode, ...). */
  state: number;
  /** al_text TextId from GEN/STR_ALMON_INFO when present. */
  textId?: number;
  text?: string;
  sourceTs?: number;
}

export interface PollDecodeContext {
  /** Label TextId per object handle, kept across polls: labels and values may come in different polls. */
  labels: Map<number, number>;
  /** Anchor from the MDS Create (TIME_REL/TIME_ABS), when known. */
  clock?: RelativeClock;
  utcOffsetMinutes?: number;
}

export interface PollDecodeOutput {
  readings: Reading[];
  /** Numerics whose physio id nothing maps (passed on, never dropped). */
  unmapped: UnmappedReading[];
  deviceAlarms: DeviceAlarm[];
  /** Why values were not turned into readings (special FLOAT, unavailable, unit, unmapped id). */
  skipped: number;
  errors: string[];
}

const NU_OBS_LEN = 10;
const GEN_ALMON_INFO = 0x0201;
const STR_ALMON_INFO = 0x0204;

function u32(v: Uint8Array): number {
  return new ByteReader(v).u32();
}

function alarmPriority(type: number): DeviceAlarm['priority'] {
  if (type & 0x0404) return 'high';
  if (type & 0x0202) return 'medium';
  if (type & 0x0101) return 'low';
  return 'none';
}

function readString(r: ByteReader): string {
  const n = r.u16();
  const b = r.bytes(n);
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) {
    const c = ((b[i] as number) << 8) | (b[i + 1] as number);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function readAlarmList(v: Uint8Array, list: DeviceAlarm['list'], ts: number | undefined): DeviceAlarm[] {
  const r = new ByteReader(v);
  const count = r.u16();
  const s = r.sub(r.u16());
  const out: DeviceAlarm[] = [];
  for (let i = 0; i < count; i++) {
    const source = s.u16();
    const code = s.u16();
    const type = s.u16();
    const state = s.u16();
    s.bytes(6); // object
    const infoId = s.u16();
    const info = s.sub(s.u16());
    const a: DeviceAlarm = { list, source, code, type, priority: alarmPriority(type), state };
    if ((infoId === GEN_ALMON_INFO || infoId === STR_ALMON_INFO) && info.remaining >= 10) {
      info.u16(); // al_inst_no
      a.textId = info.u32();
      info.u16(); // priority
      info.u16(); // flags
      if (infoId === STR_ALMON_INFO && info.remaining >= 2) a.text = readString(info);
    }
    if (ts !== undefined) a.sourceTs = ts;
    out.push(a);
  }
  return out;
}

function objectTime(attrs: Ava[], poll: PollResult, ctx: PollDecodeContext): number | undefined {
  const abs = attrs.find((a) => a.id === ATTR.TIME_STAMP_ABS);
  if (abs && abs.value.length >= 8) {
    const t = decodeAbsoluteTime(abs.value, ctx.utcOffsetMinutes);
    if (t !== undefined) return t;
  }
  const rel = attrs.find((a) => a.id === ATTR.TIME_STAMP_REL);
  if (ctx.clock && rel && rel.value.length >= 4) return ctx.clock.toEpochMs(u32(rel.value));
  if (ctx.clock) return ctx.clock.toEpochMs(poll.relTimeTicks);
  return decodeAbsoluteTime(poll.absTime, ctx.utcOffsetMinutes);
}

/** `NOM:0x....`, the source code each reading carries; built once per physiological id (a few dozen on a ward). */
const NOM_CODES = new Map<number, string>();
function nomCode(physioId: number): string {
  let c = NOM_CODES.get(physioId);
  if (c === undefined) {
    c = `NOM:0x${physioId.toString(16).padStart(4, '0')}`;
    if (NOM_CODES.size < 4096) NOM_CODES.set(physioId, c);
  }
  return c;
}

function toReading(r: ByteReader, labelTextId: number | undefined, ts: number | undefined, seq: number | undefined, out: PollDecodeOutput): void {
  const physioId = r.u16();
  const state = r.u16();
  const unitCode = r.u16();
  const raw = r.u32();
  const map = mapPhysioId(physioId, labelTextId);
  const fv = decodeFloatType(raw);
  const verdict = assessMeasurementState(state);
  if (fv.kind !== 'number' || !verdict.emit) {
    out.skipped++;
    return;
  }
  if (!map) {
    // Not dropped: an id the table does not map (or a settings object's) comes through as unmapped, if a measurement.
    if (labelTextId !== undefined && labelTextId >>> 16 === NOM_PART_SETTINGS) {
      out.skipped++;
      return;
    }
    const u: UnmappedReading = { code: nomCode(physioId), value: fv.value, unit: UNIT_UCUM.get(unitCode) ?? `NOM_DIM:0x${unitCode.toString(16)}` };
    if (labelTextId !== undefined) u.label = `0x${labelTextId.toString(16).padStart(8, '0')}`;
    if (ts !== undefined) u.sourceTs = ts;
    out.unmapped.push(u);
    return;
  }
  const canon = toCanonical(map.param, unitCode, fv.value);
  if (!canon) {
    out.skipped++;
    return;
  }
  const reading: Reading = { param: map.param, value: canon.value, unit: canon.unit, code: nomCode(physioId) };
  if (map.channel !== undefined) reading.channel = map.channel;
  if (ts !== undefined) reading.sourceTs = ts;
  if (seq !== undefined) reading.sourceSeq = seq;
  let flags = verdict.flags.length > 0 ? [...verdict.flags] : undefined;
  if (!isPlausible(map.param, canon.value)) (flags ??= []).push('out-of-range');
  if (flags) reading.flags = flags;
  out.readings.push(reading);
}

/** Decodes one poll result frame on its own (linked frames each carry a full reply header). Never throws. */
export function decodePollResult(poll: PollResult, ctx: PollDecodeContext): PollDecodeOutput {
  const out: PollDecodeOutput = { readings: [], unmapped: [], deviceAlarms: [], skipped: 0, errors: [] };
  for (const c of poll.contexts) {
    for (const o of c.observations) {
      try {
        const label = o.attributes.find((a) => a.id === ATTR.ID_LABEL);
        if (label && label.value.length >= 4) ctx.labels.set(o.handle, u32(label.value));
        const labelTextId = ctx.labels.get(o.handle);
        const ts = objectTime(o.attributes, poll, ctx);
        for (const a of o.attributes) {
          if (a.id === ATTR.NU_VAL_OBS) {
            if (a.value.length < NU_OBS_LEN) throw new ShortInput('NU_VAL_OBS shorter than 10 bytes');
            toReading(new ByteReader(a.value), labelTextId, ts, poll.sequenceNo, out);
          } else if (a.id === ATTR.NU_CMPD_VAL_OBS) {
            const r = new ByteReader(a.value);
            const count = r.u16();
            const s = r.sub(r.u16());
            for (let i = 0; i < count; i++) toReading(s.sub(NU_OBS_LEN), labelTextId, ts, poll.sequenceNo, out);
          } else if (a.id === ATTR.AL_MON_P_AL_LIST) {
            out.deviceAlarms.push(...readAlarmList(a.value, 'physiological', ts));
          } else if (a.id === ATTR.AL_MON_T_AL_LIST) {
            out.deviceAlarms.push(...readAlarmList(a.value, 'technical', ts));
          }
        }
      } catch (e) {
        out.errors.push(`object ${o.handle}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  return out;
}
