import type { QualityFlag } from '../../core/observation.js';

/**
 * MeasurementState (u16 bit field) [ML Models/MeasurementState.cs; OI data/MeasurementState.java].
 * The high byte invalidates a value (OI: valid when (state & 0xFF00) == 0 [OI MeasurementState.isValid]); the low
 * byte carries alarm-related flags that do not.
 */
export const MS = {
  INVALID: 0x8000,
  QUESTIONABLE: 0x4000,
  UNAVAILABLE: 0x2000,
  CALIBRATION_ONGOING: 0x1000,
  TEST_DATA: 0x0800,
  DEMO_DATA: 0x0400,
  VALIDATED_DATA: 0x0080,
  EARLY_INDICATION: 0x0040,
  MSMT_ONGOING: 0x0020,
  MSMT_STATE_IN_ALARM: 0x0002,
  MSMT_STATE_AL_INHIBITED: 0x0001,
} as const;

export interface StateVerdict {
  /** false: the value carries no usable number (unavailable: "signal does not permit derivation" [OI]). */
  emit: boolean;
  /** Quality flags for the reading; invalid/calibration/questionable/demo/test keep it out of scoring. */
  flags: QualityFlag[];
  /** true only when no high-byte bit is set: the value may be scored. */
  scorable: boolean;
}

/** Maps a MeasurementState to what the gateway does with the value. */
export function assessMeasurementState(state: number): StateVerdict {
  const s = state & 0xffff;
  const flags: QualityFlag[] = [];
  // Which flags block scoring: drivers/core/quality.ts.
  if (s & MS.INVALID) flags.push('invalid');
  if (s & MS.CALIBRATION_ONGOING) flags.push('calibration');
  if (s & MS.QUESTIONABLE) flags.push('questionable');
  if (s & MS.DEMO_DATA) flags.push('demo');
  if (s & MS.TEST_DATA) flags.push('test');
  // Any other high-byte bit we do not know also invalidates (OI rule: valid iff high byte is zero).
  if (s & 0xff00 && flags.length === 0 && !(s & MS.UNAVAILABLE)) flags.push('invalid');
  if (s & MS.MSMT_STATE_IN_ALARM) flags.push('device-alarm');
  return { emit: (s & MS.UNAVAILABLE) === 0, flags, scorable: (s & 0xff00) === 0 };
}
