/**
 * PLX Continuous Measurement, characteristic 0x2A5F (Pulse Oximeter Service 0x1822).
 * Source: Bluetooth SIG GATT Specification Supplement, "PLX Continuous Measurement"; Pulse Oximeter Service v1.0.1.
 *
 * Flags (uint8) — NOT the same layout as 0x2A5E (no timestamp here):
 *   bit 0 SpO2PR-Fast present (SpO2 SFLOAT + PR SFLOAT)
 *   bit 1 SpO2PR-Slow present (SpO2 SFLOAT + PR SFLOAT)
 *   bit 2 Measurement Status present (uint16)
 *   bit 3 Device and Sensor Status present (uint24)
 *   bit 4 Pulse Amplitude Index present (SFLOAT, %)
 * Fields in order: SpO2PR-Normal (SpO2, PR; mandatory), then the optional fields in flag order.
 * Normal values become unchannelled readings; fast and slow ones carry channel 'fast' / 'slow'.
 */
import type { DecodeResult, Decoded } from '../../core/observation.js';
import type { MedFloat } from '../ieee11073-float.js';
import { FrameReader, parseSafely, type Parsed } from './frame-reader.js';
import { SpecialValues, reading, withFlags } from './decoded-items.js';
import { deviceSensorConditions, measurementStatusFlags, measurementStatusInvalid } from './plx-status.js';

export interface SpO2Pr {
  spo2: MedFloat;
  pulseRate: MedFloat;
}

export interface PlxContinuousFrame {
  normal: SpO2Pr;
  fast: SpO2Pr | undefined;
  slow: SpO2Pr | undefined;
  measurementStatus: number | undefined;
  deviceAndSensorStatus: number | undefined;
  pulseAmplitudeIndex: MedFloat | undefined;
}

function readPair(r: FrameReader, name: string): SpO2Pr {
  return { spo2: r.sfloat(`${name} SpO2`), pulseRate: r.sfloat(`${name} PR`) };
}

export function parsePlxContinuous(bytes: Uint8Array): Parsed<PlxContinuousFrame> {
  return parseSafely(() => {
    const r = new FrameReader(bytes);
    const flags = r.u8('flags');
    const normal = readPair(r, 'SpO2PR-Normal');
    const fast = flags & 0x01 ? readPair(r, 'SpO2PR-Fast') : undefined;
    const slow = flags & 0x02 ? readPair(r, 'SpO2PR-Slow') : undefined;
    const measurementStatus = flags & 0x04 ? r.u16('measurement status') : undefined;
    const deviceAndSensorStatus = flags & 0x08 ? r.u24('device and sensor status') : undefined;
    const pulseAmplitudeIndex = flags & 0x10 ? r.sfloat('pulse amplitude index') : undefined;
    return { normal, fast, slow, measurementStatus, deviceAndSensorStatus, pulseAmplitudeIndex };
  });
}

export function decodePlxContinuous(bytes: Uint8Array): DecodeResult {
  const p = parsePlxContinuous(bytes);
  if (!p.ok) return { items: [], error: `2a5f: ${p.error}` };
  const f = p.frame;
  const flags = withFlags(measurementStatusFlags(f.measurementStatus, f.deviceAndSensorStatus));
  const specials = new SpecialValues();
  const items: Decoded[] = [];
  const pairs: Array<[SpO2Pr | undefined, string | undefined]> = [
    [f.normal, undefined],
    [f.fast, 'fast'],
    [f.slow, 'slow'],
  ];
  for (const [pair, channel] of pairs) {
    if (!pair) continue;
    const extra = channel ? { channel, ...flags } : flags; // once per pair: reading() copies from it
    const suffix = channel ? `.${channel}` : '';
    const spo2 = specials.value(`spo2${suffix}`, pair.spo2);
    if (spo2 !== undefined) items.push(reading('spo2', spo2, extra));
    const pr = specials.value(`pr${suffix}`, pair.pulseRate);
    if (pr !== undefined) items.push(reading('pr', pr, extra));
  }
  if (f.pulseAmplitudeIndex) {
    const pi = specials.value('pi', f.pulseAmplitudeIndex);
    if (pi !== undefined) items.push(reading('pi', pi, flags));
  }
  items.push(specials.report(undefined, measurementStatusInvalid(f.measurementStatus)));
  items.push(...deviceSensorConditions(f.deviceAndSensorStatus));
  return { items };
}
