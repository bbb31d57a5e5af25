import type { Decoded, DecodeResult, QualityFlag } from '../../core/observation.js';
import { canonicalUnit, isPlausible } from '../../core/parameters.js';
import { ackCodeFor, buildAck, type AckOptions } from './ack.js';
import { component, components, findSegment, parseHl7, repetitions, type Hl7Message, type Hl7Segment } from './message.js';
import { obx11Verdict, obx8Flags } from './measurement-status.js';
import { isInvasivePressure, LOINC, lookupUnit, MDC_CODE, MDC_REFID, UNIT_OPTIONAL, type CodeMapping } from './vocabulary.js';

/**
 * HL7 v2 ORU^R01 as bedside monitors and IHE PCD-01 (Communicate PCD Data) send it.
 * Sources: HL7 v2.5.1 ch. 7 (ORU^R01, OBX field definitions), IHE PCD Technical Framework vol. 2
 * (PCD-01: OBX-3 MDC triplet, OBX-4 dotted containment "MDS.VMD.channel.metric", OBX-11 status,
 * OBX-18 equipment instance), HL7 v2.5.1 ch. 2 (DTM format, escape sequences).
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
 *  - Units are normalised to the canonical UCUM unit ([degF] -> Cel, kPa -> mm[Hg]); a unit that does not
 *    fit the parameter, or a missing unit for temperature and pressures, skips the observation with a warning.
 *  - Timestamps (OBX-14, else OBR-7, else MSH-7) give sourceTs only when they carry a UTC offset.
 *  - Invasive pressures never map to cuff sbp/dbp/map (see vocabulary.ts).
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
  /** Observations skipped for a reason worth logging (bad unit, bad number); the rest still decoded. */
  warnings: string[];
  /** The ACK to send back (CR-separated segments, not MLLP-framed), when the sender expects one. */
  ack?: string;
}

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

  if (messageType !== 'ORU^R01') {
    out.result.error = `hl7: unsupported message type ${JSON.stringify(messageType || '(none)')}`;
  } else {
    const fallbackTs = parseDtm(component(msg, msh, 7));
    let obrTs: number | undefined;
    for (const seg of msg.segments) {
      if (seg.id === 'OBR') obrTs = parseDtm(component(msg, seg, 7));
      else if (seg.id === 'OBX') {
        const item = decodeObx(msg, seg, obrTs ?? fallbackTs, warnings);
        if (item?.kind === 'reading' && out.controlId !== undefined) item.sourceMessageId = out.controlId; // traced to MSH-10 on its alarms
        if (item) out.result.items.push(item);
      }
    }
  }
  const ok = out.result.error === undefined;
  const code = opts.ack === false ? undefined : ackCodeFor(msg, ok);
  if (code) out.ack = buildAck(msg, code, ok ? '' : out.result.error!.replace(/^hl7: /, ''), opts);
  return out;
}

function decodeObx(msg: Hl7Message, seg: Hl7Segment, groupTs: number | undefined, warnings: string[]): Decoded | undefined {
  const setId = component(msg, seg, 1) || '?';
  const mapping = identify(msg, seg);
  if (!mapping) return undefined;
  const { param } = mapping;
  const status = obx11Verdict(component(msg, seg, 11));
  if (!status.accept) return undefined;
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
      return undefined;
    }
    if (unit.toCanonical) value = unit.toCanonical(value);
  }
  if (!isPlausible(param, value)) {
    warnings.push(`OBX ${setId}: ${param} ${value} outside the plausible range`);
    return undefined;
  }

  const flags: QualityFlag[] = obx8Flags(repetitions(msg, seg, 8));
  if (status.flag && !flags.includes(status.flag)) flags.push(status.flag);
  const channel = component(msg, seg, 4) || mapping.source;
  const sourceTs = parseDtm(component(msg, seg, 14)) ?? groupTs;
  return {
    kind: 'reading',
    param,
    value,
    unit: canonicalUnit(param),
    ...(channel ? { channel } : {}),
    ...(mapping.site ? { site: mapping.site } : {}),
    ...(sourceTs !== undefined ? { sourceTs } : {}),
    ...(flags.length ? { flags } : {}),
  };
}

/** Maps OBX-3 (identifier triplet, then the alternate triplet) to a canonical parameter. */
function identify(msg: Hl7Message, seg: Hl7Segment): CodeMapping | undefined {
  const c = components(msg, seg, 3);
  for (const first of [0, 3]) {
    const code = (c[first] ?? '').trim();
    const text = (c[first + 1] ?? '').trim();
    let system = (c[first + 2] ?? '').trim().toUpperCase();
    if (system === '' && text.startsWith('MDC_')) system = 'MDC';
    if (system === 'MDC') {
      if (isInvasivePressure(text)) return undefined; // never cuff BP, whatever the alternate says
      const m = MDC_REFID[text] ?? MDC_CODE[code];
      if (m) return m;
    } else if (system === 'LN') {
      const m = LOINC[code];
      if (m) return m;
    }
  }
  return undefined;
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
