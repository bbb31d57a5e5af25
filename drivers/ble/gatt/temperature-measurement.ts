/**
 * Temperature Measurement, characteristic 0x2A1C (Health Thermometer Service 0x1809).
 * Source: Bluetooth SIG GATT Specification Supplement, "Temperature Measurement" and "Temperature Type" (0x2A1D);
 * Health Thermometer Service v1.0, section 3.1.
 *
 * Flags (uint8):
 *   bit 0 Temperature Units: 0 = Celsius, 1 = Fahrenheit
 *   bit 1 Time Stamp present (Date Time, 7 octets)
 *   bit 2 Temperature Type present (uint8)
 * Fields: Temperature Measurement Value (IEEE 11073 FLOAT, 32-bit), Time Stamp, Temperature Type.
 * Temperature Type values: 1 armpit, 2 body (general), 3 ear (usually earlobe), 4 finger, 5 gastro-intestinal
 * tract, 6 mouth, 7 rectum, 8 toe, 9 tympanum (ear drum); 0 and 10..255 reserved.
 */
import type { DecodeResult, Decoded, Reading } from '../../core/observation.js';
import { isCoreSite, type TemperatureSite } from '../../core/temperature-site.js';
import type { MedFloat } from '../ieee11073-float.js';
import { FrameReader, parseSafely, type Parsed } from './frame-reader.js';
import { dateTimeToEpochMs, readDateTime, type GattDateTime } from './date-time.js';
import { SpecialValues, reading } from './decoded-items.js';

export const TEMPERATURE_TYPES: Readonly<Record<number, string>> = {
  1: 'armpit',
  2: 'body',
  3: 'ear',
  4: 'finger',
  5: 'gastro-intestinal',
  6: 'mouth',
  7: 'rectum',
  8: 'toe',
  9: 'tympanum',
};

/** Temperature Type to the gateway's site (temperature-site.ts): "ear" is the earlobe, a peripheral site. */
export const TEMPERATURE_TYPE_SITES: Readonly<Record<number, TemperatureSite>> = {
  1: 'axillary',
  2: 'body',
  3: 'earlobe',
  4: 'finger',
  5: 'gastro-intestinal',
  6: 'oral',
  7: 'rectal',
  8: 'toe',
  9: 'tympanic',
};

export interface TemperatureFrame {
  temperature: MedFloat;
  unit: 'Cel' | '[degF]';
  timestamp: GattDateTime | undefined;
  temperatureType: number | undefined;
}

export function parseTemperatureMeasurement(bytes: Uint8Array): Parsed<TemperatureFrame> {
  return parseSafely(() => {
    const r = new FrameReader(bytes);
    const flags = r.u8('flags');
    const temperature = r.float('temperature');
    const timestamp = flags & 0x02 ? readDateTime(r, 'time stamp') : undefined;
    const temperatureType = flags & 0x04 ? r.u8('temperature type') : undefined;
    return { temperature, unit: flags & 0x01 ? '[degF]' : 'Cel', timestamp, temperatureType };
  });
}

/**
 * degF -> Cel, (F - 32) * 5 / 9, rounded to one decimal more than the device sent so that 98.6 degF gives 37
 * and not 36.99999999999999.
 */
export function fahrenheitToCelsius(f: number, exponent: number): number {
  const decimals = Math.min(6, Math.max(0, -exponent) + 1);
  const c = ((f - 32) * 5) / 9;
  const k = 10 ** decimals;
  return Math.round(c * k) / k;
}

export function decodeTemperatureMeasurement(bytes: Uint8Array): DecodeResult {
  const p = parseTemperatureMeasurement(bytes);
  if (!p.ok) return { items: [], error: `2a1c: ${p.error}` };
  const f = p.frame;
  const sourceTs = f.timestamp ? dateTimeToEpochMs(f.timestamp) : undefined;
  const channel = f.temperatureType !== undefined ? (TEMPERATURE_TYPES[f.temperatureType] ?? `type-${f.temperatureType}`) : undefined;
  const specials = new SpecialValues();
  const items: Decoded[] = [];
  const v = specials.value('temp', f.temperature);
  if (v !== undefined && f.temperature.ok) {
    const cel = f.unit === 'Cel' ? v : fahrenheitToCelsius(v, f.temperature.exponent);
    const site = f.temperatureType !== undefined ? TEMPERATURE_TYPE_SITES[f.temperatureType] : undefined;
    const param = site !== undefined && !isCoreSite(site) ? 'tskin' : 'temp';
    const extra: Omit<Reading, 'param' | 'value' | 'unit'> = {};
    if (channel) extra.channel = channel;
    if (site) extra.site = site;
    if (sourceTs !== undefined) extra.sourceTs = sourceTs;
    items.push(reading(param, cel, extra));
  }
  items.push(specials.report(sourceTs));
  return { items };
}
