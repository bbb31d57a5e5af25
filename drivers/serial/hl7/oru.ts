import type { Decoded, DecodeResult, DeviceAlarmReport, QualityFlag } from '../../core/observation.js';
import { scadaMdc } from '../../core/parameter-codes.js';
import { canonicalUnit, isPlausible } from '../../core/parameters.js';
import { ackCodeFor, buildAck, type AckOptions } from './ack.js';
import { component, components, findSegment, parseHl7, repetitions, type Hl7Message, type Hl7Segment } from './message.js';
import { decodeAlertObx, isAlertId } from './alerts.js';
import { byLoinc, byMdcCode, byMdcRef, lookupUnit, UNIT_OPTIONAL, type CodeMapping } from './vocabulary.js';

/**
 * HL7 v2 ORU^R01 as bedside monitors and IHE PCD-01 (Communicate PCD Data) send it.
 * Sources: HL7 v2.5.1 ch. 7 (ORU^R01, OBX field definitions), IHE PCD Technical Framework vol. 2
 * (PCD-01: OBX-3 MDC triplet, OBX-4 dotted containment "MDS.VMD.channel.metric", OBX-11 status,
 * OBX-18 equipment instance), HL7 v2.5.1 ch. 2 (DTM format, escape sequences).
 *
 * Decisions (documented contract):
 *  - OBX-11 accepted: F (final), C (corrected), R (results entered, not verified: PCD-01 devices send R for
 *    live unvalidated data) and empty (many monitors leave it blank). Every other status (P preliminary,
 *    X cannot be obtained, D deleted, W wrong, I pending, N not asked, S partial, U) yields no reading.
 *  - OBX-2 must be NM; other value types are skipped.
 *  - OBX-8: any abnormal flag other than N (normal) puts 'device-alarm' on the reading.
 *  - OBX-4 (sub-id) becomes the reading's channel; without it, a site/source given by the code itself
 *    (tympanic, co2, ...) does.
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
  /** Observations skipped for a reason worth logging (bad unit, bad number); the rest still decoded. */
  warnings: string[];
  /** The ACK to send back (CR-separated segments, not MLLP-framed), when the sender expects one. */
  ack?: string;
}

const ACCEPTED_STATUS = new Set(['F', 'C', 'R', '']);
const NUMERIC_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const DTM_RE = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.(\d{1,4}))?([+-])(\d{2})(\d{2})$/;
const MAX_MESSAGE = 1024 * 1024;

export interface Hl7DecodeOptions extends AckOptions {
  /** Build the ACK the sender asks for (default true; the decode tool turns it off). */
  ack?: boolean;
}

export function decodeHl7Message(input: string | Buffer, opts: Hl7DecodeOptions = {}): Hl7Decoded {
  const warnings: string[] = [];
  let text: string;
  try {
    text = typeof input === 'string' ? input : input.toString('utf8');
  } catch {
    return { result: { items: [], error: 'hl7: undecodable bytes' }, warnings };
  }
  if (text.length > MAX_MESSAGE) return { result: { items: [], error: 'hl7: message too large' }, warnings };
  const parsed = parseHl7(text);
  if ('error' in parsed) return { result: { items: [], error: `hl7: ${parsed.error}` }, warnings };
  const msg = parsed;
  const msh = findSegment(msg, 'MSH');
  const messageType = [component(msg, msh, 9, 1), component(msg, msh, 9, 2)].filter(Boolean).join('^');
  const out: Hl7Decoded = {
    result: { items: [] },
    messageType,
    controlId: component(msg, msh, 10) || undefined,
    sendingApplication: component(msg, msh, 3) || undefined,
    sendingFacility: component(msg, msh, 4) || undefined,
    warnings,
  };
  const pv1 = findSegment(msg, 'PV1');
  const location: Hl7Location = {};
  const poc = component(msg, pv1, 3, 1);
  const room = component(msg, pv1, 3, 2);
  const bed = component(msg, pv1, 3, 3);
  if (poc) location.pointOfCare = poc;
  if (room) location.room = room;
  if (bed) location.bed = bed;
  if (poc || room || bed) {
    out.location = location;
    out.bed = bed || room || poc;
  }
  const pid = component(msg, findSegment(msg, 'PID'), 3);
  if (pid) out.patientId = pid;

  if (messageType !== 'ORU^R01' && messageType !== 'ORF^R04') {
    out.result.error = `hl7: unsupported message type ${JSON.stringify(messageType || '(none)')}`;
  } else {
    const fallbackTs = parseDtm(component(msg, msh, 7));
    let obrTs: number | undefined;
    for (const seg of msg.segments) {
      if (seg.id === 'OBR') obrTs = parseDtm(component(msg, seg, 7));
      else if (seg.id === 'OBX') {
        if (out.equipmentId === undefined) {
          const eq = component(msg, seg, 18);
          if (eq) out.equipmentId = eq;
        }
        const c3 = components(msg, seg, 3);
        const alert = isAlertId(c3) ? decodeAlertObx(msg, seg, c3, parseDtm(component(msg, seg, 14)) ?? obrTs ?? fallbackTs) : undefined;
        if (alert !== undefined) {
          out.deviceAlarms ??= [];
          if (alert) out.deviceAlarms.push(alert);
          continue;
        }
        const item = decodeObx(msg, seg, c3, obrTs ?? fallbackTs, warnings);
        if (item) out.result.items.push(item);
      }
    }
  }
  const ok = out.result.error === undefined;
  const code = opts.ack === false ? undefined : ackCodeFor(msg, ok);
  if (code) out.ack = buildAck(msg, code, ok ? '' : out.result.error!.replace(/^hl7: /, ''), opts);
  return out;
}

function decodeObx(msg: Hl7Message, seg: Hl7Segment, c3: readonly string[], groupTs: number | undefined, warnings: string[]): Decoded | undefined {
  const setId = component(msg, seg, 1) || '?';
  const status = component(msg, seg, 11).toUpperCase();
  if (!ACCEPTED_STATUS.has(status)) return undefined;
  const id = identify(c3);
  const mapping = id.mapping;
  if (!mapping) return unmapped(msg, seg, id, groupTs);
  const { param } = mapping;
  const valueType = component(msg, seg, 2).toUpperCase();
  if (valueType !== 'NM') {
    warnings.push(`OBX ${setId}: ${param} with value type ${JSON.stringify(valueType)} skipped`);
    return undefined;
  }
  const rawValue = component(msg, seg, 5).trim();
  if (rawValue === '') return undefined; // no value
  if (!NUMERIC_RE.test(rawValue)) {
    warnings.push(`OBX ${setId}: ${param} value ${JSON.stringify(rawValue.slice(0, 20))} is not a number`);
    return undefined;
  }
  let value = Number(rawValue);

  const unitParts = components(msg, seg, 6);
  const unitCode = unitParts[0] ?? '';
  const unitText = unitParts[1] ?? '';
  if (unitCode === '' && unitText === '') {
    if (!UNIT_OPTIONAL.has(param)) {
      warnings.push(`OBX ${setId}: ${param} without a unit skipped`);
      return undefined;
    }
  } else {
    const unit = lookupUnit(unitCode) ?? lookupUnit(unitText);
    if (!unit || unit.ucum !== canonicalUnit(param)) {
      warnings.push(`OBX ${setId}: unit ${JSON.stringify((unitCode || unitText).slice(0, 20))} not valid for ${param}`);
      return unit === undefined ? unmapped(msg, seg, id, groupTs) : undefined; // a unit we cannot read: kept as sent
    }
    if (unit.toCanonical) value = unit.toCanonical(value);
  }
  if (!isPlausible(param, value)) {
    warnings.push(`OBX ${setId}: ${param} ${value} outside the plausible range`);
    return undefined;
  }

  const flags: QualityFlag[] = [];
  if (repetitions(msg, seg, 8).some((f) => f.trim() !== '' && f.trim().toUpperCase() !== 'N')) flags.push('device-alarm');
  const channel = component(msg, seg, 4) || mapping.source;
  const sourceTs = parseDtm(component(msg, seg, 14)) ?? groupTs;
  return {
    kind: 'reading',
    param,
    value,
    unit: canonicalUnit(param),
    ...(channel ? { channel } : {}),
    ...(id.code ? { code: id.code } : {}),
    ...(sourceTs !== undefined ? { sourceTs } : {}),
    ...(flags.length ? { flags } : {}),
  };
}

interface Identified {
  mapping?: CodeMapping;
  /** The code as 'SYSTEM:code' (the first triplet with a code), for the decode tool and unmapped items. */
  code?: string;
  label?: string;
}

const MDIL_RE = /^([0-9a-f]{1,4})-([0-9a-f]{1,4})$/i;

/** Maps OBX-3 (identifier triplet, then the alternate triplet) to a canonical parameter. */
function identify(c: readonly string[]): Identified {
  const out: Identified = {};
  for (const first of [0, 3]) {
    const code = (c[first] ?? '').trim();
    const text = (c[first + 1] ?? '').trim();
    let system = (c[first + 2] ?? '').trim().toUpperCase();
    if (system === '' && text.startsWith('MDC_')) system = 'MDC';
    if (out.code === undefined && (code || text)) {
      out.code = `${system || 'L'}:${code || text}`;
      if (text) out.label = text;
    }
    let m: CodeMapping | undefined;
    if (system === 'MDC') m = byMdcRef(text) ?? byMdcCode(code);
    else if (system === 'LN') m = byLoinc(code);
    else if (system.startsWith('MDIL')) {
      const hex = MDIL_RE.exec(code);
      if (hex && parseInt(hex[1]!, 16) === 2) m = byMdcCode(String(scadaMdc(parseInt(hex[2]!, 16))));
    }
    if (m) {
      out.mapping = m;
      return out;
    }
  }
  return out;
}

/** A numeric with a code nothing maps: passed on as sent, never dropped (a non-numeric row has no value to keep). */
function unmapped(msg: Hl7Message, seg: Hl7Segment, id: Identified, groupTs: number | undefined): Decoded | undefined {
  if (component(msg, seg, 2).toUpperCase() !== 'NM' || id.code === undefined) return undefined;
  const raw = component(msg, seg, 5).trim();
  if (!NUMERIC_RE.test(raw)) return undefined;
  const unitParts = components(msg, seg, 6);
  const channel = component(msg, seg, 4);
  const sourceTs = parseDtm(component(msg, seg, 14)) ?? groupTs;
  return {
    kind: 'unmapped',
    code: id.code,
    ...(id.label ? { label: id.label } : {}),
    value: Number(raw),
    unit: (unitParts[1] || unitParts[0] || '').trim(),
    ...(channel ? { channel } : {}),
    ...(sourceTs !== undefined ? { sourceTs } : {}),
  };
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
