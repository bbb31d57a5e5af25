/**
 * PLX Spot-Check Measurement, characteristic 0x2A5E (Pulse Oximeter Service 0x1822).
 * Source: Bluetooth SIG GATT Specification Supplement, "PLX Spot-Check Measurement"; Pulse Oximeter Service v1.0.1.
 *
 * Flags (uint8) — NOT the same layout as 0x2A5F:
 *   bit 0 Timestamp present (Date Time, 7 octets)
 *   bit 1 Measurement Status present (uint16)
 *   bit 2 Device and Sensor Status present (uint24)
 *   bit 3 Pulse Amplitude Index present (SFLOAT, %)
 *   bit 4 Device Clock is Not Set (the timestamp is not trusted)
 * Fields in order: SpO2 (SFLOAT, %), PR (SFLOAT, /min), then the optional fields in flag order.
 */
import type { DecodeResult, Decoded } from '../../core/observation.js';
import type { MedFloat } from '../ieee11073-float.js';
import { FrameReader, parseSafely, type Parsed } from './frame-reader.js';
import { dateTimeToEpochMs, readDateTime, type GattDateTime } from './date-time.js';
import { SpecialValues, reading, withFlags } from './decoded-items.js';
import { deviceSensorConditions, measurementStatusFlags, measurementStatusInvalid } from './plx-status.js';

export interface PlxSpotCheckFrame {
  spo2: MedFloat;
  pulseRate: MedFloat;
  timestamp: GattDateTime | undefined;
  deviceClockNotSet: boolean;
  measurementStatus: number | undefined;
  deviceAndSensorStatus: number | undefined;
  pulseAmplitudeIndex: MedFloat | undefined;
}

export function parsePlxSpotCheck(bytes: Uint8Array): Parsed<PlxSpotCheckFrame> {
  return parseSafely(() => {
    const r = new FrameReader(bytes);
    const flags = r.u8('flags');
    const spo2 = r.sfloat('SpO2');
    const pulseRate = r.sfloat('PR');
    const timestamp = flags & 0x01 ? readDateTime(r, 'timestamp') : undefined;
    const measurementStatus = flags & 0x02 ? r.u16('measurement status') : undefined;
    const deviceAndSensorStatus = flags & 0x04 ? r.u24('device and sensor status') : undefined;
    const pulseAmplitudeIndex = flags & 0x08 ? r.sfloat('pulse amplitude index') : undefined;
    return { spo2, pulseRate, timestamp, deviceClockNotSet: (flags & 0x10) !== 0, measurementStatus, deviceAndSensorStatus, pulseAmplitudeIndex };
  });
}

export function decodePlxSpotCheck(bytes: Uint8Array): DecodeResult {
  const p = parsePlxSpotCheck(bytes);
  if (!p.ok) return { items: [], error: `2a5e: ${p.error}` };
  const f = p.frame;
  const sourceTs = f.timestamp && !f.deviceClockNotSet ? dateTimeToEpochMs(f.timestamp) : undefined;
  const ts = sourceTs !== undefined ? { sourceTs } : {};
  const flags = withFlags(measurementStatusFlags(f.measurementStatus, f.deviceAndSensorStatus));
  const extra = { ...ts, ...flags }; // once per frame: reading() copies from it
  const specials = new SpecialValues();
  const items: Decoded[] = [];
  const spo2 = specials.value('spo2', f.spo2);
  if (spo2 !== undefined) items.push(reading('spo2', spo2, extra));
  const pr = specials.value('pr', f.pulseRate);
  if (pr !== undefined) items.push(reading('pr', pr, extra));
  if (f.pulseAmplitudeIndex) {
    const pi = specials.value('pi', f.pulseAmplitudeIndex);
    if (pi !== undefined) items.push(reading('pi', pi, extra));
  }
  items.push(specials.report(sourceTs, measurementStatusInvalid(f.measurementStatus)));
  items.push(...deviceSensorConditions(f.deviceAndSensorStatus, sourceTs));
  return { items };
}
