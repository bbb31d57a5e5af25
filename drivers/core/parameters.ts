/**
 * Canonical vital-sign parameters: one table mapping our short names to UCUM units, LOINC codes and
 * IEEE 11073-10101 (MDC) nomenclature codes.
 *
 * Sources: LOINC (loinc.org, version 2.7x); IEEE 11073-10101 codes as listed in the HL7 PoCD mapping
 * (HL7/uv-pocd mappingv2.md) and IHE PCD Rosetta Terminology Mapping. The MDC numeric code is
 * partition * 65536 + term code (partition 2, SCADA, for all rows here).
 */
export const PARAMETERS = {
  hr: { label: 'Heart rate', unit: '/min', loinc: '8867-4', mdc: 147842, mdcRef: 'MDC_ECG_HEART_RATE', min: 0, max: 350 },
  pr: { label: 'Pulse rate', unit: '/min', loinc: '8889-8', mdc: 149530, mdcRef: 'MDC_PULS_OXIM_PULS_RATE', min: 0, max: 350 },
  spo2: { label: 'SpO2', unit: '%', loinc: '59408-5', mdc: 150456, mdcRef: 'MDC_PULS_OXIM_SAT_O2', min: 0, max: 100 },
  pi: { label: 'Perfusion index', unit: '%', loinc: '61006-3', mdc: 150448, mdcRef: 'MDC_PULS_OXIM_PERF_REL', min: 0, max: 100 },
  rr: { label: 'Respiration rate', unit: '/min', loinc: '9279-1', mdc: 151562, mdcRef: 'MDC_RESP_RATE', min: 0, max: 150 },
  temp: { label: 'Body temperature', unit: 'Cel', loinc: '8310-5', mdc: 150364, mdcRef: 'MDC_TEMP_BODY', min: 10, max: 50 },
  /** Skin and other peripheral sites: shown and limited on their own, never NEWS2 (see temperature-site.ts). */
  tskin: { label: 'Skin temperature', unit: 'Cel', loinc: '39106-0', mdc: 150388, mdcRef: 'MDC_TEMP_SKIN', min: 10, max: 50 },
  sbp: { label: 'Systolic BP', unit: 'mm[Hg]', loinc: '8480-6', mdc: 150021, mdcRef: 'MDC_PRESS_BLD_NONINV_SYS', min: 0, max: 350 },
  dbp: { label: 'Diastolic BP', unit: 'mm[Hg]', loinc: '8462-4', mdc: 150022, mdcRef: 'MDC_PRESS_BLD_NONINV_DIA', min: 0, max: 300 },
  map: { label: 'Mean arterial pressure', unit: 'mm[Hg]', loinc: '8478-0', mdc: 150023, mdcRef: 'MDC_PRESS_BLD_NONINV_MEAN', min: 0, max: 300 },
} as const;

export type ParamName = keyof typeof PARAMETERS;
export const PARAM_NAMES = Object.keys(PARAMETERS) as ParamName[];

export function isParamName(name: string): name is ParamName {
  return Object.prototype.hasOwnProperty.call(PARAMETERS, name);
}

/** The UCUM unit every observation of `param` carries after normalisation. */
export function canonicalUnit(param: ParamName): string {
  return PARAMETERS[param].unit;
}

/** True when the value is a finite number inside the physically possible range of the parameter. */
export function isPlausible(param: ParamName, value: number): boolean {
  const p = PARAMETERS[param];
  return Number.isFinite(value) && value >= p.min && value <= p.max;
}
