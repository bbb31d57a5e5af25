/**
 * Canonical vital-sign parameters: one table mapping our short names to UCUM units, LOINC codes and
 * IEEE 11073-10101 (MDC) nomenclature codes.
 *
 * Sources: LOINC (loinc.org, version 2.7x); IEEE 11073-10101 codes as listed in the HL7 PoCD mapping
 * (HL7/uv-pocd mappingv2.md) and IHE PCD Rosetta Terminology Mapping. The MDC numeric code is
 * partition * 65536 + term code (partition 2, SCADA, for all rows here).
 */
export interface ParameterSpec {
  /** The label the screen and alarm texts show. */
  label: string;
  /** Canonical UCUM unit. */
  unit: string;
  loinc: string;
  /** IEEE 11073-10101 numeric code and reference id. */
  mdc: number;
  mdcRef: string;
  /** The physically possible range; values outside it are dropped as out-of-range. */
  min: number;
  max: number;
}

/**
 * The canonical parameters: the one list. MQTT JSON and SenML, NDJSON, the config's limit overrides, replay
 * input and the screen's labels take their names from it; docs/architecture.md's table is checked against it.
 * Adding a parameter: one row here (docs/architecture.md, "Add a parameter").
 */
const BUILT_IN = {
  hr: { label: 'Heart rate', unit: '/min', loinc: '8867-4', mdc: 147842, mdcRef: 'MDC_ECG_HEART_RATE', min: 0, max: 350 },
  pr: { label: 'Pulse rate', unit: '/min', loinc: '8889-8', mdc: 149530, mdcRef: 'MDC_PULS_OXIM_PULS_RATE', min: 0, max: 350 },
  spo2: { label: 'SpO2', unit: '%', loinc: '59408-5', mdc: 150456, mdcRef: 'MDC_PULS_OXIM_SAT_O2', min: 0, max: 100 },
  pi: { label: 'Perfusion index', unit: '%', loinc: '61006-3', mdc: 150448, mdcRef: 'MDC_PULS_OXIM_PERF_REL', min: 0, max: 100 },
  rr: { label: 'Respiration rate', unit: '/min', loinc: '9279-1', mdc: 151562, mdcRef: 'MDC_RESP_RATE', min: 0, max: 150 },
  temp: { label: 'Body temperature', unit: 'Cel', loinc: '8310-5', mdc: 150364, mdcRef: 'MDC_TEMP_BODY', min: 10, max: 50 },
  sbp: { label: 'Systolic BP', unit: 'mm[Hg]', loinc: '8480-6', mdc: 150021, mdcRef: 'MDC_PRESS_BLD_NONINV_SYS', min: 0, max: 350 },
  dbp: { label: 'Diastolic BP', unit: 'mm[Hg]', loinc: '8462-4', mdc: 150022, mdcRef: 'MDC_PRESS_BLD_NONINV_DIA', min: 0, max: 300 },
  map: { label: 'Mean arterial pressure', unit: 'mm[Hg]', loinc: '8478-0', mdc: 150023, mdcRef: 'MDC_PRESS_BLD_NONINV_MEAN', min: 0, max: 300 },
} as const satisfies Record<string, ParameterSpec>;

export type ParamName = keyof typeof BUILT_IN;
export const PARAMETERS: Readonly<Record<ParamName, ParameterSpec>> = { ...BUILT_IN };
export const PARAM_NAMES: readonly ParamName[] = Object.keys(BUILT_IN) as ParamName[];

/**
 * Adds a parameter row at run time, for test fixtures that do the "add a parameter" recipe without editing this
 * file. It must run before the modules that derive from the table are loaded (rules/config.ts builds its schema
 * at import). The name is outside the ParamName type; every path that takes names from outside checks them with
 * isParamName, which sees the row.
 */
export function registerParameter(name: string, spec: ParameterSpec): void {
  if (isParamName(name)) throw new Error(`parameter '${name}' is already registered`);
  (PARAMETERS as Record<string, ParameterSpec>)[name] = spec;
  (PARAM_NAMES as string[]).push(name);
}

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
