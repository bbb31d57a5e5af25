import type { QualityFlag } from '../../core/observation.js';

/**
 * OBX-8 (Abnormal Flags, HL7 v2.x table 0078) and OBX-11 (Observation Result Status, table 0085) as IHE PCD-01
 * devices use them.
 *
 * Sources: IHE PCD Technical Framework vol. 2 (PCD TF-2, Rev. 8.0, 2018), section 3.1 Communicate PCD Data
 * [PCD-01] and the OBX segment of its Appendix B: OBX-8 "Abnormal Flags" (a device puts its ISO/IEEE 11073-10201
 * MeasurementStatus there, with OBX-11 `R`) and the IHE PCD "Null Flavors in PCD" table (OBX-8 for a missing
 * value); the HL7 PoCD implementation guide's measurement-status code system (its v2 mapping); HL7 v2.5 ch. 7,
 * OBX segment 7.4.2: OBX-8 7.4.2.8 (table 0078), OBX-11 7.4.2.11 (table 0085). Which flags block scoring:
 * drivers/core/quality.ts.
 */

/** Measurement status and null flavours in OBX-8: the value is not a clinical measurement to act on. */
const STATUS: Readonly<Record<string, QualityFlag>> = {
  DEMO: 'demo',
  TEST: 'test',
  CAL: 'calibration',
  QUES: 'questionable',
  INV: 'invalid',
  // Null flavours: no usable value (no information, not applicable, not available, switched off, masked, other,
  // not a number, +/- infinity, unknown, asked but unknown).
  NI: 'invalid',
  NA: 'invalid',
  NAV: 'invalid',
  OFF: 'invalid',
  MSK: 'invalid',
  OTH: 'invalid',
  NAN: 'invalid',
  PINF: 'invalid',
  NINF: 'invalid',
  UNK: 'invalid',
  ASKU: 'invalid',
};

/**
 * Table 0078 abnormal flags (H, L, HH, LL, A, AA, <, >, ...): the device's own judgement, kept as information
 * (`device-alarm`) and still scored. `N` (normal) and an empty repetition say nothing.
 */
export function obx8Flags(repetitions: readonly string[]): QualityFlag[] {
  const flags: QualityFlag[] = [];
  for (const raw of repetitions) {
    const f = raw.trim().toUpperCase();
    if (f === '' || f === 'N') continue;
    const q = STATUS[f] ?? 'device-alarm';
    if (!flags.includes(q)) flags.push(q);
  }
  return flags;
}

/**
 * OBX-11: `F` final, `C` corrected, `R` results entered not verified (PCD-01 live data) and empty are results;
 * `X` (no result could be obtained) is kept only as an invalid value, to be shown greyed; `D` (deleted) and every
 * other status (P, W, I, N, S, U) yield no reading.
 */
export function obx11Verdict(status: string): Obx11Verdict {
  switch (status.trim().toUpperCase()) {
    case 'F':
    case 'C':
    case 'R':
    case '':
      return RESULT;
    case 'X':
      return RESULT_INVALID;
    default:
      return NO_RESULT;
  }
}

export interface Obx11Verdict {
  readonly accept: boolean;
  readonly flag?: QualityFlag;
}
// Shared answers: the verdict is asked once per OBX.
const RESULT: Obx11Verdict = { accept: true };
const RESULT_INVALID: Obx11Verdict = { accept: true, flag: 'invalid' };
const NO_RESULT: Obx11Verdict = { accept: false };
