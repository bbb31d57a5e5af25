import type { ParamName } from '../../core/parameters.js';
import type { TemperatureSite } from '../../core/temperature-site.js';

/**
 * Observation identifiers (OBX-3) and units (OBX-6) that map to canonical parameters.
 *
 * Sources:
 *  - IEEE 11073-10101 nomenclature as used by IHE PCD-01 (IHE PCD Technical Framework vol. 2, OBX-3 "<code>^<REFID>^MDC"
 *    and the Rosetta Terminology Mapping, RTM). Numeric code = partition * 65536 + term code; partition 2 (SCADA)
 *    for observations, partition 4 (DIM) for units.
 *  - Unit term codes (DIM): MDC_DIM_PERCENT 544, MDC_DIM_BEAT_PER_MIN 2720, MDC_DIM_RESP_PER_MIN 2784,
 *    MDC_DIM_KILO_PASCAL 3843, MDC_DIM_MMHG 3872, MDC_DIM_FAHR 4416, MDC_DIM_DEGC 6048 (IEEE 11073-10101 DIM table,
 *    as in the 11073-20601 agent headers).
 *  - LOINC 2.7x codes from drivers/core/parameters.ts, plus the site-specific temperature codes
 *    8331-1 oral, 8328-7 axillary, 8332-9 rectal, 8333-7 tympanic (loinc.org).
 *  - UCUM (unitsofmeasure.org): %, /min, Cel, [degF], mm[Hg], kPa.
 *
 * Invasive pressures (MDC_PRESS_BLD_ART*, MDC_PRESS_BLD_VEN*, MDC_PRESS_BLD_* other than NONINV,
 * MDC_PRESS_CUFF*) are deliberately absent: a code that is not listed here yields no reading, so an
 * arterial-line pressure can never be taken for the cuff sbp/dbp/map (the rules score NEWS2 on cuff BP).
 */
export interface CodeMapping {
  param: ParamName;
  /** Where the value comes from when the code itself says so (temperature site, respiration source). */
  source?: string;
  /** Temperature site the code names (drivers/core/temperature-site.ts); without it the device's configured one. */
  site?: TemperatureSite;
}

/** MDC reference ids (OBX-3.2 with coding system MDC). */
export const MDC_REFID: Readonly<Record<string, CodeMapping>> = {
  MDC_ECG_HEART_RATE: { param: 'hr' },
  MDC_PULS_OXIM_PULS_RATE: { param: 'pr' },
  MDC_PULS_RATE: { param: 'pr' },
  MDC_PULS_OXIM_SAT_O2: { param: 'spo2' },
  MDC_PULS_OXIM_PERF_REL: { param: 'pi' },
  MDC_RESP_RATE: { param: 'rr' },
  MDC_TTHOR_RESP_RATE: { param: 'rr', source: 'impedance' },
  MDC_CO2_RESP_RATE: { param: 'rr', source: 'co2' },
  MDC_AWAY_RESP_RATE: { param: 'rr', source: 'airway' },
  MDC_TEMP_BODY: { param: 'temp', site: 'body' },
  MDC_TEMP: { param: 'temp' },
  MDC_TEMP_ORAL: { param: 'temp', source: 'oral', site: 'oral' },
  MDC_TEMP_AXIL: { param: 'temp', source: 'axillary', site: 'axillary' },
  MDC_TEMP_RECT: { param: 'temp', source: 'rectal', site: 'rectal' },
  MDC_TEMP_TYMP: { param: 'temp', source: 'tympanic', site: 'tympanic' },
  MDC_TEMP_SKIN: { param: 'tskin', source: 'skin', site: 'skin' }, // never body temperature (NEWS2)
  MDC_TEMP_ESOPH: { param: 'temp', source: 'oesophageal', site: 'oesophageal' },
  MDC_TEMP_NASOPH: { param: 'temp', source: 'nasopharyngeal', site: 'nasopharyngeal' },
  MDC_TEMP_CORE: { param: 'temp', source: 'core', site: 'core' },
  MDC_PRESS_BLD_NONINV_SYS: { param: 'sbp' },
  MDC_PRESS_BLD_NONINV_DIA: { param: 'dbp' },
  MDC_PRESS_BLD_NONINV_MEAN: { param: 'map' },
};

/** MDC numeric codes (OBX-3.1 with coding system MDC), used when OBX-3.2 is absent or not a known refid. */
export const MDC_CODE: Readonly<Record<string, CodeMapping>> = {
  '147842': { param: 'hr' }, // MDC_ECG_HEART_RATE
  '149530': { param: 'pr' }, // MDC_PULS_OXIM_PULS_RATE
  '150456': { param: 'spo2' }, // MDC_PULS_OXIM_SAT_O2
  '150448': { param: 'pi' }, // MDC_PULS_OXIM_PERF_REL
  '151562': { param: 'rr' }, // MDC_RESP_RATE
  '150364': { param: 'temp', site: 'body' }, // MDC_TEMP_BODY
  '150388': { param: 'tskin', site: 'skin' }, // MDC_TEMP_SKIN
  '150344': { param: 'temp' }, // MDC_TEMP
  '150021': { param: 'sbp' }, // MDC_PRESS_BLD_NONINV_SYS
  '150022': { param: 'dbp' }, // MDC_PRESS_BLD_NONINV_DIA
  '150023': { param: 'map' }, // MDC_PRESS_BLD_NONINV_MEAN
};

export const LOINC: Readonly<Record<string, CodeMapping>> = {
  '8867-4': { param: 'hr' },
  '8889-8': { param: 'pr' },
  '59408-5': { param: 'spo2' },
  '61006-3': { param: 'pi' },
  '9279-1': { param: 'rr' },
  '8310-5': { param: 'temp', site: 'body' },
  '39106-0': { param: 'tskin', site: 'skin' }, // Temperature of Skin
  '8331-1': { param: 'temp', source: 'oral', site: 'oral' },
  '8328-7': { param: 'temp', source: 'axillary', site: 'axillary' },
  '8332-9': { param: 'temp', source: 'rectal', site: 'rectal' },
  '8333-7': { param: 'temp', source: 'tympanic', site: 'tympanic' },
  '8480-6': { param: 'sbp' },
  '8462-4': { param: 'dbp' },
  '8478-0': { param: 'map' },
};

/** True for identifiers of invasive (or unspecified-site) blood pressures, reported as skipped, never as cuff BP. */
export function isInvasivePressure(refid: string): boolean {
  return /^MDC_PRESS_(BLD|CUFF)/.test(refid) && !/^MDC_PRESS_BLD_NONINV_/.test(refid);
}

/** Canonical unit and a conversion into it. */
export interface UnitMapping {
  ucum: string;
  toCanonical?: (v: number) => number;
}

const round = (v: number, places: number): number => {
  const f = 10 ** places;
  return Math.round(v * f) / f;
};
const fahrenheitToCelsius = (f: number): number => round(((f - 32) * 5) / 9, 2);
/** 1 kPa = 7.500 616 827 mm[Hg] (1 mmHg = 133.322 387 415 Pa, UCUM). */
const kPaToMmHg = (kpa: number): number => round(kpa * 7.500616827, 1);

const PERCENT: UnitMapping = { ucum: '%' };
const PER_MIN: UnitMapping = { ucum: '/min' };
const CELSIUS: UnitMapping = { ucum: 'Cel' };
const FAHRENHEIT: UnitMapping = { ucum: 'Cel', toCanonical: fahrenheitToCelsius };
const MMHG: UnitMapping = { ucum: 'mm[Hg]' };
const KPA: UnitMapping = { ucum: 'mm[Hg]', toCanonical: kPaToMmHg };

/** Unit spellings seen in OBX-6 (MDC numeric, MDC refid, UCUM, vendor strings), compared case-sensitively first. */
const UNITS: Readonly<Record<string, UnitMapping>> = {
  // MDC numeric (partition 4)
  '262688': PERCENT,
  '264864': PER_MIN,
  '264928': PER_MIN,
  '265987': KPA,
  '266016': MMHG,
  '266560': FAHRENHEIT,
  '268192': CELSIUS,
  // MDC refids
  MDC_DIM_PERCENT: PERCENT,
  MDC_DIM_BEAT_PER_MIN: PER_MIN,
  MDC_DIM_RESP_PER_MIN: PER_MIN,
  MDC_DIM_PER_MIN: PER_MIN,
  MDC_DIM_KILO_PASCAL: KPA,
  MDC_DIM_MMHG: MMHG,
  MDC_DIM_FAHR: FAHRENHEIT,
  MDC_DIM_DEGC: CELSIUS,
  // UCUM
  '%': PERCENT,
  '/min': PER_MIN,
  '{beats}/min': PER_MIN,
  '{beat}/min': PER_MIN,
  '{breaths}/min': PER_MIN,
  '{breath}/min': PER_MIN,
  Cel: CELSIUS,
  '[degF]': FAHRENHEIT,
  'mm[Hg]': MMHG,
  kPa: KPA,
};

/** Vendor spellings, compared lower-case. */
const VENDOR_UNITS: Readonly<Record<string, UnitMapping>> = {
  percent: PERCENT,
  pct: PERCENT,
  bpm: PER_MIN,
  'beats/min': PER_MIN,
  '1/min': PER_MIN,
  'b/min': PER_MIN,
  rpm: PER_MIN,
  brpm: PER_MIN,
  'br/min': PER_MIN,
  'breaths/min': PER_MIN,
  'resp/min': PER_MIN,
  degc: CELSIUS,
  '°c': CELSIUS,
  'deg c': CELSIUS,
  c: CELSIUS,
  cel: CELSIUS,
  degf: FAHRENHEIT,
  '°f': FAHRENHEIT,
  'deg f': FAHRENHEIT,
  f: FAHRENHEIT,
  mmhg: MMHG,
  'mm hg': MMHG,
  kpa: KPA,
};

export function lookupUnit(spelling: string): UnitMapping | undefined {
  const s = spelling.trim();
  return UNITS[s] ?? VENDOR_UNITS[s.toLowerCase()];
}

/** Parameters whose unit is unambiguous, so an empty OBX-6 is accepted as the canonical unit. */
export const UNIT_OPTIONAL: ReadonlySet<ParamName> = new Set<ParamName>(['hr', 'pr', 'spo2', 'pi', 'rr']);
