/**
 * Blood Pressure Measurement, characteristic 0x2A35 (Blood Pressure Service 0x1810).
 * Source: Bluetooth SIG GATT Specification Supplement, "Blood Pressure Measurement"; Blood Pressure Service v1.1.1.
 *
 * Flags (uint8):
 *   bit 0 Units: 0 = mmHg, 1 = kPa (applies to systolic, diastolic, MAP)
 *   bit 1 Time Stamp present (Date Time, 7 octets; year 0 = not known)
 *   bit 2 Pulse Rate present (SFLOAT, /min)
 *   bit 3 User ID present (uint8; 255 = unknown user)
 *   bit 4 Measurement Status present (uint16)
 * Fields: Systolic, Diastolic, Mean Arterial Pressure (SFLOAT each), then the optional fields in flag order.
 * Measurement Status: bit 0 body movement detected, bit 1 cuff too loose, bit 2 irregular pulse detected,
 * bits 3-4 pulse rate range (0 in range, 1 above upper limit, 2 below lower limit), bit 5 improper measurement
 * position; bits 6-15 reserved.
 *
 * kPa -> mm[Hg]: 1 mmHg = 133.322387415 Pa (conventional millimetre of mercury; NIST SP 811, Appendix B.8,
 * factor 1.333 224 E+02). Pressures are normalised before anything scores them.
 */
import type { DecodeResult, Decoded, QualityFlag } from '../../core/observation.js';
import type { MedFloat } from '../ieee11073-float.js';
import { FrameReader, parseSafely, type Parsed } from './frame-reader.js';
import { dateTimeToEpochMs, readDateTime, type GattDateTime } from './date-time.js';
import { SpecialValues, condition, reading, withFlags } from './decoded-items.js';

export const PA_PER_MMHG = 133.322387415;

export interface BloodPressureStatus {
  bodyMovement: boolean;
  cuffTooLoose: boolean;
  irregularPulse: boolean;
  pulseRateRange: 'in-range' | 'above-upper-limit' | 'below-lower-limit' | 'reserved';
  improperPosition: boolean;
  raw: number;
}

export interface BloodPressureFrame {
  unit: 'mm[Hg]' | 'kPa';
  systolic: MedFloat;
  diastolic: MedFloat;
  meanArterial: MedFloat;
  timestamp: GattDateTime | undefined;
  pulseRate: MedFloat | undefined;
  /** 255 means unknown user. */
  userId: number | undefined;
  status: BloodPressureStatus | undefined;
}

const RANGES = ['in-range', 'above-upper-limit', 'below-lower-limit', 'reserved'] as const;

function readStatus(raw: number): BloodPressureStatus {
  return {
    bodyMovement: (raw & 0x01) !== 0,
    cuffTooLoose: (raw & 0x02) !== 0,
    irregularPulse: (raw & 0x04) !== 0,
    pulseRateRange: RANGES[(raw >> 3) & 0x03] ?? 'reserved',
    improperPosition: (raw & 0x20) !== 0,
    raw,
  };
}

export function parseBloodPressureMeasurement(bytes: Uint8Array): Parsed<BloodPressureFrame> {
  return parseSafely(() => {
    const r = new FrameReader(bytes);
    const flags = r.u8('flags');
    const systolic = r.sfloat('systolic');
    const diastolic = r.sfloat('diastolic');
    const meanArterial = r.sfloat('mean arterial pressure');
    const timestamp = flags & 0x02 ? readDateTime(r, 'time stamp') : undefined;
    const pulseRate = flags & 0x04 ? r.sfloat('pulse rate') : undefined;
    const userId = flags & 0x08 ? r.u8('user id') : undefined;
    const status = flags & 0x10 ? readStatus(r.u16('measurement status')) : undefined;
    return { unit: flags & 0x01 ? 'kPa' : 'mm[Hg]', systolic, diastolic, meanArterial, timestamp, pulseRate, userId, status };
  });
}

/** kPa -> mm[Hg], rounded to 0.1 mm[Hg] (finer than the 0.75 mm[Hg] step of a 0.1 kPa reading). */
export function kpaToMmHg(kpa: number): number {
  return Math.round(((kpa * 1000) / PA_PER_MMHG) * 10) / 10;
}

export function decodeBloodPressureMeasurement(bytes: Uint8Array): DecodeResult {
  const p = parseBloodPressureMeasurement(bytes);
  if (!p.ok) return { items: [], error: `2a35: ${p.error}` };
  const f = p.frame;
  const sourceTs = f.timestamp ? dateTimeToEpochMs(f.timestamp) : undefined;
  const ts = sourceTs !== undefined ? { sourceTs } : {};
  const s = f.status;
  // The cuff itself says the conditions were improper: shown, not scored.
  const q: QualityFlag[] = s && (s.bodyMovement || s.cuffTooLoose || s.improperPosition) ? ['questionable'] : [];
  const flags = withFlags(q);
  const kpa = f.unit === 'kPa';
  const extra = { ...ts, ...flags }; // once per frame: reading() copies from it
  const specials = new SpecialValues();
  const items: Decoded[] = [];
  const pressures: Array<['sbp' | 'dbp' | 'map', MedFloat]> = [
    ['sbp', f.systolic],
    ['dbp', f.diastolic],
    ['map', f.meanArterial],
  ];
  for (const [param, mf] of pressures) {
    const v = specials.value(param, mf);
    if (v !== undefined) items.push(reading(param, kpa ? kpaToMmHg(v) : v, extra));
  }
  if (f.pulseRate) {
    const pr = specials.value('pr', f.pulseRate);
    if (pr !== undefined) items.push(reading('pr', pr, extra));
  }
  items.push(specials.report(sourceTs));
  if (s) {
    const at = sourceTs !== undefined ? { sourceTs } : {};
    items.push(condition({ condition: 'body-movement', active: s.bodyMovement, ...at }));
    items.push(condition({ condition: 'cuff-fit', active: s.cuffTooLoose, ...(s.cuffTooLoose ? { detail: 'cuff too loose' } : {}), ...at }));
    items.push(condition({ condition: 'irregular-pulse', active: s.irregularPulse, ...at }));
  }
  return { items };
}
