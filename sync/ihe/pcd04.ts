import { isParamName, PARAMETERS } from '../../drivers/core/parameters.js';
import { comp, dtm, esc, segment } from './hl7.js';
import { ALERT_ATTR, code, eventFor, eui64, MDC_ATTR_CONFIRM_TIMEOUT, MDC_DEV_MDS, MDC_DEV_VMD, MDC_DIM_SEC, MDC_EVT_ALARM, paramCode, unitOf } from './mdc.js';

/**
 * PCD-04 Report Alert (ORU^R40^ORU_R40), from the Alarm Reporter (the gateway) to the Alarm Manager.
 *
 * Source: IHE PCD Technical Framework Vol. 2 rev. 9.0 (2019-12-12), section 3.4 (PCD-04): MSH-21
 * IHE_PCD_ACM_001; OBR-3 the alert's unique identifier, stable over the alert's life; OBR-4 196616^MDC_EVT_ALARM;
 * OBR-29 the parent; OBX rows for the device hierarchy (OBX-11 X) and, under the alert's position, facet .1 the
 * event, .2 the source (the measured value with its limit as OBX-7 for a numeric alert, else MDC_ATTR_ALERT_SOURCE),
 * .3 event phase, .4 alarm state, .5 inactivation state, .6 priority, .7 alert type. HL7 v2.6 Chapter 7 for OBR/OBX.
 */

/**
 * One alarm transition as the reporter needs it: the fields of the rules' AlarmEvent (rules/types.ts) it reads, typed
 * here so sync/ stays independent of rules/ (an AlarmEvent is one of these).
 */
export interface AlarmEvent {
  id: string;
  bed: string;
  condition: string;
  kind: 'physiological' | 'technical';
  priority: 'high' | 'medium' | 'low';
  state: 'active' | 'acknowledged' | 'cleared';
  transition: string;
  audible: boolean;
  latched: boolean;
  param?: string;
  value?: number;
  limit?: number;
  deviceId?: string;
  /** A device alarm's own alarms (rules/types.ts DeviceAlarmItem): what the device said, and of which kind. */
  deviceAlarms?: ReadonlyArray<{ kind: 'physiological' | 'technical'; text: string; eventCode?: number; eventRef?: string }>;
  sourceTs?: number;
  raisedAt: number;
  at: number;
  by: string;
  incidentId: string;
  message: string;
}

export interface AlertContext {
  gatewayId: string;
  site: string;
  ward: string;
  /** MSH-5 / MSH-6 of the alarm manager, when the hospital gives them. */
  receivingApplication?: string;
  receivingFacility?: string;
  /** PID-3 when the centre admitted a patient to the bed (or the bed's config names one). */
  patientId?: string;
  now: number;
  messageId: string;
}

/** EVENT_PHASE, ALARM_STATE, INACTIVATION_STATE of one alarm transition (the table in docs/integration-ihe.md). */
export interface AlertStates {
  phase: string;
  state: 'active' | 'inactive' | 'latched';
  inactivation: 'enabled' | 'audio-paused' | 'alert-acknowledged';
}

export function alertStates(a: AlarmEvent): AlertStates {
  const state: AlertStates['state'] = a.state === 'cleared' ? 'inactive' : a.latched ? 'latched' : 'active';
  const inactivation: AlertStates['inactivation'] =
    a.state === 'acknowledged' ? 'alert-acknowledged' : a.state === 'active' && !a.audible ? 'audio-paused' : 'enabled';
  const phase = (() => {
    switch (a.transition) {
      case 'raised':
        return 'start';
      case 'escalated':
        return 'escalate';
      case 'deescalated':
        return 'deescalate';
      case 'acknowledged':
      case 'audio-paused':
        return 'inactivate';
      case 'cleared':
        // A latched alarm ended by a person acknowledging it is an alarm reset (IEC 60601-1-8, 3.2 "alarm reset").
        return a.by.startsWith('staff:') ? 'reset' : 'end';
      default: // latched, retriggered, updated, audio-resumed: the same alert, its attributes changed
        return 'update';
    }
  })();
  return { phase, state, inactivation };
}

export const PRIORITY_CODE = { high: 'PH', medium: 'PM', low: 'PL' } as const;

function header(ctx: AlertContext, bed: string): string[] {
  const gwEui = eui64(ctx.gatewayId);
  return [
    segment('MSH', [
      '^~\\&', comp('WARDGATE', gwEui, 'EUI-64'), esc(ctx.site), esc(ctx.receivingApplication), esc(ctx.receivingFacility), dtm(ctx.now), undefined,
      'ORU^R40^ORU_R40', esc(ctx.messageId), 'P', '2.6', undefined, undefined, 'AL', 'NE', undefined, 'UNICODE UTF-8', undefined, undefined,
      'IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.4.1^ISO',
    ]),
    segment('PID', ['1', undefined, ctx.patientId ? comp(esc(ctx.patientId), undefined, undefined, esc(ctx.site), 'PI') : undefined]),
    segment('PV1', ['1', 'I', comp(esc(ctx.ward), undefined, esc(bed), esc(ctx.site))]),
  ];
}

function deviceRows(ctx: AlertContext, deviceId: string | undefined): string[] {
  const equipment = comp(esc(deviceId ?? ctx.gatewayId), undefined, eui64(deviceId ?? ctx.gatewayId), 'EUI-64');
  return [
    segment('OBX', ['1', undefined, code(MDC_DEV_MDS), '1.0.0.0', undefined, undefined, undefined, undefined, undefined, undefined, 'X', undefined, undefined, undefined, undefined, undefined, undefined, equipment]),
    segment('OBX', ['2', undefined, code(MDC_DEV_VMD), '1.1.0.0', undefined, undefined, undefined, undefined, undefined, undefined, 'X']),
  ];
}

function obx(n: number, type: string, id: string, sub: string, value: string, unit?: string, range?: string, at?: number): string {
  return segment('OBX', [String(n), type, id, sub, value, unit, range, undefined, undefined, undefined, 'R', undefined, undefined, at === undefined ? undefined : dtm(at)]);
}

/** Facet .2 .. .7 for one alert (the attribute rows). */
function attributeRows(first: number, pos: string, s: AlertStates, priority: string, type: string): string[] {
  const a = (n: number, attr: { code: number; ref: string }, v: string) => obx(first + n, 'ST', code(attr), `${pos}.${n + 3}`, v);
  return [a(0, ALERT_ATTR.phase, s.phase), a(1, ALERT_ATTR.state, s.state), a(2, ALERT_ATTR.inactivation, s.inactivation), a(3, ALERT_ATTR.priority, priority), a(4, ALERT_ATTR.type, type)];
}

/** OBR-3: the alert instance's id (EI: id ^ namespace ^ universal id ^ type), the same for every update of the alert. */
export function alertIdentifier(alertId: string, gatewayId: string): string {
  return comp(esc(alertId), 'WARDGATE', eui64(gatewayId), 'EUI-64');
}

/** What the alert row (facet .1) says: the event (OBX-5 CWE-1/2), its original text (CWE-9) and the alert type. */
interface AlertIdentity {
  code: string;
  ref: string;
  text: string;
  kind: 'physiological' | 'technical';
}

/**
 * The alert's identity. The gateway's own alarms: the condition's event (mdc.ts `eventFor`), the alarm's message, and
 * its kind. A device alarm (`device-alarm-<priority>`) is the device's own alarm forwarded, so it goes out as the
 * device said it, not as a technical alarm of the gateway: IHE PCD TF-2 rev. 9.0 section 3.4.4 (PCD-04 OBX
 * segments) puts the event in OBX-5 of the alert's facet .1 (the specific MDC_EVT_ term where there is one, else
 * 196616 MDC_EVT_ALARM with the text) and the alert type in facet .7, MDC_ATTR_ALERT_TYPE: SP physiological, ST
 * technical; HL7 v2.6 section 2A.13 (CWE) gives component 9, original text, for the device's own words.
 *  - event: the device's MDC event when it sent one and every alarm at the level is that one event, else
 *    MDC_EVT_ALARM (two alarms at one level, asystole and VF, are one alert whose text names both);
 *  - type: SP when any of them is physiological (the patient's alarm wins: it is the one a nurse must run to), else ST;
 *  - text: the device's texts, `Asystole; VF`.
 */
function alertIdentity(a: AlarmEvent): AlertIdentity {
  const items = a.deviceAlarms ?? [];
  if (items.length === 0) {
    const ev = eventFor(a.condition, a.kind);
    return { code: String(ev.code), ref: ev.ref, text: a.message, kind: a.kind };
  }
  const first = items[0]!;
  const oneEvent = (first.eventCode !== undefined || first.eventRef !== undefined) && items.every((i) => i.eventCode === first.eventCode && i.eventRef === first.eventRef);
  const code = oneEvent ? (first.eventCode !== undefined ? String(first.eventCode) : '') : String(MDC_EVT_ALARM.code);
  const ref = oneEvent ? (first.eventRef ?? '') : MDC_EVT_ALARM.ref;
  const kind = items.some((i) => i.kind === 'physiological') ? 'physiological' : 'technical';
  return { code, ref, text: items.map((i) => i.text).join('; '), kind };
}

export function encodeAlarmPcd04(a: AlarmEvent, ctx: AlertContext): string {
  const s = alertStates(a);
  const id = alertIdentity(a);
  const param = a.param !== undefined && isParamName(a.param) ? a.param : undefined;
  const metric = param ? PARAMETERS[param].mdc : 0;
  const pos = `1.1.1.${metric}`;
  const end = a.state === 'cleared' ? dtm(a.at) : undefined;
  const obr = segment('OBR', [
    '1', undefined, alertIdentifier(a.id, ctx.gatewayId), code(MDC_EVT_ALARM), undefined, undefined, dtm(a.raisedAt), end,
    ...Array<undefined>(20).fill(undefined), a.incidentId ? comp(undefined, `${esc(a.incidentId)}&WARDGATE`) : undefined,
  ]);
  const rows = deviceRows(ctx, a.deviceId);
  rows.push(obx(3, 'CWE', code(MDC_EVT_ALARM), `${pos}.1`, comp(id.code, esc(id.ref), 'MDC', undefined, undefined, undefined, undefined, undefined, esc(id.text)), undefined, undefined, a.at));
  if (param && a.value !== undefined) {
    const range = a.limit === undefined ? undefined : a.condition.endsWith('-high') ? `<${a.limit}` : a.condition.endsWith('-low') ? `>${a.limit}` : undefined;
    rows.push(obx(4, 'NM', paramCode(param), `${pos}.2`, String(a.value), unitOf(param), range, a.sourceTs ?? a.at));
  } else {
    // The source of a technical alert is the device (its id as the original text), or the gateway itself.
    const source = comp(MDC_DEV_MDS.code, MDC_DEV_MDS.ref, 'MDC', undefined, undefined, undefined, undefined, undefined, esc(a.deviceId ?? ctx.gatewayId));
    rows.push(obx(4, 'CWE', code(ALERT_ATTR.source), `${pos}.2`, source));
  }
  rows.push(...attributeRows(5, pos, s, PRIORITY_CODE[a.priority], id.kind === 'technical' ? 'ST' : 'SP'));
  return [...header(ctx, a.bed), obr, ...rows].join('\r');
}

/**
 * The watchdog (keep-alive): a PCD-04 with priority PN, active and enabled while the gateway runs, inactive in
 * the last one sent on a clean shutdown, and the time the manager has to confirm it (MDC_ATTR_CONFIRM_TIMEOUT).
 * This follows a published vendor convention for a distributed alarm system (IEC 60601-1-8 6.11.2: a failure of
 * the communication must itself be alarmed); TF-2 rev. 9.0 leaves the keep-alive to the implementation.
 */
export function encodeWatchdogPcd04(ctx: AlertContext, opts: { watchdogId: string; startedAt: number; confirmTimeoutSeconds: number; final: boolean }): string {
  const pos = '1.1.1.0';
  const s: AlertStates = { phase: opts.final ? 'end' : 'present', state: opts.final ? 'inactive' : 'active', inactivation: 'enabled' };
  const obr = segment('OBR', ['1', undefined, alertIdentifier(opts.watchdogId, ctx.gatewayId), code(MDC_EVT_ALARM), undefined, undefined, dtm(opts.startedAt), opts.final ? dtm(ctx.now) : undefined]);
  const rows = deviceRows(ctx, undefined);
  rows.push(obx(3, 'CWE', code(MDC_EVT_ALARM), `${pos}.1`, comp(String(MDC_EVT_ALARM.code), MDC_EVT_ALARM.ref, 'MDC', undefined, undefined, undefined, undefined, undefined, 'Watchdog'), undefined, undefined, ctx.now));
  rows.push(obx(4, 'CWE', code(ALERT_ATTR.source), `${pos}.2`, comp(MDC_DEV_MDS.code, MDC_DEV_MDS.ref, 'MDC')));
  rows.push(...attributeRows(5, pos, s, 'PN', 'ST'));
  rows.push(obx(10, 'NM', code(MDC_ATTR_CONFIRM_TIMEOUT), '1.0.0.0.1', String(opts.confirmTimeoutSeconds), code(MDC_DIM_SEC)));
  return [...header({ ...ctx, patientId: undefined }, 'gateway'), obr, ...rows].join('\r');
}
