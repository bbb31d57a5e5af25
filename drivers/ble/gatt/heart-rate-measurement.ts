/**
 * Heart Rate Measurement, characteristic 0x2A37 (Heart Rate Service 0x180D).
 * Source: Bluetooth SIG GATT Specification Supplement, "Heart Rate Measurement" (the layout formerly published as
 * org.bluetooth.characteristic.heart_rate_measurement), and Heart Rate Service v1.0, section 3.1.
 *
 * Flags (uint8):
 *   bit 0    Heart Rate Value Format: 0 = uint8, 1 = uint16 (beats per minute)
 *   bits 1-2 Sensor Contact Status: 0/1 = feature not supported, 2 = supported but contact not detected,
 *            3 = supported and contact detected
 *   bit 3    Energy Expended present (uint16, kJ)
 *   bit 4    RR-Interval present (one or more uint16, unit 1/1024 s, oldest first)
 *   bits 5-7 reserved
 */
import type { DecodeResult, Decoded } from '../../core/observation.js';
import { FrameReader, parseSafely, type Parsed } from './frame-reader.js';
import { condition, reading } from './decoded-items.js';

export interface HeartRateFrame {
  heartRate: number;
  /** undefined when the sensor does not support contact detection. */
  contactDetected: boolean | undefined;
  energyExpendedKj: number | undefined;
  /** RR intervals as sent, in units of 1/1024 s. */
  rrIntervalsRaw: number[];
  /** RR intervals in seconds. */
  rrIntervalsS: number[];
}

export function parseHeartRateMeasurement(bytes: Uint8Array): Parsed<HeartRateFrame> {
  return parseSafely(() => {
    const r = new FrameReader(bytes);
    const flags = r.u8('flags');
    const heartRate = flags & 0x01 ? r.u16('heart rate (uint16)') : r.u8('heart rate (uint8)');
    const contactBits = (flags >> 1) & 0x03;
    const contactDetected = contactBits === 3 ? true : contactBits === 2 ? false : undefined;
    const energyExpendedKj = flags & 0x08 ? r.u16('energy expended') : undefined;
    const rrIntervalsRaw: number[] = [];
    if (flags & 0x10) {
      if (r.remaining < 2) r.u16('RR-interval');
      while (r.remaining >= 2) rrIntervalsRaw.push(r.u16('RR-interval'));
      if (r.remaining !== 0) throw new Error('RR-interval field has an odd trailing byte');
    }
    return { heartRate, contactDetected, energyExpendedKj, rrIntervalsRaw, rrIntervalsS: rrIntervalsRaw.map((v) => v / 1024) };
  });
}

export function decodeHeartRateMeasurement(bytes: Uint8Array): DecodeResult {
  const p = parseHeartRateMeasurement(bytes);
  if (!p.ok) return { items: [], error: `2a37: ${p.error}` };
  const f = p.frame;
  const items: Decoded[] = [];
  // A value sent while the strap reports no skin contact is not a heart rate: kept for display, never scored.
  items.push(reading('hr', f.heartRate, f.contactDetected === false ? { flags: ['invalid'] } : {}));
  if (f.contactDetected !== undefined) {
    items.push(condition({ condition: 'no-contact', active: !f.contactDetected, ...(f.contactDetected ? {} : { detail: 'sensor contact not detected' }) }));
  }
  return { items };
}
