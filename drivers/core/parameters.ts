/**
 * Canonical vital-sign parameters: one table mapping our short names to UCUM units, LOINC codes and
 * IEEE 11073-10101 (MDC) nomenclature codes.
 *
 * The MDC numeric code is partition * 65536 + term code (partition 2, SCADA, for all rows here). Sources, as
 * IEEE 11073-10101 is reproduced in public code lists:
 *  [PoCD] HL7 Point-of-Care Device IG (github.com/HL7/uv-pocd, input/pagecontent/messaging.md: 150087
 *         MDC_PRESS_BLD_VEN_CENT_MEAN) and the IHE PCD Rosetta Terminology Mapping (reference ids).
 *  [MP]   mdpnp/mdpnp (OpenICE), devices/philips/src/main/java/org/mdpnp/devices/philips/intellivue/data/
 *         ObservedValue.java @ e9db25d9bbbeff103cd452fd2ab2ed6af775155d: the IntelliVue NOM_ term codes, which are
 *         the 11073-10101 SCADA term codes (NOM_PRESS_BLD_ART_ABP_SYS 0x4A15 -> 150037, NOM_AWAY_CO2_ET 0x50B0 ->
 *         151728, NOM_ECG_V_P_C_CNT 0x4261 -> 148065, NOM_ECG_AMPL_ST_I 0x0301 -> 131841, ...); reference ids as in
 *         the same repository's data-types/x73-idl/src/main/idl/rosetta/rosetta.idl.
 *  [DK]   HL7 Denmark DK Core IG, ValueSet dk-core-IEEEBasicObservation: 149514 MDC_PULS_RATE, 149522
 *         MDC_BLD_PULS_RATE_INV, 149546 MDC_PULS_RATE_NON_INV, 150388 MDC_TEMP_SKIN, 151570 MDC_AWAY_RESP_RATE.
 *  [MII]  Medizininformatik-Initiative, Kerndatensatz Modul ICU (sd-mii-icu-* profiles): LOINC with MDC for
 *         CVP (60985-9, 150084), ICP (60956-0, 153608), left atrial (60988-3, 150064-150067), right atrial
 *         (60996-6, 150068-150071) and pulmonary artery (150044-150047) pressures.
 *  [BR]   github.com/brarm/intellivue @ 265b2a082871966d1b83979a973fceef87771cda,
 *         TelemetryStream/IntellivueProtocol/PhysioLabels.txt (label, observed values and units per IntelliVue
 *         label) and SCADATypes.txt (term codes), transcriptions of the Philips Data Export Programming Guide tables.
 *  LOINC  loinc.org: 76215-3 / 76213-8 / 76214-6 invasive systolic / diastolic / mean blood pressure, 19889-5
 *         end-tidal CO2. A row without `loinc` has no LOINC term we could confirm in a public source.
 * Invasive pressures and the cuff (NIBP) are separate parameters: sbp/dbp/map are the cuff only.
 */
export interface ParameterSpec {
  /** The label the screen and alarm texts show. */
  label: string;
  /** Canonical UCUM unit. */
  unit: string;
  loinc?: string;
  /** IEEE 11073-10101 numeric code and reference id. */
  mdc: number;
  mdcRef: string;
  /** Other MDC codes that mean the same measurement (a less specific site term devices also send). */
  alsoMdc?: readonly (readonly [number, string])[];
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
  /** Skin and other peripheral sites: shown and limited on their own, never NEWS2 (see temperature-site.ts). */
  tskin: { label: 'Skin temperature', unit: 'Cel', loinc: '39106-0', mdc: 150388, mdcRef: 'MDC_TEMP_SKIN', min: 10, max: 50 },
  sbp: { label: 'Systolic BP', unit: 'mm[Hg]', loinc: '8480-6', mdc: 150021, mdcRef: 'MDC_PRESS_BLD_NONINV_SYS', min: 0, max: 350 },
  dbp: { label: 'Diastolic BP', unit: 'mm[Hg]', loinc: '8462-4', mdc: 150022, mdcRef: 'MDC_PRESS_BLD_NONINV_DIA', min: 0, max: 300 },
  map: { label: 'Mean arterial pressure', unit: 'mm[Hg]', loinc: '8478-0', mdc: 150023, mdcRef: 'MDC_PRESS_BLD_NONINV_MEAN', min: 0, max: 300 },
  // Invasive pressures by site [MP, MII]. ABP also arrives as the generic arterial term (MDC_PRESS_BLD_ART_*).
  abp_sys: { label: 'Arterial systolic (invasive)', unit: 'mm[Hg]', loinc: '76215-3', mdc: 150037, mdcRef: 'MDC_PRESS_BLD_ART_ABP_SYS', min: 0, max: 350, alsoMdc: [[150033, 'MDC_PRESS_BLD_ART_SYS']] },
  abp_dia: { label: 'Arterial diastolic (invasive)', unit: 'mm[Hg]', loinc: '76213-8', mdc: 150038, mdcRef: 'MDC_PRESS_BLD_ART_ABP_DIA', min: 0, max: 300, alsoMdc: [[150034, 'MDC_PRESS_BLD_ART_DIA']] },
  abp_mean: { label: 'Arterial mean (invasive)', unit: 'mm[Hg]', loinc: '76214-6', mdc: 150039, mdcRef: 'MDC_PRESS_BLD_ART_ABP_MEAN', min: 0, max: 300, alsoMdc: [[150035, 'MDC_PRESS_BLD_ART_MEAN']] },
  pap_sys: { label: 'Pulmonary artery systolic', unit: 'mm[Hg]', mdc: 150045, mdcRef: 'MDC_PRESS_BLD_ART_PULM_SYS', min: -10, max: 150 },
  pap_dia: { label: 'Pulmonary artery diastolic', unit: 'mm[Hg]', mdc: 150046, mdcRef: 'MDC_PRESS_BLD_ART_PULM_DIA', min: -10, max: 150 },
  pap_mean: { label: 'Pulmonary artery mean', unit: 'mm[Hg]', mdc: 150047, mdcRef: 'MDC_PRESS_BLD_ART_PULM_MEAN', min: -10, max: 150 },
  cvp: { label: 'Central venous pressure', unit: 'mm[Hg]', loinc: '60985-9', mdc: 150087, mdcRef: 'MDC_PRESS_BLD_VEN_CENT_MEAN', min: -20, max: 80, alsoMdc: [[150084, 'MDC_PRESS_BLD_VEN_CENT']] },
  lap: { label: 'Left atrial pressure', unit: 'mm[Hg]', loinc: '60988-3', mdc: 150067, mdcRef: 'MDC_PRESS_BLD_ATR_LEFT_MEAN', min: -20, max: 80, alsoMdc: [[150064, 'MDC_PRESS_BLD_ATR_LEFT']] },
  rap: { label: 'Right atrial pressure', unit: 'mm[Hg]', loinc: '60996-6', mdc: 150071, mdcRef: 'MDC_PRESS_BLD_ATR_RIGHT_MEAN', min: -20, max: 80, alsoMdc: [[150068, 'MDC_PRESS_BLD_ATR_RIGHT']] },
  icp: { label: 'Intracranial pressure', unit: 'mm[Hg]', loinc: '60956-0', mdc: 153611, mdcRef: 'MDC_PRESS_INTRA_CRAN_MEAN', min: -20, max: 150, alsoMdc: [[153608, 'MDC_PRESS_INTRA_CRAN']] },
  // Airway gases and rate [MP, DK].
  etco2: { label: 'End-tidal CO2', unit: 'mm[Hg]', loinc: '19889-5', mdc: 151728, mdcRef: 'MDC_AWAY_CO2_ET', min: 0, max: 150 },
  // Inspired CO2 as a capnograph measures it, in mmHg: the IntelliVue "CO2" label's compound value is
  // NOM_AWAY_CO2_ET 0x50B0 with NOM_AWAY_CO2_INSP_MIN 0x50BA, unit NOM_DIM_MMHG [MP; BR PhysioLabels.txt], so
  // 0x50BA -> 151738 (reference id MDC_AWAY_CO2_INSP_MIN in [MP]'s rosetta.idl). PCD-01 senders name it
  // MDC_CONC_AWAY_CO2_INSP in mmHg (reference id in the same rosetta.idl); its code 151716 is term 0x50A4, the base
  // of Philips' NOM_CONC_AWAY_CO2_INSP_MIN 20646 (0x50A6: a _MIN metric is its base term + 2, as NOM_PRESS_AWAY_MIN
  // 20722 is NOM_PRESS_AWAY 20720 + 2 [BR SCADATypes.txt]).
  // Not mapped, on purpose: NOM_VENT_CONC_AWAY_CO2_INSP 0x5160 (151904), a ventilator's "FICO2", whose unit is
  // NOM_DIM_PERCENT [BR PhysioLabels.txt; MP]: a concentration, not this partial pressure; it comes through unmapped.
  fico2: { label: 'Inspired CO2', unit: 'mm[Hg]', mdc: 151738, mdcRef: 'MDC_AWAY_CO2_INSP_MIN', min: 0, max: 150, alsoMdc: [[151716, 'MDC_CONC_AWAY_CO2_INSP']] },
  awrr: { label: 'Airway respiration rate', unit: '/min', mdc: 151570, mdcRef: 'MDC_AWAY_RESP_RATE', min: 0, max: 150 },
  // ECG: PVCs per minute and ST deviation per lead [MP]; ST in mm at the standard 10 mm/mV.
  pvc: { label: 'PVC rate', unit: '/min', mdc: 148065, mdcRef: 'MDC_ECG_V_P_C_CNT', min: 0, max: 300 },
  st_i: { label: 'ST I', unit: 'mm', mdc: 131841, mdcRef: 'MDC_ECG_AMPL_ST_I', min: -20, max: 20 },
  st_ii: { label: 'ST II', unit: 'mm', mdc: 131842, mdcRef: 'MDC_ECG_AMPL_ST_II', min: -20, max: 20 },
  st_iii: { label: 'ST III', unit: 'mm', mdc: 131901, mdcRef: 'MDC_ECG_AMPL_ST_III', min: -20, max: 20 },
  st_avr: { label: 'ST aVR', unit: 'mm', mdc: 131902, mdcRef: 'MDC_ECG_AMPL_ST_AVR', min: -20, max: 20 },
  st_avl: { label: 'ST aVL', unit: 'mm', mdc: 131903, mdcRef: 'MDC_ECG_AMPL_ST_AVL', min: -20, max: 20 },
  st_avf: { label: 'ST aVF', unit: 'mm', mdc: 131904, mdcRef: 'MDC_ECG_AMPL_ST_AVF', min: -20, max: 20 },
  st_v1: { label: 'ST V1', unit: 'mm', mdc: 131843, mdcRef: 'MDC_ECG_AMPL_ST_V1', min: -20, max: 20 },
  st_v2: { label: 'ST V2', unit: 'mm', mdc: 131844, mdcRef: 'MDC_ECG_AMPL_ST_V2', min: -20, max: 20 },
  st_v3: { label: 'ST V3', unit: 'mm', mdc: 131845, mdcRef: 'MDC_ECG_AMPL_ST_V3', min: -20, max: 20 },
  st_v4: { label: 'ST V4', unit: 'mm', mdc: 131846, mdcRef: 'MDC_ECG_AMPL_ST_V4', min: -20, max: 20 },
  st_v5: { label: 'ST V5', unit: 'mm', mdc: 131847, mdcRef: 'MDC_ECG_AMPL_ST_V5', min: -20, max: 20 },
  st_v6: { label: 'ST V6', unit: 'mm', mdc: 131848, mdcRef: 'MDC_ECG_AMPL_ST_V6', min: -20, max: 20 },
  // Pulse rate by source [DK]: `pr` is the oximeter's (pleth); these keep the arterial line's and the cuff's apart.
  pr_ibp: { label: 'Pulse rate (arterial line)', unit: '/min', mdc: 149522, mdcRef: 'MDC_BLD_PULS_RATE_INV', min: 0, max: 350 },
  pr_nibp: { label: 'Pulse rate (cuff)', unit: '/min', mdc: 149546, mdcRef: 'MDC_PULS_RATE_NON_INV', min: 0, max: 350 },
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
