import { paramByLoinc, paramByMdc, paramByMdcRef } from '../../core/parameter-codes.js';
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
 *  - UCUM (unitsofmeasure.org): %, /min, Cel, [degF], mm[Hg], kPa.
 *
 * Every parameter's own codes (its MDC code and reference id, the less specific MDC terms it lists, its LOINC) come
 * from the parameter table (drivers/core/parameter-codes.ts); the aliases below add what devices also send for the
 * same measurement (a site or method the parameter does not distinguish). Invasive pressures map to their own
 * parameters (abp_*, pap_*, cvp ...), never to the cuff's sbp/dbp/map; a code neither maps is passed on as
 * unmapped (stored and shown, never scored).
 */
export interface CodeMapping {
  param: ParamName;
  /** Where the value comes from when the code itself says so (temperature site, respiration source). */
  source?: string;
  /** Temperature site the code names (drivers/core/temperature-site.ts); without it the device's configured one. */
  site?: TemperatureSite;
}

/**
 * The older MDC terms Mindray's HL7 output uses where IHE PCD-01 has newer ones: the cuff as MDC_PRESS_CUFF_SYS /
 * _DIA / _MEAN (150301 / 150302 / 150303: partition 2, term 0x4B1D-0x4B1F, the cuff-pressure terms of IEEE
 * 11073-10101 that MDC_PRESS_BLD_NONINV_* superseded) and end-tidal CO2 as the concentration term
 * MDC_CONC_AWAY_CO2_ET. Source: a receiver of Mindray PDS / eGateway HL7, github.com/caowm/pds-server,
 * api/device/services/device-item.js @ 3506da23a8ddcc7b62e2de4e4b04620f8951bb98 (its table of the OBX-3 texts the
 * monitors send: MDC_PRESS_CUFF_SYS, MDC_PRESS_CUFF_DIA, MDC_CONC_AWAY_CO2_ET, MDC_TEMP, MDC_TTHOR_RESP_RATE beside
 * MDC_PRESS_BLD_ART_ABP_*, MDC_PRESS_BLD_VEN_CENT_MEAN). The cuff terms are the cuff (sbp/dbp/map), never an
 * invasive line (obx-identify.ts).
 */
const MINDRAY_REFIDS: Readonly<Record<string, CodeMapping>> = {
  MDC_PRESS_CUFF_SYS: { param: 'sbp' },
  MDC_PRESS_CUFF_DIA: { param: 'dbp' },
  MDC_PRESS_CUFF_MEAN: { param: 'map' },
  MDC_CONC_AWAY_CO2_ET: { param: 'etco2' },
};

/** MDC reference ids (OBX-3.2 with coding system MDC) beyond each parameter's own. */
const MDC_REFID_ALIASES: Readonly<Record<string, CodeMapping>> = {
  MDC_PULS_RATE: { param: 'pr' },
  MDC_ECG_V_P_C_RATE: { param: 'pvc' }, // PVCs per minute under the rate term (reference id as in the IHE PCD RTM)
  MDC_TTHOR_RESP_RATE: { param: 'rr', source: 'impedance' },
  MDC_CO2_RESP_RATE: { param: 'rr', source: 'co2' },
  MDC_TEMP_BODY: { param: 'temp', site: 'body' },
  MDC_TEMP: { param: 'temp' },
  MDC_TEMP_ORAL: { param: 'temp', source: 'oral', site: 'oral' },
  MDC_TEMP_AXIL: { param: 'temp', source: 'axillary', site: 'axillary' },
  MDC_TEMP_AXILLA: { param: 'temp', source: 'axillary', site: 'axillary' },
  MDC_TEMP_RECT: { param: 'temp', source: 'rectal', site: 'rectal' },
  MDC_TEMP_TYMP: { param: 'temp', source: 'tympanic', site: 'tympanic' },
  MDC_TEMP_EAR: { param: 'temp', source: 'tympanic', site: 'tympanic' },
  MDC_TEMP_SKIN: { param: 'tskin', source: 'skin', site: 'skin' }, // never body temperature (NEWS2)
  MDC_TEMP_ESOPH: { param: 'temp', source: 'oesophageal', site: 'oesophageal' },
  MDC_TEMP_NASOPH: { param: 'temp', source: 'nasopharyngeal', site: 'nasopharyngeal' },
  MDC_TEMP_CORE: { param: 'temp', source: 'core', site: 'core' },
  ...MINDRAY_REFIDS,
};

/**
 * MDC numeric codes beyond each parameter's own: 149514 MDC_PULS_RATE, 151578 MDC_TTHOR_RESP_RATE, 151594
 * MDC_CO2_RESP_RATE, 150344 MDC_TEMP, 150364 MDC_TEMP_BODY, 150388 MDC_TEMP_SKIN, 150368 MDC_TEMP_CORE, 150392
 * MDC_TEMP_TYMP, 188420 MDC_TEMP_RECT, 188424 MDC_TEMP_ORAL, 188428 MDC_TEMP_EAR, 188452 MDC_TEMP_AXILLA (HL7 Denmark
 * DK Core IG, ValueSet dk-core-IEEEBasicObservation).
 */
const MDC_CODE_ALIASES: Readonly<Record<string, CodeMapping>> = {
  '149514': { param: 'pr' },
  '151578': { param: 'rr', source: 'impedance' },
  '151594': { param: 'rr', source: 'co2' },
  '150344': { param: 'temp' },
  '150364': { param: 'temp', site: 'body' },
  '150388': { param: 'tskin', site: 'skin' },
  '150368': { param: 'temp', source: 'core', site: 'core' },
  '150392': { param: 'temp', source: 'tympanic', site: 'tympanic' },
  '188420': { param: 'temp', source: 'rectal', site: 'rectal' },
  '188424': { param: 'temp', source: 'oral', site: 'oral' },
  '188428': { param: 'temp', source: 'tympanic', site: 'tympanic' },
  '188452': { param: 'temp', source: 'axillary', site: 'axillary' },
  // The older cuff terms (MINDRAY_REFIDS above).
  '150301': { param: 'sbp' },
  '150302': { param: 'dbp' },
  '150303': { param: 'map' },
};

/**
 * Site-specific LOINC temperatures: 8310-5 body, 39106-0 skin, 8331-1 oral, 8328-7 axillary, 8332-9 rectal,
 * 8333-7 tympanic (loinc.org).
 */
const LOINC_ALIASES: Readonly<Record<string, CodeMapping>> = {
  '8310-5': { param: 'temp', site: 'body' },
  '39106-0': { param: 'tskin', site: 'skin' },
  '8331-1': { param: 'temp', source: 'oral', site: 'oral' },
  '8328-7': { param: 'temp', source: 'axillary', site: 'axillary' },
  '8332-9': { param: 'temp', source: 'rectal', site: 'rectal' },
  '8333-7': { param: 'temp', source: 'tympanic', site: 'tympanic' },
};

/** One shared mapping object per parameter (the decoder runs per OBX; no allocation per look-up). */
const MAPPED = new Map<ParamName, CodeMapping>();
const mapped = (param: ParamName | undefined): CodeMapping | undefined => {
  if (param === undefined) return undefined;
  let m = MAPPED.get(param);
  if (!m) MAPPED.set(param, (m = { param }));
  return m;
};

export function byMdcRef(refid: string): CodeMapping | undefined {
  return MDC_REFID_ALIASES[refid] ?? mapped(paramByMdcRef(refid));
}

export function byMdcCode(code: string): CodeMapping | undefined {
  if (!/^\d{1,9}$/.test(code)) return undefined;
  return MDC_CODE_ALIASES[code] ?? mapped(paramByMdc(Number(code)));
}

export function byLoinc(code: string): CodeMapping | undefined {
  return LOINC_ALIASES[code] ?? mapped(paramByLoinc(code));
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
const MM: UnitMapping = { ucum: 'mm' };
/** ST deviation in millivolts to mm at the standard ECG gain of 10 mm/mV. */
const MILLIVOLT: UnitMapping = { ucum: 'mm', toCanonical: (mv: number): number => round(mv * 10, 2) };

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
  '263442': MM, // MDC_DIM_MILLI_M (4 * 65536 + 1298)
  '266418': MILLIVOLT, // MDC_DIM_MILLI_VOLT (4 * 65536 + 4274)
  // MDC refids
  MDC_DIM_PERCENT: PERCENT,
  MDC_DIM_BEAT_PER_MIN: PER_MIN,
  MDC_DIM_RESP_PER_MIN: PER_MIN,
  MDC_DIM_PER_MIN: PER_MIN,
  MDC_DIM_KILO_PASCAL: KPA,
  MDC_DIM_MMHG: MMHG,
  MDC_DIM_FAHR: FAHRENHEIT,
  MDC_DIM_DEGC: CELSIUS,
  MDC_DIM_MILLI_M: MM,
  MDC_DIM_MILLI_VOLT: MILLIVOLT,
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
  mm: MM,
  mV: MILLIVOLT,
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
  mv: MILLIVOLT,
};

export function lookupUnit(spelling: string): UnitMapping | undefined {
  const s = spelling.trim();
  return UNITS[s] ?? VENDOR_UNITS[s.toLowerCase()];
}

/** Parameters whose unit is unambiguous, so an empty OBX-6 is accepted as the canonical unit. */
export const UNIT_OPTIONAL: ReadonlySet<ParamName> = new Set<ParamName>(['hr', 'pr', 'spo2', 'pi', 'rr', 'awrr', 'pvc', 'pr_ibp', 'pr_nibp']);
