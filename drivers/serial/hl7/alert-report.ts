import type { AlertEvent as CoreAlertEvent } from '../../core/device-alarm-list.js';
import type { DeviceAlarmReport } from '../../core/observation.js';
import type { Hl7Error } from './ack.js';
import { mdcEvent } from './alerts.js';
import { component, components, repetitions, type Hl7Message, type Hl7Segment } from './message.js';

/**
 * IHE PCD-04 Report Alert (ORU^R40): one report per alert and per change of its state, each alert an OBR with a
 * group of OBX rows under one OBX-4 prefix.
 *
 * Source: IHE PCD Technical Framework Vol. 2 (PCD TF-2) rev. 9.0 (2019-12-12), section 3.4 "Report Alert [PCD-04]":
 * the ORU^R40 message (MSH, PID, PV1, then per alert OBR and its OBX group; the receiver answers ACK^R40), and the
 * alert attributes of 3.4.4; the alert's OBX group:
 *  - alert identification row: OBX-3 the kind of event (196616 MDC_EVT_ALARM, or the event code itself), OBX-5 the
 *    event (e.g. 196680 MDC_EVT_LEAD_OFF), OBX-4 `<containment of the source>.<event>.1`, OBX-8 abnormal flags that
 *    repeat the priority (PH/PM/PL/PN) and type (SP/ST/SA), OBX-18 the equipment (EUI-64);
 *  - the facet rows `.2` to `.7` of the same prefix: 68480 MDC_ATTR_ALERT_SOURCE, 68481 MDC_ATTR_EVENT_PHASE
 *    (start, start_only, continue, end, present, update, escalate, inactivate, deescalate, reset), 68482
 *    MDC_ATTR_ALARM_STATE (off, inactive, active, latched), 68483
 *    MDC_ATTR_ALARM_INACTIVATION_STATE (enabled, audio-paused, audio-off, alarm-paused, alarm-off, alert-acknowledged),
 *    68484 MDC_ATTR_ALARM_PRIORITY (PH high, PM medium, PL low, PN none), 68485 MDC_ATTR_ALERT_TYPE (SP
 *    physiological, ST technical, SA advisory);
 *  - a source measurement row (NM, the value that crossed a limit) may sit in the group: it is the alert's context,
 *    reported again by the device's PCD-01 feed, so it is not taken as a reading here.
 * Seen in a Mindray eGateway capture (test/fixtures/captures/PROVENANCE.md).
 *
 * An alert is the same alert across reports when its event and its OBX-4 prefix are the same (OBR-3 is not used:
 * Mindray's eGateway fills it with the message's own control id). An `end` or `reset` phase, or an `inactive` or `off`
 * state, clears it; `inactivate` (audio paused or acknowledged at the device) does not: the condition is still there.
 */
/** `key`: OBX-4 prefix and event code; `active` false: phase end/reset or state inactive/off. */
export interface AlertEvent extends CoreAlertEvent {
  /** MDC_ATTR_EVENT_PHASE as sent (lower case), when sent. */
  phase?: string;
  /** MDC_ATTR_ALARM_STATE as sent (lower case), when sent. */
  state?: string;
}

export interface AlertReport {
  events: AlertEvent[];
  /** Content errors (HL7 v2.5.1 2.9: answered AE), e.g. an R40 without an alert. */
  errors: Hl7Error[];
  /** OBX-18 of the first alert row that has one. */
  equipmentId?: string;
  /** The report was a watchdog (keep-alive), not an alarm. */
  watchdog?: boolean;
}

/** `reset`: a latched alarm reset at the device (IEC 60601-1-8 "alarm reset"), which ends it as `end` does. */
const PHASES_ENDED = new Set(['end', 'reset']);
/** `off`: the alarm switched off at the device, which no longer annunciates it. */
const STATES_ENDED = new Set(['inactive', 'off']);
const PRIORITIES: Record<string, DeviceAlarmReport['priority']> = { PH: 'high', PM: 'medium', PL: 'low', PN: 'none' };
const TYPES: Record<string, DeviceAlarmReport['kind']> = { SP: 'physiological', ST: 'technical', SA: 'technical' };

interface Group {
  prefix: string;
  eventCode: string;
  eventLabel: string;
  /** The MDC event, as code and reference id, when the report names one. */
  event: { eventCode?: number; eventRef?: string } | undefined;
  flags: string[];
  ts: number | undefined;
  phase?: string;
  state?: string;
  priority?: string;
  type?: string;
}

/**
 * The alert groups of an ORU^R40. `tsOf` reads an HL7 DTM (the caller's parser); `fallbackTs` is MSH-7's time.
 */
export function decodeAlertReport(msg: Hl7Message, tsOf: (s: string) => number | undefined, fallbackTs: number | undefined): AlertReport {
  const out: AlertReport = { events: [], errors: [] };
  const groups: Group[] = [];
  let obrTs: number | undefined;
  let current: Group | undefined;
  let confirmTimeout = false;
  for (const seg of msg.segments) {
    if (seg.id === 'OBR') {
      obrTs = tsOf(component(msg, seg, 7));
      current = undefined;
      continue;
    }
    if (seg.id !== 'OBX') continue;
    const c3 = components(msg, seg, 3);
    const ref = (c3[1] ?? '').trim().toUpperCase();
    const subId = component(msg, seg, 4).trim();
    if ((c3[0] ?? '').trim() === '67860' || ref === 'MDC_ATTR_CONFIRM_TIMEOUT') confirmTimeout = true;
    const facet = attributeOf(c3);
    if (facet && current && belongsTo(subId, current.prefix)) {
      const value = (component(msg, seg, 5, 2) || component(msg, seg, 5, 1)).trim();
      if (value !== '') current[facet] = value;
      continue;
    }
    if (!ref.startsWith('MDC_EVT_') && !isEventCode(c3[0] ?? '')) continue; // measurement or other context row
    current = alertRow(msg, seg, c3, subId, tsOf(component(msg, seg, 14)) ?? obrTs ?? fallbackTs);
    groups.push(current);
    if (out.equipmentId === undefined) {
      const eq = component(msg, seg, 18);
      if (eq) out.equipmentId = eq;
    }
  }
  for (const g of groups) {
    const e = toEvent(g);
    // A keep-alive of priority PN with the time the receiver has to confirm it (MDC_ATTR_CONFIRM_TIMEOUT), as alarm
    // reporters send between alerts: proof the link works, not an alarm of the patient or the device.
    if (confirmTimeout && e.alarm.priority === 'none') out.watchdog = true;
    else out.events.push(e);
  }
  if (groups.length === 0) {
    out.errors.push({ segment: 'OBX', code: 101, text: 'alert report (R40) without an alert: no OBX row with an MDC_EVT_* event' });
  }
  return out;
}

/**
 * An IEEE 11073-10101 code in the events partition: context-free code = partition * 2^16 + term code, partition 3
 * (MDC_PART_EVT), i.e. 196608-262143 (196616 MDC_EVT_ALARM, 196680 MDC_EVT_LEAD_OFF).
 */
function isEventCode(code: string): boolean {
  const n = Number(code.trim());
  return code.trim() !== '' && Number.isInteger(n) && Math.floor(n / 65536) === 3;
}

function alertRow(msg: Hl7Message, seg: Hl7Segment, c3: readonly string[], subId: string, ts: number | undefined): Group {
  // The event is OBX-5 (PCD-04); a sender that puts the event in OBX-3 itself leaves OBX-5 empty or a text.
  const v = components(msg, seg, 5);
  const valueCode = (v[0] ?? '').trim();
  const valueLabel = (v[1] ?? '').trim();
  const originalText = (v[8] ?? '').trim(); // CWE-9: the device's own text for the alert (HL7 v2.6 2A.13)
  const fromValue = /^\d+$/.test(valueCode) || valueLabel.toUpperCase().startsWith('MDC_');
  const eventCode = fromValue ? valueCode || valueLabel : (c3[0] ?? '').trim() || (c3[1] ?? '').trim();
  const eventLabel = fromValue ? valueLabel || valueCode : valueLabel || valueCode || (c3[1] ?? '').trim() || eventCode;
  // OBX-4 `1.7.0.196680.1`: the facets follow at `.2` ... under the prefix `1.7.0.196680`.
  const prefix = /\.1$/.test(subId) ? subId.slice(0, -2) : subId;
  return {
    prefix,
    eventCode,
    eventLabel: originalText || eventLabel,
    event: mdcEvent(valueCode, valueLabel) ?? mdcEvent(c3[0] ?? '', c3[1] ?? ''),
    flags: repetitions(msg, seg, 8).map((f) => f.trim().toUpperCase()),
    ts,
    ...stateFromStatus(component(msg, seg, 11)),
  };
}

/** OBX-11 D (deleted) or W (wrong) withdraws the alert report: taken as an ended alert. */
function stateFromStatus(status: string): Pick<Group, 'state'> {
  const s = status.trim().toUpperCase();
  return s === 'D' || s === 'W' ? { state: 'inactive' } : {};
}

function attributeOf(c3: readonly string[]): 'phase' | 'state' | 'priority' | 'type' | undefined {
  const code = (c3[0] ?? '').trim();
  const ref = (c3[1] ?? '').trim().toUpperCase();
  // 68481-68485, or the older 68165-68169 that some devices still send for the same attributes.
  if (code === '68481' || code === '68165' || ref === 'MDC_ATTR_EVENT_PHASE') return 'phase';
  if (code === '68482' || code === '68166' || ref === 'MDC_ATTR_ALARM_STATE') return 'state';
  if (code === '68484' || code === '68168' || ref === 'MDC_ATTR_ALARM_PRIORITY') return 'priority';
  if (code === '68485' || code === '68169' || ref === 'MDC_ATTR_ALERT_TYPE') return 'type';
  return undefined; // MDC_ATTR_ALERT_SOURCE, MDC_ATTR_ALARM_INACTIVATION_STATE: context only
}

/** A facet row of the group: its OBX-4 under the group's prefix (or no OBX-4 at all, right after the alert row). */
function belongsTo(subId: string, prefix: string): boolean {
  return subId === '' || prefix === '' || subId.startsWith(`${prefix}.`);
}

function toEvent(g: Group): AlertEvent {
  const phase = g.phase?.toLowerCase();
  const state = g.state?.toLowerCase();
  const active = !(phase !== undefined && PHASES_ENDED.has(phase)) && !(state !== undefined && STATES_ENDED.has(state));
  const flagPriority = g.flags.find((f) => f in PRIORITIES);
  const priority = PRIORITIES[(g.priority ?? '').toUpperCase()] ?? (flagPriority ? PRIORITIES[flagPriority] : undefined) ?? 'medium';
  const flagType = g.flags.find((f) => f in TYPES);
  const kind = TYPES[(g.type ?? '').toUpperCase()] ?? (flagType ? TYPES[flagType] : undefined) ?? 'physiological';
  return {
    key: `${g.prefix}|${g.eventCode}`,
    active,
    alarm: { kind, priority, text: g.eventLabel, ...g.event, ...(g.ts !== undefined ? { sourceTs: g.ts } : {}) },
    ...(phase !== undefined ? { phase } : {}),
    ...(state !== undefined ? { state } : {}),
  };
}
