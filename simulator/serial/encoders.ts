import type { Vitals } from '../mqtt/vitals-model.js';

/**
 * What a bedside monitor writes on its serial port, one sample at a time, written from the published formats
 * (not from the gateway's decoders, so the two check each other).
 */
export interface MonitorSample {
  vitals: Vitals;
  /** Device clock, epoch ms (already shifted by any clock jump). */
  deviceTime: number;
  seq: number;
  sensorOff: boolean;
}

const pad = (n: number, width: number) => String(Math.round(n)).padStart(width, '0');

/**
 * Masimo Rad-8 / Radical-7 "ASCII 1" serial output, one line per sample terminated by CR LF, 9600 8N1
 * (Masimo Rad-8 Operator's Manual, "Serial Interface Specifications": fields `SN=`, `SPO2=nnn%`, `BPM=nnn`,
 * `PI=nn.nn%`, `ALARM=hhhh`, `EXC=hhhhhh`, missing values printed as dashes). EXC bits (same manual, trend data
 * format): 0x000020 Sensor Off, 0x000800 Masimo SET (informational, set while SET processing runs).
 * The oximeter measures pulse rate (BPM), not ECG heart rate: the patient's HR is sent as BPM.
 */
export const MASIMO_EXC_SENSOR_OFF = 0x000020;
export const MASIMO_EXC_SET = 0x000800;

export function encodeMasimoLine(s: MonitorSample, serial = '0000012345'): string {
  const d = new Date(s.deviceTime);
  const date = `${pad(d.getUTCMonth() + 1, 2)}/${pad(d.getUTCDate(), 2)}/${pad(d.getUTCFullYear() % 100, 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  const exc = MASIMO_EXC_SET | (s.sensorOff ? MASIMO_EXC_SENSOR_OFF : 0);
  const spo2 = s.sensorOff ? '---' : pad(Math.min(100, s.vitals.spo2), 3);
  const bpm = s.sensorOff ? '---' : pad(s.vitals.hr, 3);
  // Perfusion index: a typical adult finger value, printed with two decimals.
  const pi = s.sensorOff ? '--.--' : '02.40';
  return (
    `${date} ${time} SN=${serial} SPO2=${spo2}% BPM=${bpm} PI=${pi}% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ` +
    `ALARM=0000 EXC=${exc.toString(16).toUpperCase().padStart(6, '0')}\r\n`
  );
}

/** NDJSON for DIY devices: one JSON object per line with the MQTT vitals field names and canonical units. */
export function encodeNdjsonLine(s: MonitorSample): string {
  if (s.sensorOff) return '';
  const v = s.vitals;
  return `${JSON.stringify({ t: Math.round(s.deviceTime), seq: s.seq, hr: v.hr, spo2: v.spo2, rr: v.rr, temp: v.temp })}\n`;
}

/**
 * IEEE 11073-10101 observation and unit codes as IHE PCD-01 puts them in OBX-3 and OBX-6 ("<code>^<REFID>^MDC").
 * Numeric code = partition * 65536 + term code: partition 2 (SCADA) for observations, 4 (DIM) for units
 * (IEEE 11073-10101:2004 tables; the values below are those of the IHE PCD Rosetta Terminology Mapping).
 */
const MDC_OBS: ReadonlyArray<{ key: keyof Vitals; code: number; refid: string; unit: number; unitRef: string }> = [
  { key: 'hr', code: 147842, refid: 'MDC_ECG_HEART_RATE', unit: 264864, unitRef: 'MDC_DIM_BEAT_PER_MIN' },
  { key: 'spo2', code: 150456, refid: 'MDC_PULS_OXIM_SAT_O2', unit: 262688, unitRef: 'MDC_DIM_PERCENT' },
  { key: 'rr', code: 151562, refid: 'MDC_RESP_RATE', unit: 264928, unitRef: 'MDC_DIM_RESP_PER_MIN' },
  { key: 'temp', code: 150364, refid: 'MDC_TEMP_BODY', unit: 268192, unitRef: 'MDC_DIM_DEGC' },
  { key: 'sbp', code: 150033, refid: 'MDC_PRESS_BLD_NONINV_SYS', unit: 266016, unitRef: 'MDC_DIM_MMHG' },
  { key: 'dbp', code: 150034, refid: 'MDC_PRESS_BLD_NONINV_DIA', unit: 266016, unitRef: 'MDC_DIM_MMHG' },
];

/** HL7 v2 DTM with a UTC offset (HL7 v2.5.1 ch. 2A.22): YYYYMMDDHHMMSS+0000. */
export function hl7Timestamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}+0000`;
}

/**
 * One HL7 v2.6 ORU^R01 as IHE PCD-01 "Communicate PCD Data" (IHE PCD TF vol. 2): MSH, PID, PV1, OBR, then one
 * OBX per numeric with OBX-2 NM, OBX-4 dotted containment, OBX-11 'R' (unvalidated live data) and OBX-14 the
 * observation time. Segments end with CR (HL7 v2.5.1 ch. 2.5). MSH-15/16 'NE': the monitor wants no ACK.
 * Sensor off: no OBX (the monitor has nothing to report).
 */
export function encodeHl7Oru(s: MonitorSample, opts: { bed: string; deviceId: string }): string {
  const ts = hl7Timestamp(s.deviceTime);
  const segs = [
    `MSH|^~\\&|${opts.deviceId}^0001^EUI-64|WARD|WARDGATE|HOSP|${ts}||ORU^R01^ORU_R01|${opts.deviceId}-${s.seq}|P|2.6|||NE|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
    `PID|||SIM-${opts.bed}^^^HOSP^MR`,
    `PV1||I|WARD^^${opts.bed}`,
    `OBR|1|${opts.deviceId}-${s.seq}^WARDGATE-SIM||182777000^monitoring of patient^SCT|||${ts}`,
  ];
  if (!s.sensorOff) {
    MDC_OBS.forEach((o, i) => {
      segs.push(`OBX|${i + 1}|NM|${o.code}^${o.refid}^MDC|1.1.1.${i + 1}|${s.vitals[o.key]}|${o.unit}^${o.unitRef}^MDC|||||R|||${ts}`);
    });
  }
  return segs.join('\r') + '\r';
}

/** MLLP block (HL7 v2.5.1 Implementation Guide appendix C.4): VT message FS CR. */
export function mllpFrame(message: string): Buffer {
  return Buffer.concat([Buffer.of(0x0b), Buffer.from(message, 'utf8'), Buffer.of(0x1c, 0x0d)]);
}

export type SampleEncoder = (s: MonitorSample, ids: { bed: string; deviceId: string }) => Buffer;

/**
 * The serial dialects the simulator's monitors can write, by the gateway's dialect name
 * (drivers/serial/dialects.ts; a unit test checks every name here is registered there). The simulator's
 * `serial --dialect` and the scenario schema's `dialect` are derived from this list (plus `intellivue`, which
 * the IntelliVue emulator plays as a session, not a sample stream).
 */
export const SAMPLE_ENCODERS = {
  masimo: (s) => Buffer.from(encodeMasimoLine(s), 'latin1'),
  ndjson: (s) => Buffer.from(encodeNdjsonLine(s), 'utf8'),
  hl7: (s, ids) => mllpFrame(encodeHl7Oru(s, ids)),
} as const satisfies Record<string, SampleEncoder>;

/** A dialect the simulator's monitors write. */
export type SerialDialectName = keyof typeof SAMPLE_ENCODERS;

export function encodedDialects(): [SerialDialectName, ...SerialDialectName[]] {
  return Object.keys(SAMPLE_ENCODERS) as [SerialDialectName, ...SerialDialectName[]];
}

/** The bytes a monitor of `dialect` writes for one sample (empty when it has nothing to say). */
export function encodeSample(dialect: SerialDialectName, s: MonitorSample, ids: { bed: string; deviceId: string }): Buffer {
  return SAMPLE_ENCODERS[dialect](s, ids);
}
