/**
 * Registry of the GATT health codecs and the UUIDs the BLE driver needs.
 * UUIDs: Bluetooth SIG Assigned Numbers, section 3.4 (GATT services) and 3.8 (characteristics);
 * 16-bit UUIDs expand onto the Bluetooth Base UUID 00000000-0000-1000-8000-00805F9B34FB
 * (Core Specification v5.4, Vol 3, Part B, 2.5.1). BlueZ exposes them in lowercase.
 */
import type { DecodeResult } from '../../core/observation.js';
import { decodeHeartRateMeasurement } from './heart-rate-measurement.js';
import { decodePlxContinuous } from './plx-continuous.js';
import { decodePlxSpotCheck } from './plx-spot-check.js';
import { decodeTemperatureMeasurement } from './temperature-measurement.js';
import { decodeBloodPressureMeasurement } from './blood-pressure-measurement.js';
import { decodeBatteryLevel } from './battery-level.js';

export type GattCodecId = '2a37' | '2a5f' | '2a5e' | '2a1c' | '2a35' | '2a19';

export const GATT_CODECS: Record<GattCodecId, (b: Uint8Array) => DecodeResult> = {
  '2a37': decodeHeartRateMeasurement,
  '2a5f': decodePlxContinuous,
  '2a5e': decodePlxSpotCheck,
  '2a1c': decodeTemperatureMeasurement,
  '2a35': decodeBloodPressureMeasurement,
  '2a19': (b) => decodeBatteryLevel(b),
};

export function isGattCodecId(id: string): id is GattCodecId {
  return Object.prototype.hasOwnProperty.call(GATT_CODECS, id);
}

export const SERVICE_UUID16 = {
  heartRate: 0x180d,
  pulseOximeter: 0x1822,
  healthThermometer: 0x1809,
  bloodPressure: 0x1810,
  battery: 0x180f,
} as const;

export const CHARACTERISTIC_UUID16 = {
  heartRateMeasurement: 0x2a37,
  plxSpotCheckMeasurement: 0x2a5e,
  plxContinuousMeasurement: 0x2a5f,
  temperatureMeasurement: 0x2a1c,
  bloodPressureMeasurement: 0x2a35,
  batteryLevel: 0x2a19,
} as const;

/** 16-bit SIG UUID (number or hex string such as '2a37' / '0x2A37') -> 128-bit lowercase form. */
export function uuid128(short: number | string): string {
  const n = typeof short === 'number' ? short : Number.parseInt(short.replace(/^0x/i, ''), 16);
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`not a 16-bit UUID: ${String(short)}`);
  return `0000${n.toString(16).padStart(4, '0')}-0000-1000-8000-00805f9b34fb`;
}

export { decodeHeartRateMeasurement, parseHeartRateMeasurement } from './heart-rate-measurement.js';
export { decodePlxContinuous, parsePlxContinuous } from './plx-continuous.js';
export { decodePlxSpotCheck, parsePlxSpotCheck } from './plx-spot-check.js';
export { decodeTemperatureMeasurement, parseTemperatureMeasurement } from './temperature-measurement.js';
export { decodeBloodPressureMeasurement, parseBloodPressureMeasurement } from './blood-pressure-measurement.js';
export { decodeBatteryLevel, parseBatteryLevel, DEFAULT_LOW_BATTERY_PCT } from './battery-level.js';
