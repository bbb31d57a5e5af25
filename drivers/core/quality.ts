import type { QualityFlag } from './observation.js';

/** What one quality flag means for the gateway. */
export interface QualityInfo {
  /** true: the value is shown (greyed, with `reason`) and stored, but never scored, alarmed on or sent upstream as a vital. */
  blocksScoring: boolean;
  /** Why, in words the screen shows beside the value. */
  reason: string;
}

/**
 * The one table of which quality flags keep a value out of the rules, for every codec that carries a measurement
 * status (HL7 OBX-8/OBX-11, IntelliVue MeasurementState, Masimo exception bits, Bluetooth PLX Measurement Status).
 * The statuses are those of ISO/IEEE 11073-10201 MeasurementStatus as the HL7 PoCD implementation guide's
 * "measurement-status" code system lists them: invalid, questionable, calibration-ongoing, test-data, demo-data
 * (not scored), and in-alarm (the device's own judgement: information, still scored).
 */
export const QUALITY_FLAGS: Readonly<Record<QualityFlag, QualityInfo>> = {
  invalid: { blocksScoring: true, reason: 'invalid' },
  demo: { blocksScoring: true, reason: 'demo data' },
  test: { blocksScoring: true, reason: 'test data' },
  calibration: { blocksScoring: true, reason: 'calibrating' },
  // Shown marked; neither raises nor clears an alarm (the standing alarm keeps its last scored value).
  questionable: { blocksScoring: true, reason: 'questionable' },
  'out-of-range': { blocksScoring: true, reason: 'out of range' },
  'low-perfusion': { blocksScoring: false, reason: 'low perfusion' },
  interference: { blocksScoring: false, reason: 'interference' },
  'clock-unsynced': { blocksScoring: false, reason: 'gateway clock not synchronised' },
  'device-alarm': { blocksScoring: false, reason: 'device: abnormal' },
  // A code the parameter table does not map: stored, shown and synced as sent, never given to the rules.
  unmapped: { blocksScoring: true, reason: 'unmapped code' },
};

/** Whether a value with these flags may be scored and alarmed on. */
export function isScorable(flags: readonly QualityFlag[]): boolean {
  for (const f of flags) if (QUALITY_FLAGS[f]?.blocksScoring) return false;
  return true;
}

/** The reason a value is not scored, for the screen; undefined when it is scorable. */
export function unscoredReason(flags: readonly QualityFlag[]): string | undefined {
  if (flags.length === 0 || isScorable(flags)) return undefined; // the hot path: no allocation
  const r = flags.filter((f) => QUALITY_FLAGS[f]?.blocksScoring).map((f) => QUALITY_FLAGS[f].reason);
  return r.length ? r.join(', ') : undefined;
}
