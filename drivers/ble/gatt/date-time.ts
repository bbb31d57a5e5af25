import type { FrameReader } from './frame-reader.js';

/**
 * GATT "Date Time" (characteristic 0x2A08, GATT Specification Supplement, characteristic "Date Time"):
 * year uint16 (1582..9999, 0 = not known), month uint8 (1..12, 0 = not known), day uint8 (1..31, 0 = not known),
 * hours 0..23, minutes 0..59, seconds 0..59. Seven octets. Used as the Time Stamp field of 0x2A1C, 0x2A35 and 0x2A5E.
 */
export interface GattDateTime {
  year: number;
  month: number;
  day: number;
  hours: number;
  minutes: number;
  seconds: number;
}

export function readDateTime(r: FrameReader, field: string): GattDateTime {
  return {
    year: r.u16(`${field}.year`),
    month: r.u8(`${field}.month`),
    day: r.u8(`${field}.day`),
    hours: r.u8(`${field}.hours`),
    minutes: r.u8(`${field}.minutes`),
    seconds: r.u8(`${field}.seconds`),
  };
}

/**
 * Epoch ms of a Date Time, or undefined when any date part is "not known" (0) or out of range.
 * The field carries no time zone; it is read as UTC (devices on the ward are set to UTC, see docs/ble.md).
 */
export function dateTimeToEpochMs(dt: GattDateTime): number | undefined {
  const { year, month, day, hours, minutes, seconds } = dt;
  if (year < 1582 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hours, minutes, seconds);
  // Reject 31 February and the like rather than letting Date roll it over.
  const back = new Date(ms);
  if (back.getUTCDate() !== day || back.getUTCMonth() !== month - 1) return undefined;
  return ms;
}
