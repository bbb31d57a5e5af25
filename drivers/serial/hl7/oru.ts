import type { Decoded, DecodeResult, DeviceAlarmReport, QualityFlag } from '../../core/observation.js';
import { canonicalUnit, isPlausible } from '../../core/parameters.js';
import { ackCodeFor, buildAck, buildUnreadableReject, type AckOptions, type AckVerdict, type Hl7Error } from './ack.js';
import { hl7Text } from './charset.js';
import { component, components, findSegment, parseHl7, repetitions, type Hl7Message, type Hl7Segment } from './message.js';
import { decodeAlertObx } from './alerts.js';
import { decodeAlertReport, type AlertEvent } from './alert-report.js';
import { obx11Verdict, obx8Flags } from './measurement-status.js';
import type { Identified } from './obx-identify.js';
import { obx3 } from './obx3-memo.js';
import { VmdContext } from './vmd-context.js';
import { lookupUnit, UNIT_OPTIONAL } from './vocabulary.js';

/**
 * HL7 v2 ORU^R01 as bedside monitors and IHE PCD-01 (Communicate PCD Data) send it.
 * Sources: HL7 v2.5 ch. 7 (ORU^R01 7.3.1; OBX field definitions 7.4.2.1-7.4.2.19), IHE PCD Technical Framework
 * vol. 2 (PCD TF-2) section 3.1, Communicate PCD Data [PCD-01] (OBX-3 MDC triplet, OBX-4 dotted containment
 * "MDS.VMD.channel.metric", OBX-11 status, OBX-18 equipment instance), HL7 v2.5.1 ch. 2 (DTM format, escape
 * sequences).
 *
 * Decisions (documented contract):
 *  - OBX-11 accepted: F (final), C (corrected), R (results entered, not verified: PCD-01 devices send R for
 *    live unvalidated data) and empty (many monitors leave it blank); X (cannot be obtained) with a number is
 *    kept flagged invalid. Every other status (P preliminary, D deleted, W wrong, I pending, N not asked, S
 *    partial, U) yields no reading (measurement-status.ts).
 *  - OBX-2 must be NM; other value types are skipped.
 *  - OBX-8: measurement status (DEMO, TEST, CAL, QUES, INV) and null flavours (NAV, OFF, NAN, ...) become quality
 *    flags that keep the value out of scoring; abnormal flags (H, L, HH, LL, A, ...) put 'device-alarm' on it,
 *    information only (measurement-status.ts).
 *  - OBX-4 (sub-id) becomes the reading's channel; without it, a site/source given by the code itself
 *    (tympanic, co2, ...) does.
 *  - The generic MDC_RESP_RATE under an airway-analyser VMD row (OBX-4 m.v.0.0) is the airway rate `awrr`
 *    (vmd-context.ts).
 *  - Units are normalised to the canonical UCUM unit ([degF] -> Cel, kPa -> mm[Hg]); a unit that does not
 *    fit the parameter, or a missing unit for temperature and pressures, skips the observation with a warning.
 *  - Timestamps (OBX-14, else OBR-7, else MSH-7) give sourceTs only when they carry a UTC offset.
 *  - Invasive pressures never map to cuff sbp/dbp/map (see vocabulary.ts).
 *  - ORF^R04 (query response, HL7 v2.5.1 ch. 7.3.3) carries the same OBR/OBX groups and is decoded the same way.
 *  - Philips MDIL codes ("0002-4bb8^...^MDIL": partition-term in hex) are IEEE 11073-10101 codes written in hex
 *    (Philips IntelliVue HL7 interface programming guide); they map through the MDC table.
 *  - A numeric (NM) whose code nothing maps is not dropped: it comes out as an 'unmapped' item with its code,
 *    label, value and unit as sent. Device-hierarchy rows (GE's MDC_DEV_* rows with OBX-11 X and no value) carry
 *    no measurement and are skipped.
 *  - Device alarm rows (see alerts.ts) become the device's own alarm list.
 *  - ORU^R40 (IHE PCD-04 Report Alert, alert-report.ts) carries alert events, no readings; the ACK is ACK^R40.
 *  - NMD (HL7 v2.5 ch. 14, network management data; the Philips IntelliVue Information Center sends one a minute
 *    with an NCK system clock) is accepted and acknowledged; it carries nothing to decode.
 *  - Attribute rows (MDC_ATTR_*, and rows nested under a waveform row's OBX-4) describe another row and are
 *    skipped (isAttributeRow).
 */
export interface Hl7Location {
  pointOfCare?: string;
  room?: string;
  bed?: string;
}

export interface Hl7Decoded {
  result: DecodeResult;
  /** MSH-9 as "ORU^R01". */
  messageType?: string;
  /** MSH-10. */
  controlId?: string;
  sendingApplication?: string;
  sendingFacility?: string;
  /** PV1-3 components. */
  location?: Hl7Location;
  /** The most specific PV1-3 component present: bed, else room, else point of care. */
  bed?: string;
  /** PID-3 first identifier. */
  patientId?: string;
  /** OBX-18 of the first OBX that has one (the equipment instance, an EUI-64 in IHE PCD). */
  equipmentId?: string;
  /** The device's own alarms when the message carries alarm rows (an empty list: rows saying no alarm). */
  deviceAlarms?: DeviceAlarmReport[];
  /** ORU^R40: each alert's start, update or end (the device's list is kept by DeviceAlertList). */
  alertEvents?: AlertEvent[];
  /** Observations skipped for a reason worth logging (bad unit, bad number); the rest still decoded. */
  warnings: string[];
  /** The same skipped observations, each with its OBX and HL7 error code, and a short reason for counting. */
  rejected: Array<Hl7Error & { reason: ObxRejection }>;
  /** accept: AA/CA; error: AE/CE (unreadable segment, or every reading rejected); reject: AR/CR (type, version, processing id, no MSH). */
  verdict: AckVerdict;
  /** The ERR segments of the ACK. */
  errors: Hl7Error[];
  /** The message (or its MSH alone when a later segment is broken), to build another answer from. */
  header?: Hl7Message;
  /** The ACK to send back (CR-separated segments, not MLLP-framed), when the sender expects one. */
  ack?: string;
}

export type ObxRejection = 'value-type' | 'not-a-number' | 'no-unit' | 'wrong-unit' | 'implausible';

const NUMERIC_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const DTM_RE = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.(\d{1,4}))?([+-])(\d{2})(\d{2})$/;
const MAX_MESSAGE = 1024 * 1024;
const NOT_IDENTIFIED: Identified = {};

export interface Hl7DecodeOptions extends AckOptions {
  /** Build the ACK the sender asks for (default true; the decode tool turns it off). */
  ack?: boolean;
}

export function decodeHl7Message(input: string | Buffer, opts: Hl7DecodeOptions = {}): Hl7Decoded {
  const warnings: string[] = [];
  const rejected: Hl7Decoded['rejected'] = [];
  const text = typeof input === 'string' ? input : hl7Text(input);
  if (text.length > MAX_MESSAGE) return unreadable('message too large', warnings, rejected, opts);
  const parsed = parseHl7(text);
  if ('error' in parsed) {
    // A readable MSH with a broken segment after it: answered with its control id (AE/CE, ERR naming the segment).
    const header = readHeader(text);
    if (!header) return unreadable(parsed.error, warnings, rejected, opts);
    const out = describe(header, warnings, rejected);
    out.result.error = `hl7: ${parsed.error}`;
    out.verdict = 'error';
    out.errors = [{ segment: parsed.segmentId ?? 'MSH', ...(parsed.segmentIndex !== undefined ? { sequence: parsed.segmentIndex } : {}), code: 100, text: parsed.error }];
    return withAck(out, opts);
  }
  const msg = parsed;
  const msh = findSegment(msg, 'MSH');
  const out = describe(msg, warnings, rejected);
  const refusal = unsupported(msg);
  if (refusal) {
    out.result.error = `hl7: ${refusal.text}`;
    out.verdict = 'reject';
    out.errors = [refusal];
    return withAck(out, opts);
  }
  if (component(msg, msh, 9, 1) === 'NMD') return withAck(out, opts);
  const fallbackTs = parseDtm(component(msg, msh, 7));
  if (component(msg, msh, 9, 2) === 'R40') return withAck(alertReport(out, msg, fallbackTs), opts);
  let obrTs: number | undefined;
  let waveform: string | undefined;
  const vmds = new VmdContext();
  for (const seg of msg.segments) {
    if (seg.id === 'OBR') obrTs = parseDtm(component(msg, seg, 7));
    else if (seg.id === 'OBX') {
      if (out.equipmentId === undefined) {
        const eq = component(msg, seg, 18);
        if (eq) out.equipmentId = eq;
      }
      const id3 = obx3(msg, seg);
      const subId = component(msg, seg, 4);
      if (component(msg, seg, 2).toUpperCase() === 'NA') waveform = subId ? `${subId}.` : undefined;
      if (isAttributeRow(id3.c, subId, waveform)) continue;
      vmds.note(subId, id3.c);
      const alert = id3.alert ? decodeAlertObx(msg, seg, id3.c, parseDtm(component(msg, seg, 14)) ?? obrTs ?? fallbackTs) : undefined;
      if (alert !== undefined) {
        out.deviceAlarms ??= [];
        if (alert) out.deviceAlarms.push(alert);
        continue;
      }
      const item = decodeObx(msg, seg, vmds.refine(id3.id ?? NOT_IDENTIFIED, subId), obrTs ?? fallbackTs, warnings, rejected);
      if (item?.kind === 'reading' && out.controlId !== undefined) item.sourceMessageId = out.controlId; // traced to MSH-10 on its alarms
      if (item) out.result.items.push(item);
    }
  }
  for (const r of rejected) warnings.push(r.text);
  if (out.result.items.length === 0 && rejected.length > 0) {
    // Nothing usable remained: the sender must know its readings were not taken (HL7 v2.5.1 2.9: AE, content error).
    out.verdict = 'error';
    out.errors = rejected.map(({ reason: _r, ...e }) => e);
  }
  return withAck(out, opts);
}

/**
 * ORU^R40: alert events only; no alert in it is a content error (AE). The equipment is OBX-18, else the EUI-64 in
 * OBR-3 (entity identifier, namespace, universal id, type EUI-64) or in MSH-3 (IHE PCD TF-2 appendix: HD with an
 * EUI-64 universal id).
 */
function alertReport(out: Hl7Decoded, msg: Hl7Message, fallbackTs: number | undefined): Hl7Decoded {
  const report = decodeAlertReport(msg, parseDtm, fallbackTs);
  out.alertEvents = report.events;
  const eui = (seg: Hl7Segment | undefined, field: number, at: number): string =>
    component(msg, seg, field, at + 1).toUpperCase() === 'EUI-64' ? component(msg, seg, field, at) : '';
  const equipment = report.equipmentId || eui(findSegment(msg, 'OBR'), 3, 3) || eui(findSegment(msg, 'MSH'), 3, 2);
  if (equipment) out.equipmentId = equipment;
  if (report.errors.length > 0) {
    out.verdict = 'error';
    out.errors = report.errors;
    out.result.error = `hl7: ${report.errors[0]!.text}`;
  }
  return out;
}

// Module-level rather than closures in the decoder: it runs per message and per OBX.
function unreadable(error: string, warnings: string[], rejected: Hl7Decoded['rejected'], opts: Hl7DecodeOptions): Hl7Decoded {
  const out: Hl7Decoded = { result: { items: [], error: `hl7: ${error}` }, warnings, rejected, verdict: 'reject', errors: [] };
  if (opts.ack !== false) out.ack = buildUnreadableReject(error, opts.now);
  return out;
}

/** Builds the answer a decoded message asks for, with its verdict and ERR segments (also for the listener's own verdicts). */
export function hl7Answer(d: Pick<Hl7Decoded, 'header' | 'verdict' | 'errors' | 'result'>, opts: AckOptions = {}): string | undefined {
  if (!d.header) return buildUnreadableReject(d.result.error?.replace(/^hl7: /, '') ?? 'unreadable message', opts.now);
  const code = ackCodeFor(d.header, d.verdict);
  if (!code) return undefined;
  const text = d.verdict === 'accept' ? '' : (d.errors[0]?.text ?? d.result.error?.replace(/^hl7: /, '') ?? '');
  return buildAck(d.header, code, text, { ...opts, errors: d.verdict === 'accept' ? [] : d.errors });
}

function withAck(out: Hl7Decoded, opts: Hl7DecodeOptions): Hl7Decoded {
  if (opts.ack !== false) {
    const ack = hl7Answer(out, opts);
    if (ack !== undefined) out.ack = ack;
  }
  return out;
}

/** The MSH segment alone, when it parses by itself. */
function readHeader(text: string): Hl7Message | undefined {
  const start = text.indexOf('MSH');
  if (start < 0) return undefined;
  const end = text.slice(start).search(/[\r\n]/);
  const parsed = parseHl7(end < 0 ? text.slice(start) : text.slice(start, start + end));
  return 'error' in parsed ? undefined : parsed;
}

function describe(msg: Hl7Message, warnings: string[], rejected: Hl7Decoded['rejected']): Hl7Decoded {
  const msh = findSegment(msg, 'MSH');
  const messageType = [component(msg, msh, 9, 1), component(msg, msh, 9, 2)].filter(Boolean).join('^');
  const out: Hl7Decoded = {
    result: { items: [] },
    messageType,
    controlId: component(msg, msh, 10) || undefined,
    sendingApplication: component(msg, msh, 3) || undefined,
    sendingFacility: component(msg, msh, 4) || undefined,
    warnings,
    rejected,
    verdict: 'accept',
    errors: [],
    header: msg,
  };
  const pv1 = findSegment(msg, 'PV1');
  const location: Hl7Location = {};
  // Each PV1-3 component's first subcomponent: the Philips Information Center sends the bed as "iDemo4&0&0" (HL7
  // v2.7 PL: point of care, room and bed are HD, whose first subcomponent is the name).
  const poc = component(msg, pv1, 3, 1, 1);
  const room = component(msg, pv1, 3, 2, 1);
  const bed = component(msg, pv1, 3, 3, 1);
  if (poc) location.pointOfCare = poc;
  if (room) location.room = room;
  if (bed) location.bed = bed;
  if (poc || room || bed) {
    out.location = location;
    out.bed = bed || room || poc;
  }
  const pid = component(msg, findSegment(msg, 'PID'), 3);
  if (pid) out.patientId = pid;
  return out;
}

/**
 * What the gateway does not take at all (HL7 v2.5.1 2.9.2, 2.9.3: AR/CR for an unsupported message type, version
 * or processing id): only ORU^R01, ORU^R40, ORF^R04 and NMD, HL7 version 2.x, processing id P (production) or empty. A training (T) or
 * debugging (D) message must never raise a patient's alarm.
 */
function unsupported(msg: Hl7Message): Hl7Error | undefined {
  const msh = findSegment(msg, 'MSH');
  const type = component(msg, msh, 9, 1);
  const event = component(msg, msh, 9, 2);
  if (type === 'NMD') return undefined; // a keep-alive: answered, nothing in it decoded (decodeHl7Message)
  if (type !== 'ORU' && type !== 'ORF') return { segment: 'MSH', sequence: 1, field: 9, code: 200, text: `unsupported message type ${JSON.stringify([type, event].filter(Boolean).join('^') || '(none)')}` };
  if (type === 'ORF' ? event !== 'R04' : event !== 'R01' && event !== 'R40') return { segment: 'MSH', sequence: 1, field: 9, code: 201, text: `unsupported event ${JSON.stringify(event || '(none)')}` };
  const pid = component(msg, msh, 11).toUpperCase();
  if (pid !== '' && pid !== 'P') return { segment: 'MSH', sequence: 1, field: 11, code: 202, text: `processing id ${JSON.stringify(pid)} not taken (P only)` };
  const version = component(msg, msh, 12);
  if (version !== '' && !/^2\.[1-9]/.test(version)) return { segment: 'MSH', sequence: 1, field: 12, code: 203, text: `unsupported version ${JSON.stringify(version)}` };
  return undefined;
}

/**
 * A row that describes another row rather than measuring the patient: an MDC attribute (MDC_ATTR_*, partition 1,
 * e.g. a waveform's MDC_ATTR_SAMP_RATE and MDC_ATTR_NU_MSMT_RES) or any row nested under a waveform (NA) row's
 * OBX-4 (`1.7.6.131329` then `1.7.6.131329.3`), such as the MDC_EVT_INOP status Mindray's eGateway sends there
 * (value 32767, not an alarm). Seen in a Mindray capture (test/fixtures/captures/PROVENANCE.md); IHE PCD TF vol. 2
 * (PCD-01 waveform OBX: the metric's attributes follow it as OBX rows one level deeper). Alarm attributes
 * (MDC_ATTR_ALERT*) stay with the alarm rows.
 */
function isAttributeRow(c3: readonly string[], subId: string, waveform: string | undefined): boolean {
  const ref = (c3[1] ?? '').trim();
  if (ref.startsWith('MDC_ATTR_') && !ref.startsWith('MDC_ATTR_ALERT')) return true;
  return waveform !== undefined && subId.startsWith(waveform);
}

function decodeObx(msg: Hl7Message, seg: Hl7Segment, id: Identified, groupTs: number | undefined, warnings: string[], rejected: Hl7Decoded['rejected']): Decoded | undefined {
  const setId = component(msg, seg, 1) || '?';
  const status = obx11Verdict(component(msg, seg, 11));
  if (!status.accept) return undefined;
  const mapping = id.mapping;
  if (!mapping) return unmapped(msg, seg, id, groupTs); // counted as taken (AA): stored and shown, never scored
  const { param } = mapping;
  const valueType = component(msg, seg, 2).toUpperCase();
  if (valueType !== 'NM') {
    return rejectObx(rejected, setId, 'value-type', 2, 102, `OBX ${setId}: ${param} with value type ${JSON.stringify(valueType)} skipped`);
  }
  const rawValue = component(msg, seg, 5).trim();
  if (rawValue === '') return undefined; // no value
  if (!NUMERIC_RE.test(rawValue)) {
    return rejectObx(rejected, setId, 'not-a-number', 5, 102, `OBX ${setId}: ${param} value ${JSON.stringify(rawValue.slice(0, 20))} is not a number`);
  }
  let value = Number(rawValue);

  const unitParts = components(msg, seg, 6);
  const unitCode = unitParts[0] ?? '';
  const unitText = unitParts[1] ?? '';
  if (unitCode === '' && unitText === '') {
    if (!UNIT_OPTIONAL.has(param)) {
      return rejectObx(rejected, setId, 'no-unit', 6, 101, `OBX ${setId}: ${param} without a unit skipped`);
    }
  } else {
    const unit = lookupUnit(unitCode) ?? lookupUnit(unitText);
    if (!unit || unit.ucum !== canonicalUnit(param)) {
      const text = `OBX ${setId}: unit ${JSON.stringify((unitCode || unitText).slice(0, 20))} not valid for ${param}`;
      if (unit !== undefined) return rejectObx(rejected, setId, 'wrong-unit', 6, 103, text);
      warnings.push(text); // a unit we cannot read at all: the value is kept as sent, unmapped
      return unmapped(msg, seg, id, groupTs);
    }
    if (unit.toCanonical) value = unit.toCanonical(value);
  }
  if (!isPlausible(param, value)) {
    return rejectObx(rejected, setId, 'implausible', 5, 102, `OBX ${setId}: ${param} ${value} outside the plausible range`);
  }

  const flags: QualityFlag[] = obx8Flags(repetitions(msg, seg, 8));
  if (status.flag && !flags.includes(status.flag)) flags.push(status.flag);
  const channel = component(msg, seg, 4) || mapping.source;
  const sourceTs = parseDtm(component(msg, seg, 14)) ?? groupTs;
  // Optional keys assigned in this order (not spread per OBX): the same keys, in the same order, as spreads gave.
  const reading: Decoded = { kind: 'reading', param, value, unit: canonicalUnit(param) };
  if (channel) reading.channel = channel;
  if (mapping.site) reading.site = mapping.site;
  if (id.code) reading.code = id.code;
  if (sourceTs !== undefined) reading.sourceTs = sourceTs;
  if (flags.length) reading.flags = flags;
  return reading;
}

function rejectObx(rejected: Hl7Decoded['rejected'], setId: string, reason: ObxRejection, field: number, code: Hl7Error['code'], text: string): undefined {
  const sequence = Number.parseInt(setId, 10);
  rejected.push({ segment: 'OBX', ...(Number.isFinite(sequence) ? { sequence } : {}), field, code, reason, text });
  return undefined;
}

/** A numeric with a code nothing maps: passed on as sent, never dropped (a non-numeric row has no value to keep). */
function unmapped(msg: Hl7Message, seg: Hl7Segment, id: Identified, groupTs: number | undefined): Decoded | undefined {
  if (component(msg, seg, 2).toUpperCase() !== 'NM' || id.code === undefined) return undefined;
  const raw = component(msg, seg, 5).trim();
  if (!NUMERIC_RE.test(raw)) return undefined;
  const unitParts = components(msg, seg, 6);
  const channel = component(msg, seg, 4);
  const sourceTs = parseDtm(component(msg, seg, 14)) ?? groupTs;
  const value = Number(raw);
  const unit = (unitParts[1] || unitParts[0] || '').trim();
  const item: Decoded = id.label ? { kind: 'unmapped', code: id.code, label: id.label, value, unit } : { kind: 'unmapped', code: id.code, value, unit };
  if (channel) item.channel = channel;
  if (sourceTs !== undefined) item.sourceTs = sourceTs;
  return item;
}

/** HL7 DTM with a UTC offset to epoch ms; undefined without an offset or when malformed. */
let lastDtm = '';
let lastDtmValue: number | undefined;

export function parseDtm(s: string): number | undefined {
  if (s === lastDtm) return lastDtmValue;
  lastDtm = s;
  lastDtmValue = parseDtmUncached(s);
  return lastDtmValue;
}

function parseDtmUncached(s: string): number | undefined {
  const m = DTM_RE.exec(s.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, sign, oh, om] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec ?? 0), ms);
  const offset = (Number(oh) * 60 + Number(om)) * (sign === '-' ? -1 : 1);
  const t = utc - offset * 60_000;
  return Number.isFinite(t) ? t : undefined;
}

/** For the decode tool and the codec registry: one DecodeResult per message, no ACK built. */
export function decodeHl7(input: string | Buffer): DecodeResult {
  return decodeHl7Message(input, { ack: false }).result;
}
