import type { ParamName } from '../../core/parameters.js';
import { canonicalUnit } from '../../core/parameters.js';

/**
 * NOM_DIM_* unit codes (partition 4) to UCUM [BR UNITTypes.txt; ML UnitCodes.cs; KO unitCodes.go].
 * Only the codes the numerics decoder maps are listed; anything else is "unknown unit" and the value is skipped.
 */
export const UNIT_UCUM: ReadonlyMap<number, string> = new Map([
  [0x0200, '1'], // NOM_DIM_DIMLESS
  [0x0220, '%'], // NOM_DIM_PERCENT
  [0x09e0, '/min'], // NOM_DIM_PER_MIN
  [0x0aa0, '/min'], // NOM_DIM_BEAT_PER_MIN
  [0x0ac0, '/min'], // NOM_DIM_PULS_PER_MIN
  [0x0ae0, '/min'], // NOM_DIM_RESP_PER_MIN
  [0x0f03, 'kPa'], // NOM_DIM_KILO_PASCAL
  [0x0f20, 'mm[Hg]'], // NOM_DIM_MMHG
  [0x1140, '[degF]'], // NOM_DIM_FAHR
  [0x17a0, 'Cel'], // NOM_DIM_DEGC
  [0x0512, 'mm'], // NOM_DIM_MILLI_M (ST deviation) [mdpnp/mdpnp devices/philips/.../data/UnitCode.java: 1298]
  [0x10b2, 'mV'], // NOM_DIM_MILLI_VOLT [same file: 4274]
]);

/** 1 mmHg = 133.322387415 Pa (101325/760) [BIPM SI Brochure 9th ed., Table 8 note; NIST SP 811 B.8]. */
const PA_PER_MMHG = 101325 / 760;

/**
 * Converts a value in `unitCode` to the canonical UCUM unit of `param`. Returns undefined when the unit does not
 * belong to the parameter (never guesses).
 */
export function toCanonical(param: ParamName, unitCode: number, value: number): { value: number; unit: string } | undefined {
  const ucum = UNIT_UCUM.get(unitCode);
  const want = canonicalUnit(param);
  if (ucum === undefined) return undefined;
  if (ucum === want) return { value, unit: want };
  if (want === 'mm[Hg]' && ucum === 'kPa') return { value: round((value * 1000) / PA_PER_MMHG, 1), unit: want };
  if (want === 'Cel' && ucum === '[degF]') return { value: round(((value - 32) * 5) / 9, 2), unit: want };
  // ST deviation: mm at the standard ECG gain of 10 mm/mV.
  if (want === 'mm' && ucum === 'mV') return { value: round(value * 10, 2), unit: want };
  return undefined;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
