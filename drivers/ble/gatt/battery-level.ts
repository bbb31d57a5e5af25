/**
 * Battery Level, characteristic 0x2A19 (Battery Service 0x180F).
 * Source: Bluetooth SIG GATT Specification Supplement, "Battery Level": uint8, percent, 0..100; 101..255 reserved.
 * The low-battery threshold is ours (configurable, default 20 %), not the SIG's.
 */
import type { DecodeResult } from '../../core/observation.js';
import { FrameReader, parseSafely, type Parsed } from './frame-reader.js';
import { condition } from './decoded-items.js';

export const DEFAULT_LOW_BATTERY_PCT = 20;

export function parseBatteryLevel(bytes: Uint8Array): Parsed<{ levelPct: number }> {
  return parseSafely(() => {
    const levelPct = new FrameReader(bytes).u8('battery level');
    if (levelPct > 100) throw new Error(`battery level ${levelPct} is in the reserved range 101..255`);
    return { levelPct };
  });
}

/** Low battery (level below `lowThresholdPct`) is a technical condition; a level at or above it clears it. */
export function decodeBatteryLevel(bytes: Uint8Array, lowThresholdPct: number = DEFAULT_LOW_BATTERY_PCT): DecodeResult {
  const p = parseBatteryLevel(bytes);
  if (!p.ok) return { items: [], error: `2a19: ${p.error}` };
  const { levelPct } = p.frame;
  return { items: [condition({ condition: 'low-battery', active: levelPct < lowThresholdPct, detail: `battery ${levelPct} %` })] };
}
