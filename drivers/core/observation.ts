import type { ParamName } from './parameters.js';
import type { TemperatureSite } from './temperature-sites.js';

/** Quality flags a codec or the gateway attaches to a reading; which block scoring: drivers/core/quality.ts. */
export type QualityFlag =
  | 'questionable' // the source marked it questionable; shown but not scored
  | 'invalid' // the source marked it invalid (or sent a null flavour); never scored
  | 'demo' // demonstration data from the device; never scored
  | 'test' // test data from the device; never scored
  | 'calibration' // the device is calibrating; never scored
  | 'low-perfusion'
  | 'interference'
  | 'out-of-range' // outside the physically plausible range; dropped before rules
  | 'clock-unsynced' // the gateway clock was not synchronised when this was received
  | 'device-alarm' // the device itself flagged this value as in alarm
  | 'unmapped'; // a code the parameter table does not map: stored, shown and synced as is, never scored

/**
 * One decoded value as a codec produces it, before the gateway knows the bed, device or sequence.
 * Codecs are pure: bytes or text in, readings and technical conditions out.
 */
export interface Reading {
  param: ParamName;
  value: number;
  /** UCUM unit after normalisation to the parameter's canonical unit. */
  unit: string;
  /** Distinguishes two sources of the same parameter on one device (e.g. two temperatures). */
  channel?: string;
  /** The code the device sent for it ('MDC:150037', 'MDIL:0002-4a15', 'NOM:0x4a15'), for the decode tool. */
  code?: string;
  /** Where a temperature was taken, when the source says so (temperature-site.ts). */
  site?: TemperatureSite;
  /** Device clock, epoch ms, when the source carries a timestamp. */
  sourceTs?: number;
  /** Device's own message sequence when it sends one (`seq` in vitals/<id>). */
  sourceSeq?: number;
  /** The device's own id of the message that carried the reading (HL7 MSH-10 message control id). */
  sourceMessageId?: string;
  flags?: QualityFlag[];
}

/** Technical (non-physiological) conditions that codecs and drivers report. */
export type TechnicalCondition =
  | 'sensor-off'
  | 'no-sensor'
  | 'sensor-fault'
  | 'no-contact'
  | 'low-perfusion'
  | 'pulse-search'
  | 'interference'
  | 'low-signal'
  | 'low-battery'
  | 'data-invalid'
  | 'device-alarm-silenced'
  | 'device-alarm-high'
  | 'device-alarm-medium'
  | 'device-alarm-low'
  | 'device-disconnected'
  | 'no-data'
  | 'no-valid-data'
  | 'device-fault'
  | 'cuff-fit'
  | 'body-movement'
  | 'irregular-pulse';

export interface ConditionReport {
  condition: TechnicalCondition;
  /** true while the condition holds; a codec reports false when a frame shows it has cleared. */
  active: boolean;
  detail?: string;
  sourceTs?: number;
}

/** Patient events reported by a device (a wearable's fall detector). */
export interface DeviceEvent {
  event: 'fall';
  sourceTs?: number;
  detail?: string;
}

/**
 * One alarm the device itself is showing (a monitor's own alarm list). Kept apart from the gateway's alarms:
 * shown beside them on the screen, never fed to the rules.
 */
export interface DeviceAlarmReport {
  kind: 'physiological' | 'technical';
  priority: 'high' | 'medium' | 'low' | 'none';
  text: string;
  /** The IEEE 11073-10101 event code (partition 3: 196608-262143, e.g. 196680 MDC_EVT_LEAD_OFF), when sent. */
  eventCode?: number;
  /** The event's MDC reference id (`MDC_EVT_...`), when sent. */
  eventRef?: string;
  sourceTs?: number;
}

/**
 * A numeric whose code the parameter table does not map. It is not dropped: the gateway stores it, shows it on the
 * screen's "more" row and counts it by code, and never scores it.
 */
export interface UnmappedReading {
  /** The code with its system, as the device sent it: 'MDC:150300', 'MDIL:0002-4bb0', 'NOM:0x4bb0', 'LN:1234-5'. */
  code: string;
  /** The device's own name for it (reference id, label), when it sends one. */
  label?: string;
  value: number;
  /** The unit as the device sent it (not normalised). */
  unit: string;
  channel?: string;
  sourceTs?: number;
}

export type Decoded =
  | ({ kind: 'reading' } & Reading)
  | ({ kind: 'unmapped' } & UnmappedReading)
  | ({ kind: 'condition' } & ConditionReport)
  | ({ kind: 'event' } & DeviceEvent);

/** What a codec returns for one frame or line. `error` set means the frame was bad (counted and logged). */
export interface DecodeResult {
  items: Decoded[];
  error?: string;
}

/**
 * The normalized record for every reading the gateway accepts: what the store keeps, what the rules see.
 */
export interface Observation extends Reading {
  gatewayId: string;
  deviceId: string;
  bedId: string;
  /** Which transport delivered it: 'mqtt', 'serial', 'ble', 'hl7-tcp', 'replay'. */
  source: string;
  /** Gateway wall clock, epoch ms, at receipt. */
  receivedAt: number;
  /** Gateway-local monotonic sequence, strictly increasing across restarts. */
  seq: number;
  flags: QualityFlag[];
}

/** The flags of a reading that carries none: shared, never to be modified. */
export const NO_FLAGS: readonly QualityFlag[] = Object.freeze([]);

/**
 * The readings of one device message as the gateway accepted them (a wearable's six vitals, a monitor's numerics of
 * one frame): one record through ingest, the store, the ward view and the rules, instead of one observation record
 * per reading. Reading k has the gateway sequence `firstSeq + k` (readings of one message get consecutive ones).
 */
export interface ObservationMessage {
  gatewayId: string;
  deviceId: string;
  bedId: string;
  /** Which transport delivered it: 'mqtt', 'serial', 'ble', 'hl7-tcp', 'replay'. */
  source: string;
  /** Gateway wall clock, epoch ms, at receipt. */
  receivedAt: number;
  firstSeq: number;
  readings: readonly Reading[];
}

/** An observation as a message of one reading. */
export function messageOf(o: Observation): ObservationMessage {
  return { gatewayId: o.gatewayId, deviceId: o.deviceId, bedId: o.bedId, source: o.source, receivedAt: o.receivedAt, firstSeq: o.seq, readings: [o] };
}

/** Reading `k` of a message as a standalone observation (for code that wants one record per reading). */
export function observationOf(m: ObservationMessage, k: number): Observation {
  const r = m.readings[k] as Reading;
  return {
    param: r.param,
    value: r.value,
    unit: r.unit,
    channel: r.channel,
    site: r.site,
    sourceTs: r.sourceTs,
    sourceSeq: r.sourceSeq,
    sourceMessageId: r.sourceMessageId,
    flags: r.flags ?? [],
    gatewayId: m.gatewayId,
    deviceId: m.deviceId,
    bedId: m.bedId,
    source: m.source,
    receivedAt: m.receivedAt,
    seq: m.firstSeq + k,
  };
}
