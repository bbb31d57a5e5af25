import type { Observation } from '../drivers/core/observation.js';
import type { ParamName } from '../drivers/core/parameters.js';
import type { TechnicalConditionName } from './technical.js';

/** IEC 60601-1-8 alarm priorities. */
export type Priority = 'high' | 'medium' | 'low';
export const PRIORITY_RANK: Record<Priority, number> = { low: 1, medium: 2, high: 3 };

export type AlarmKind = 'physiological' | 'technical';
export type AlarmState = 'active' | 'acknowledged' | 'cleared';

/** What changed in an alarm; each AlarmEvent carries exactly one. */
export type AlarmTransition =
  | 'raised'
  | 'escalated' // priority rose (band change, or unacknowledged too long)
  | 'deescalated' // value moved back to a lower band while still violating
  | 'acknowledged'
  | 'latched' // condition gone, but a high-priority alarm stays shown until acknowledged
  | 'cleared'
  | 'audio-paused'
  | 'audio-resumed'
  | 'retriggered' // a latched alarm's condition came back before acknowledgement, or a device's list at a device alarm's level gained an alarm: same episode, to be answered again
  | 'updated'; // a device alarm's list lost one of its alarms (others stand): what it says changed, nothing else

/**
 * One alarm state change. Published on `alarms/<bed>`, pushed to the screen, stored in `alarm_events`.
 * Condition names: `<param>-high` / `<param>-low` for limits, `news2` for the NEWS2 risk, `fall`,
 * technical ones as `<TechnicalCondition>` with the device in `deviceId`.
 */
/** Where an alarm's latest transition came from: the device and, when an observation caused it, that observation. */
export interface AlarmSource {
  deviceId?: string;
  /** The observation that caused this transition, when one did. */
  sourceTs?: number;
  /** The gateway's observation sequence (`seq` of the observation). */
  sourceSeq?: number;
  /** The device's own message sequence (`seq` in vitals/<id>), when it sends one. */
  deviceSeq?: number;
  /** The device's own message id (HL7 MSH-10 control id), when it sends one. */
  deviceMessageId?: string;
}

/**
 * One of the device's own alarms behind a `device-alarm-<priority>` alarm (a monitor's alarm list, an HL7 alarm row,
 * an ORU^R40 alert), as the device reported it.
 */
export interface DeviceAlarmItem {
  /** The device's own word: `physiological` (the patient) or `technical` (the device). */
  kind: AlarmKind;
  /** The device's text for it (what its screen shows), else the event's reference id. */
  text: string;
  /** The IEEE 11073-10101 event code (partition 3, e.g. 196674), when the device sent one. */
  eventCode?: number;
  /** The event's MDC reference id (e.g. `MDC_EVT_ECG_ASYSTOLE`), when the device sent one. */
  eventRef?: string;
}

export interface AlarmEvent extends AlarmSource {
  /** Alarm episode id: stable from raise to clear. */
  id: string;
  bed: string;
  condition: string;
  kind: AlarmKind;
  priority: Priority;
  state: AlarmState;
  transition: AlarmTransition;
  /** Whether the alarm currently sounds (active, not acknowledged, not audio-paused). */
  audible: boolean;
  latched: boolean;
  /** Whether this alarm latches (stays until acknowledged) when its condition ends at high priority. */
  latching: boolean;
  /** Unacknowledged longer than the escalation time. */
  escalated: boolean;
  param?: ParamName;
  /** The latest value (NEWS2: the latest total): what is true now. */
  value?: number;
  /** The worst value since the alarm rose (lowest for a low limit, highest for a high limit; the NEWS2 peak). */
  worstValue?: number;
  unit?: string;
  limit?: number;
  raisedAt: number;
  /**
   * Raise order on this gateway: 1, 2, 3 ... per alarm episode, kept from raise to clear and across restarts. Alarms
   * are ordered by this, never by `raisedAt`: a Pi has no real-time clock, and its wall clock can step when NTP syncs.
   * Always set by the engine; absent only in events stored by earlier releases (restore numbers those first).
   */
  raiseSeq?: number;
  /**
   * A `device-alarm-<priority>` alarm only: the device's own alarms at that priority, as it last reported them (one
   * alarm per device and priority stands for all of them; see docs/alarms.md, "The device's own alarms").
   */
  deviceAlarms?: DeviceAlarmItem[];
  /** Rules clock time of this transition (epoch ms). */
  at: number;
  /** Who or what caused the transition: `rules`, `device:<id>`, `staff:<id>`, `timer`. */
  by: string;
  incidentId: string;
  message: string;
}

export type IncidentEventType = 'opened' | 'updated' | 'escalated' | 'acknowledged' | 'closed';

/** An incident: one per bed and condition episode, what the central service dispatches on. */
export interface IncidentEvent {
  incidentId: string;
  /** 1, 2, 3 ... per incident, never reordered. */
  incidentSeq: number;
  type: IncidentEventType;
  bed: string;
  /** From the bed's config, when known. */
  ward?: string;
  patientId?: string;
  condition: string;
  kind: AlarmKind;
  priority: Priority;
  at: number;
  by: string;
  alarmId: string;
  deviceId?: string;
  /** The latest vitals of the bed at the time of the event. */
  vitals: Partial<Record<ParamName, number>>;
  news2?: News2Result;
  message: string;
}

export interface News2Result {
  total: number;
  subscores: Partial<Record<'rr' | 'spo2' | 'o2' | 'sbp' | 'hr' | 'acvpu' | 'temp', number>>;
  risk: 'low' | 'low-medium' | 'medium' | 'high';
  complete: boolean;
  missing: string[];
  /** Set when the systolic scored came from the arterial line (abp_sys); absent: from the cuff. */
  sbpFrom?: 'arterial';
}

/** What the engine returns from every call: events in the order they happened. */
export interface RulesOutput {
  alarms: AlarmEvent[];
  incidents: IncidentEvent[];
}

/** A device's whole alarm list (DriverSink.deviceAlarms): each priority's alarms become one `device-alarm-<priority>`. */
export interface DeviceAlarmsInput {
  bed: string;
  deviceId: string;
  at: number;
  alarms: ReadonlyArray<DeviceAlarmItem & { priority: Priority | 'none' }>;
}

/** Technical input from drivers and the gateway itself (store trouble, buzzer fault). */
export interface TechnicalInput {
  bed: string;
  deviceId?: string;
  condition: TechnicalConditionName;
  active: boolean;
  at: number;
  detail?: string;
}

export type { Observation };
