import { paramByMdc, scadaMdc } from '../../core/parameter-codes.js';
import type { ParamName } from '../../core/parameters.js';

/**
 * IntelliVue physiological ids (SCADA partition 2 term codes) to our canonical parameters and IEEE 11073 MDC codes
 * (MDC = partition * 65536 + code). Sources: [BR PhysioLabels.txt; ML SCADAType.cs/Labels.cs; OI intellivue.map;
 * MDC numbers checked against HL7/uv-pocd mappingv2.md]; source keys in docs/intellivue.md.
 *
 * Mapping is by physio id and the label's partition, never by label text (several objects say "Pulse").
 * Rows here are the ids whose parameter or channel the parameter table cannot tell by code alone; every other
 * SCADA id maps through the table by its MDC code (drivers/core/parameter-codes.ts: invasive pressures, EtCO2,
 * awRR, PVC, ST per lead, skin temperature ...). An id neither maps is passed on as unmapped (NOM:0x....).
 * Not mapped on purpose: NOM_PULS_OXIM_PERF_REL 0x4BB0 (Philips relative perfusion, dimensionless; not the Masimo
 * PI our `pi` means) comes through unmapped.
 */
export interface PhysioMapping {
  param: ParamName;
  /** IEEE 11073-10101 numeric code; undefined for Philips private codes (>= 0xE000) without a confirmed entry. */
  mdc?: number;
  /** Distinguishes sources of one parameter on a monitor. */
  channel?: string;
}

const SCADA = 2;
const mdc = (code: number): number | undefined => (code >= 0xe000 ? undefined : SCADA * 65536 + code);
const row = (param: ParamName, code: number, channel?: string): [number, PhysioMapping] => {
  const m: PhysioMapping = { param };
  const c = mdc(code);
  if (c !== undefined) m.mdc = c;
  if (channel !== undefined) m.channel = channel;
  return [code, m];
};

export const PHYSIO_MAP: ReadonlyMap<number, PhysioMapping> = new Map([
  row('hr', 0x4182), // NOM_ECG_CARD_BEAT_RATE -> 147842 MDC_ECG_HEART_RATE
  row('spo2', 0x4bb8), // NOM_PULS_OXIM_SAT_O2 -> 150456
  row('pr', 0x4822, 'spo2'), // NOM_PLETH_PULS_RATE 18466 [OI Intellivue constants] -> 149538 (not 149530 = 0x481A)
  [0xf0e5, { param: 'pr_nibp', mdc: 149546, channel: 'nbp' }], // NOM_PRESS_BLD_NONINV_PULS_RATE; OI: MDC_PULS_RATE_NON_INV
  [0x480a, { param: 'pr_ibp', mdc: 149522, channel: 'ibp' }], // NOM_PULS_RATE on the pressure lines -> MDC_BLD_PULS_RATE_INV
  row('rr', 0x500a, 'ecg'), // NOM_RESP_RATE -> 151562 MDC_RESP_RATE
  row('sbp', 0x4a05, 'nbp'), // NOM_PRESS_BLD_NONINV_SYS -> 150021
  row('dbp', 0x4a06, 'nbp'), // NOM_PRESS_BLD_NONINV_DIA -> 150022
  row('map', 0x4a07, 'nbp'), // NOM_PRESS_BLD_NONINV_MEAN -> 150023
  row('temp', 0x4b48, 'temp'), // NOM_TEMP -> 150344 MDC_TEMP
  row('temp', 0x4b5c, 'body'), // NOM_TEMP_BODY
  row('temp', 0x4b60, 'core'),
  row('temp', 0x4b78, 'tymp'),
  row('temp', 0x4b64, 'esoph'),
  row('temp', 0x4b6c, 'nasoph'),
  row('temp', 0x4b50, 'art'),
  row('temp', 0x4b7c, 'ven'),
  row('temp', 0xe004, 'rect'),
  row('temp', 0xe014, 'blood'),
  row('temp', 0xf110, 'oral-pred'),
  row('temp', 0xf118, 'axil-pred'),
  row('temp', 0xf114, 'rect-pred'),
  row('temp', 0xf0c7, 't1'),
  row('temp', 0xf0c8, 't2'),
  row('temp', 0xf0c9, 't3'),
  row('temp', 0xf0ca, 't4'),
]);

/** Ids whose MDC code is in the table but whose IntelliVue meaning differs (0x4BB0: Philips relative perfusion). */
const NOT_BY_TABLE: ReadonlySet<number> = new Set([0x4bb0]);

/**
 * Label (TextId) partitions whose objects are measurements. 0x0002 is SCADA; 0x8003 and 0x8015 carry the
 * per-line / per-site pulse labels (0x800354xx, 0x801554xx) [BR PhysioLabels.txt]. Settings (NOM_PART_SETTINGS
 * 0x0402) reuse measurement physio ids ("sTemp" 0x04024B48, "sAWRR" 0x04025012) and must never be mapped.
 */
const MEASUREMENT_LABEL_PARTITIONS: ReadonlySet<number> = new Set([0x0002, 0x8003, 0x8015]);
export const NOM_PART_SETTINGS = 0x0402;

/**
 * Maps a physio id, given the object's label TextId when known. An unknown label (not yet seen for that object)
 * maps by id; a label from any partition other than the measurement ones (settings above all) does not map.
 */
export function mapPhysioId(physioId: number, labelTextId?: number): PhysioMapping | undefined {
  if (labelTextId !== undefined && !MEASUREMENT_LABEL_PARTITIONS.has(labelTextId >>> 16)) return undefined;
  const id = physioId & 0xffff;
  const explicit = PHYSIO_MAP.get(id);
  if (explicit || id >= 0xe000 || NOT_BY_TABLE.has(id)) return explicit;
  const code = scadaMdc(id);
  const param = paramByMdc(code);
  return param ? { param, mdc: code } : undefined;
}
