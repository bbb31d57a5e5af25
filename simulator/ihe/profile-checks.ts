import { fieldRaw, get, isDtm, segs, type Hl7Message, type Hl7Segment } from './hl7-reader.js';

/**
 * The rules a receiver checks, written from the profile texts:
 * - IHE PCD Technical Framework Vol. 2 rev. 9.0 (2019-12-12): 3.1 PCD-01 (ORU^R01) and 3.4 PCD-04 (ORU^R40), with
 *   Appendix B (MSH, PID, PV1, OBR, OBX as the PCD profiles constrain them) and the alert attributes of 3.4.4;
 * - HL7 v2.6 Chapter 2 (MSH) and Chapter 7 (OBR, OBX).
 * The IEEE 11073-10101 codes of the six alert attributes are 68480-68485; an older set (68164-68169) is still sent by
 * some devices, so a reader accepts both (the profile's own recommendation to be liberal in what is read).
 */

export const EVENT_PHASES = ['start', 'start_only', 'continue', 'end', 'present', 'update', 'escalate', 'inactivate', 'deescalate', 'reset'];
export const ALARM_STATES = ['off', 'inactive', 'active', 'latched'];
export const INACTIVATION_STATES = ['enabled', 'audio-paused', 'audio-off', 'alarm-paused', 'alarm-off', 'alert-acknowledged'];
export const PRIORITIES = ['PH', 'PM', 'PL', 'PN'];
export const ALERT_TYPES = ['SP', 'ST', 'SA'];

const ATTRS: Record<string, 'source' | 'phase' | 'state' | 'inactivation' | 'priority' | 'type'> = {
  '68480': 'source', '68481': 'phase', '68482': 'state', '68483': 'inactivation', '68484': 'priority', '68485': 'type',
  '68164': 'source', '68165': 'phase', '68166': 'state', '68167': 'inactivation', '68168': 'priority', '68169': 'type',
};

/** The facet each attribute lives at under the alert's position (TF-2 3.4.4: .3 phase ... .7 type). */
const FACET = { phase: 3, state: 4, inactivation: 5, priority: 6, type: 7 } as const;

export interface AlertReading {
  controlId: string;
  alertId: string;
  eventCode: string;
  eventName: string;
  text: string;
  phase: string;
  state: string;
  inactivation: string;
  priority: string;
  type: string;
  watchdog: boolean;
  confirmTimeoutSeconds?: number;
  value?: string;
  range?: string;
  bed: string;
  patientId: string;
  startedAt: string;
}

export interface Checked<T> {
  errors: string[];
  reading?: T;
}

function msh(m: Hl7Message, type: string, profile: string, errors: string[]): Hl7Segment | undefined {
  const h = m.segments[0];
  if (!h || h.name !== 'MSH') {
    errors.push('MSH: first segment must be MSH');
    return undefined;
  }
  if (fieldRaw(h, 2) !== '^~\\&') errors.push(`MSH-2: encoding characters must be ^~\\& (got ${fieldRaw(h, 2)})`);
  if (!get(h, 3)) errors.push('MSH-3: sending application required');
  if (!isDtm(get(h, 7))) errors.push(`MSH-7: not a DTM (${get(h, 7)})`);
  if (fieldRaw(h, 9) !== type) errors.push(`MSH-9: must be ${type} (got ${fieldRaw(h, 9)})`);
  if (!get(h, 10)) errors.push('MSH-10: message control id required');
  if (!['P', 'D', 'T'].includes(get(h, 11))) errors.push(`MSH-11: processing id P, D or T (got ${get(h, 11)})`);
  if (get(h, 12) !== '2.6') errors.push(`MSH-12: version 2.6 (got ${get(h, 12)})`);
  if (get(h, 15) !== 'AL') errors.push(`MSH-15: accept acknowledgment AL (got ${get(h, 15)})`);
  if (get(h, 16) !== 'NE') errors.push(`MSH-16: application acknowledgment NE (got ${get(h, 16)})`);
  if (get(h, 21) !== profile) errors.push(`MSH-21: profile ${profile} (got ${get(h, 21)})`);
  return h;
}

function order(m: Hl7Message, errors: string[]): void {
  const names = m.segments.map((s) => s.name).join(' ');
  if (!/^MSH( SFT)*( PID( PD1)?( NTE)*( PV1( PV2)?)?)?( OBR( NTE)*( OBX( NTE)*)+)+$/.test(names)) errors.push(`segment order: ${names}`);
  if (segs(m, 'PID').length === 0) errors.push('PID: required');
  const pv1 = segs(m, 'PV1')[0];
  if (!pv1) errors.push('PV1: required (the point of care)');
  else if (!get(pv1, 3, 1) && !get(pv1, 3, 3)) errors.push('PV1-3: assigned patient location required');
}

function obxCommon(m: Hl7Message, errors: string[]): Hl7Segment[] {
  const obx = segs(m, 'OBX');
  obx.forEach((o, i) => {
    if (get(o, 1) !== String(i + 1)) errors.push(`OBX-1: set ids must run 1, 2, 3 ... (row ${i + 1} has ${get(o, 1)})`);
    if (!/^\d+(\.\d+){3,4}$/.test(get(o, 4))) errors.push(`OBX-4 row ${i + 1}: containment MDS.VMD.CHAN.METRIC[.FACET] (got ${get(o, 4)})`);
    if (get(o, 3, 3) !== 'MDC' && get(o, 3, 6) !== 'MDC') errors.push(`OBX-3 row ${i + 1}: an MDC code is required (got ${fieldRaw(o, 3)})`);
    if (!/^\d+$/.test(get(o, 3, 1))) errors.push(`OBX-3 row ${i + 1}: numeric MDC code (got ${get(o, 3, 1)})`);
    const status = get(o, 11);
    if (!['R', 'F', 'X', 'P', 'C'].includes(status)) errors.push(`OBX-11 row ${i + 1}: result status (got '${status}')`);
    if (status === 'X' && !get(o, 3, 2).startsWith('MDC_DEV_')) errors.push(`OBX row ${i + 1}: a device row (OBX-11 X) carries an MDC_DEV_ code`);
    if (get(o, 14) && !isDtm(get(o, 14))) errors.push(`OBX-14 row ${i + 1}: not a DTM`);
    if (get(o, 2) === 'NM' && !/^-?\d+(\.\d+)?$/.test(get(o, 5))) errors.push(`OBX-5 row ${i + 1}: NM value not numeric (${get(o, 5)})`);
    if (get(o, 2) === 'NM' && !get(o, 6, 1)) errors.push(`OBX-6 row ${i + 1}: units required for a numeric value`);
  });
  return obx;
}

/** PCD-04 Report Alert, one message. */
export function checkPcd04(m: Hl7Message): Checked<AlertReading> {
  const errors: string[] = [];
  const h = msh(m, 'ORU^R40^ORU_R40', 'IHE_PCD_ACM_001', errors);
  order(m, errors);
  const obr = segs(m, 'OBR')[0];
  if (!get(obr, 3)) errors.push('OBR-3: the alert identifier is required');
  if (get(obr, 4, 1) !== '196616' || get(obr, 4, 2) !== 'MDC_EVT_ALARM' || get(obr, 4, 3) !== 'MDC') errors.push(`OBR-4: 196616^MDC_EVT_ALARM^MDC (got ${fieldRaw(obr, 4)})`);
  if (!isDtm(get(obr, 7))) errors.push('OBR-7: observation (alert start) time required');
  const obx = obxCommon(m, errors);
  const alertRows = obx.filter((o) => get(o, 11) !== 'X');
  const eventRow = alertRows.find((o) => get(o, 4).split('.').length === 5 && get(o, 4).endsWith('.1') && !ATTRS[get(o, 3, 1)] && get(o, 3, 1) !== '67860');
  if (!eventRow) errors.push('OBX: the event row (facet .1) is missing');
  const base = eventRow ? get(eventRow, 4).split('.').slice(0, 4).join('.') : '';
  const attr: Partial<Record<string, string>> = {};
  for (const o of alertRows) {
    const name = ATTRS[get(o, 3, 1)];
    if (!name || name === 'source') continue;
    attr[name] = get(o, 5);
    const want = `${base}.${FACET[name]}`;
    if (get(o, 4) !== want) errors.push(`OBX-4 of ${get(o, 3, 2)}: expected ${want} (got ${get(o, 4)})`);
  }
  const source = alertRows.find((o) => get(o, 4) === `${base}.2`);
  if (!source) errors.push('OBX: the source row (facet .2: the measured value, or MDC_ATTR_ALERT_SOURCE) is missing');
  const need = (k: string, allowed: string[]) => {
    if (attr[k] === undefined) errors.push(`OBX: alert attribute ${k} missing`);
    else if (!allowed.includes(attr[k]!)) errors.push(`OBX: ${k} '${attr[k]}' is not one of ${allowed.join(', ')}`);
  };
  need('phase', EVENT_PHASES);
  need('state', ALARM_STATES);
  need('inactivation', INACTIVATION_STATES);
  need('priority', PRIORITIES);
  need('type', ALERT_TYPES);
  const confirm = obx.find((o) => get(o, 3, 1) === '67860');
  const watchdog = attr.priority === 'PN';
  if (watchdog && !confirm) errors.push('watchdog (priority PN): MDC_ATTR_CONFIRM_TIMEOUT row required');
  if (confirm && !/^\d+(\.\d+)?$/.test(get(confirm, 5))) errors.push('MDC_ATTR_CONFIRM_TIMEOUT: a number of seconds');
  if (attr.phase === 'end' && attr.state !== 'inactive') errors.push(`phase end with alarm state ${attr.state}: must be inactive`);
  if (attr.phase === 'start' && attr.state !== 'active') errors.push(`phase start with alarm state ${attr.state}: must be active`);
  if (source && get(source, 2) === 'NM' && get(source, 7) && !/^([<>]=?)?-?\d+(\.\d+)?(--?\d+(\.\d+)?)?$/.test(get(source, 7))) errors.push(`OBX-7: reference range (alarm limits) malformed: ${get(source, 7)}`);
  const pid = segs(m, 'PID')[0];
  const pv1 = segs(m, 'PV1')[0];
  const reading: AlertReading = {
    controlId: get(h, 10),
    alertId: get(obr, 3),
    eventCode: eventRow ? (get(eventRow, 2) === 'CWE' ? get(eventRow, 5, 1) : get(eventRow, 3, 1)) : '',
    eventName: eventRow ? (get(eventRow, 2) === 'CWE' ? get(eventRow, 5, 2) : get(eventRow, 3, 2)) : '',
    text: eventRow ? (get(eventRow, 2) === 'CWE' ? get(eventRow, 5, 9) : get(eventRow, 5)) : '',
    phase: attr.phase ?? '',
    state: attr.state ?? '',
    inactivation: attr.inactivation ?? '',
    priority: attr.priority ?? '',
    type: attr.type ?? '',
    watchdog,
    ...(confirm ? { confirmTimeoutSeconds: Number(get(confirm, 5)) } : {}),
    ...(source && get(source, 2) === 'NM' ? { value: get(source, 5), range: get(source, 7) } : {}),
    bed: get(pv1, 3, 3),
    patientId: get(pid, 3, 1),
    startedAt: get(obr, 7),
  };
  if (eventRow && get(eventRow, 2) === 'CWE' && get(eventRow, 5, 3) !== 'MDC') errors.push('OBX-5 of the event row: an MDC event code');
  return { errors, reading };
}

/** Phase sequences per alert (TF-2 3.4: an alert starts, is updated, ends; nothing follows its end). */
export class AlertSequences {
  private readonly byAlert = new Map<string, { phases: string[]; ended: boolean; startedAt: string }>();
  private readonly seenControl = new Map<string, string>();

  /** Returns problems with this message in the light of the earlier ones; `resend` when the control id came before. */
  take(r: AlertReading, raw: string): { errors: string[]; resend: boolean } {
    const prev = this.seenControl.get(r.controlId);
    if (prev !== undefined) return { errors: prev === raw ? [] : [`MSH-10 ${r.controlId} reused for a different message`], resend: true };
    this.seenControl.set(r.controlId, raw);
    if (r.watchdog) return { errors: [], resend: false };
    const errors: string[] = [];
    const a = this.byAlert.get(r.alertId);
    if (!a) {
      if (r.phase !== 'start' && r.phase !== 'start_only') errors.push(`alert ${r.alertId}: first message has phase ${r.phase}, expected start`);
      this.byAlert.set(r.alertId, { phases: [r.phase], ended: ['end', 'reset', 'start_only'].includes(r.phase), startedAt: r.startedAt });
      return { errors, resend: false };
    }
    if (a.ended) errors.push(`alert ${r.alertId}: ${r.phase} after the alert ended`);
    if (r.phase === 'start') errors.push(`alert ${r.alertId}: a second start`);
    if (a.startedAt !== r.startedAt) errors.push(`alert ${r.alertId}: OBR-7 (start time) changed`);
    a.phases.push(r.phase);
    if (['end', 'reset'].includes(r.phase)) a.ended = true;
    return { errors, resend: false };
  }

  phases(alertId: string): string[] {
    return this.byAlert.get(alertId)?.phases ?? [];
  }

  get alerts(): number {
    return this.byAlert.size;
  }
}

export interface ObservationReading {
  controlId: string;
  bed: string;
  patientId: string;
  values: Array<{ code: string; name: string; value: number; unit: string; at: string; equipment: string; sub: string; status: string }>;
}

/** PCD-01 Communicate PCD Data, one message. */
export function checkPcd01(m: Hl7Message): Checked<ObservationReading> {
  const errors: string[] = [];
  const h = msh(m, 'ORU^R01^ORU_R01', 'IHE PCD ORU-R01 2006', errors);
  order(m, errors);
  const obr = segs(m, 'OBR')[0];
  if (!get(obr, 4, 1)) errors.push('OBR-4: universal service identifier required');
  if (!isDtm(get(obr, 7))) errors.push('OBR-7: observation time required');
  const obx = obxCommon(m, errors);
  const devices = new Set(obx.filter((o) => get(o, 11) === 'X').map((o) => get(o, 4)));
  const values: ObservationReading['values'] = [];
  for (const o of obx.filter((x) => get(x, 11) !== 'X')) {
    const sub = get(o, 4);
    const [mds, vmd] = sub.split('.');
    if (!devices.has(`${mds}.0.0.0`) || !devices.has(`${mds}.${vmd}.0.0`)) errors.push(`OBX-4 ${sub}: no MDS/VMD device rows above this metric`);
    if (get(o, 2) !== 'NM') errors.push(`OBX-2 ${sub}: metric rows here are NM`);
    if (!['MDC', 'UCUM'].includes(get(o, 6, 3))) errors.push(`OBX-6 ${sub}: MDC or UCUM units (got ${fieldRaw(o, 6)})`);
    if (!isDtm(get(o, 14))) errors.push(`OBX-14 ${sub}: observation time required`);
    if (get(o, 18, 4) !== 'EUI-64' || !/^[0-9A-F]{16}$/i.test(get(o, 18, 3))) errors.push(`OBX-18 ${sub}: equipment EUI-64 required (got ${fieldRaw(o, 18)})`);
    values.push({ code: get(o, 3, 1), name: get(o, 3, 2), value: Number(get(o, 5)), unit: get(o, 6, 2), at: get(o, 14), equipment: get(o, 18, 1), sub, status: get(o, 11) });
  }
  if (values.length === 0) errors.push('OBX: no metric rows');
  return { errors, reading: { controlId: get(h, 10), bed: get(segs(m, 'PV1')[0], 3, 3), patientId: get(segs(m, 'PID')[0], 3, 1), values } };
}
