import type { DeviceAlarmReport } from '../../core/observation.js';
import { component, repetitions, type Hl7Message, type Hl7Segment } from './message.js';

/**
 * OBX rows that carry the device's own alarms rather than a measurement.
 *
 * Sources: IHE PCD Technical Framework vol. 2 (PCD TF-2) section 3.4, Report Alert [PCD-04] (OBX-3 the alert's MDC event code, MDC_EVT_*;
 * OBX-8 abnormal flags carry the priority PH / PM / PL / PN and the alert type SP physiological / ST technical /
 * SA advisory); Philips IntelliVue HL7 output, whose alert rows use the coding system MDIL-ALERT and the IntelliVue
 * alarm-text convention of a leading "***" (red, high), "**" (yellow, medium) or "*" (short yellow, low).
 *
 * `c` is OBX-3's components, parsed once by the caller. Returns undefined for a row that is not an alarm row, null for an alarm row that says no alarm (empty value,
 * MDC_EVT_ALARM_NONE, or a status other than final/corrected/unverified), else the alarm.
 */
export function decodeAlertObx(msg: Hl7Message, seg: Hl7Segment, c: readonly string[], ts: number | undefined): DeviceAlarmReport | null | undefined {
  const code = (c[0] ?? '').trim();
  const ref = (c[1] ?? '').trim();
  const status = component(msg, seg, 11).toUpperCase();
  if (!['F', 'C', 'R', ''].includes(status)) return null;
  const value = component(msg, seg, 5, 2) || component(msg, seg, 5, 1);
  const text = value.trim();
  if (text === '' || /^MDC_EVT_ALARM_NONE$/i.test(text) || ref === 'MDC_EVT_ALARM_NONE') return null;
  const flags = repetitions(msg, seg, 8).map((f) => f.trim().toUpperCase());
  const stars = /^(\*{1,3})\s*/.exec(text);
  const mdil = (c[2] ?? '').trim().toUpperCase() === 'MDIL-ALERT' ? MDIL_ALERT[code] : undefined;
  let priority: DeviceAlarmReport['priority'] = 'medium';
  if (flags.includes('PH')) priority = 'high';
  else if (flags.includes('PM')) priority = 'medium';
  else if (flags.includes('PL')) priority = 'low';
  else if (flags.includes('PN')) priority = 'none';
  else if (mdil) priority = mdil.priority;
  else if (stars) priority = stars[1]!.length === 3 ? 'high' : stars[1]!.length === 2 ? 'medium' : 'low';
  const technical = flags.includes('ST') || flags.includes('SA') || (flags.length === 0 && mdil?.kind === 'technical');
  const kind: DeviceAlarmReport['kind'] = technical ? 'technical' : 'physiological';
  const label = (stars ? text.slice(stars[0].length) : text) || ref || code;
  // The event: OBX-5's code when it is an MDC event (PCD-04 style), else OBX-3's own when it names a specific one.
  const event = mdcEvent(component(msg, seg, 5, 1), component(msg, seg, 5, 2)) ?? mdcEvent(code, ref);
  return { kind, priority, text: label, ...event, ...(ts !== undefined ? { sourceTs: ts } : {}) };
}

/**
 * An IEEE 11073-10101 event as a CWE's code and text: the code when it is in the events partition (partition 3,
 * context-free code partition * 2^16 + term: 196608-262143), the reference id when it is an `MDC_EVT_` term. The
 * generic MDC_EVT_ALARM (196616) names no event and gives undefined, as does anything else.
 */
export function mdcEvent(code: string, ref: string): { eventCode?: number; eventRef?: string } | undefined {
  const c = code.trim();
  const r = ref.trim();
  const n = /^\d+$/.test(c) ? Number(c) : Number.NaN;
  const eventCode = Math.floor(n / 65536) === 3 && n !== 196616 ? n : undefined;
  const eventRef = /^MDC_EVT_/i.test(r) && r.toUpperCase() !== 'MDC_EVT_ALARM' ? r : undefined;
  if (eventCode === undefined && eventRef === undefined) return undefined;
  return { ...(eventCode !== undefined ? { eventCode } : {}), ...(eventRef !== undefined ? { eventRef } : {}) };
}

/**
 * Philips MDIL-ALERT codes (OBX-3.1; OBX-3.2 names the priority: Philips Efficia CM Series Data Export Guide,
 * "Alarms", p. 2-16, where `2^Yellow Alarm^MDIL-ALERT` is a medium-level physiological alarm). Red, yellow and
 * short-yellow alarms are the IntelliVue's ***, ** and * alarms (IntelliVue MP5 Instructions for Use, "Visual Alarm
 * Indicators": "*** for red alarms, ** for yellow alarms, * for short yellow alarms"); a hard INOP disables the measurement and sounds at the Information Center, a soft INOP leaves
 * monitoring on and is silent there (IntelliVue MX40 User's Manual, "Technical Alarms (INOPs)"). Codes seen in a
 * Philips Information Center capture (test/fixtures/captures/PROVENANCE.md): 1 RedAlarm, 2 YellowAlarm,
 * 3 ShortYellowAlarm, 5 HardInop, 6 SoftInop.
 */
const MDIL_ALERT: Readonly<Record<string, Pick<DeviceAlarmReport, 'kind' | 'priority'>>> = {
  '1': { kind: 'physiological', priority: 'high' },
  '2': { kind: 'physiological', priority: 'medium' },
  '3': { kind: 'physiological', priority: 'low' },
  '5': { kind: 'technical', priority: 'medium' },
  '6': { kind: 'technical', priority: 'low' },
};

/** Whether OBX-3 (its components) names an alarm row rather than a measurement. */
export function isAlertId(c: readonly string[]): boolean {
  const ref = c[1] ?? '';
  if (ref.startsWith('MDC_EVT_') || ref.startsWith('MDC_ATTR_ALERT')) return true;
  const system = c[2] ?? '';
  return system.length > 6 && system.trim().toUpperCase().endsWith('-ALERT');
}
