import type { PortPoll } from '../dialect.js';
import { encodeMllp } from './mllp.js';
import { component, findSegment, parseHl7 } from './message.js';

/**
 * The HL7 query a receiver sends to a monitor whose serial export answers queries only (Philips Efficia CM).
 *
 * Source: Philips, *Efficia CM Series Data Export Guide*, chapter 3 "Serial Data Export":
 *  - "Query (QRY) Message Syntax", p. 3-5: the QRY message triggers event R02; its segments are MSH and QRD, both
 *    required, once each; the example is
 *      MSH|^~\&|||||20140510124500||QRY^R02|EXAMPLE123|P|2.4<CR>
 *      QRD|20140510124500|R|I|QUERY123|||||STA<CR>
 *    (the QRD line as p. 3-7 gives it; p. 3-5 prints its QRD-1 as 20120510124500, the same example's date mistyped).
 *  - MSH fields, pp. 3-5 to 3-7: MSH-7 a timestamp YYYYMMDDHHMMSS, MSH-9 QRY^R02, MSH-10 the control id (ST, 20),
 *    MSH-11 P, MSH-12 version 2.4; no other MSH field is listed.
 *  - QRD fields, p. 3-8: QRD-1 query date/time (TS, ignored by the monitor, returned in the ORF), QRD-2 always R,
 *    QRD-3 always I, QRD-4 query id (ST, 10, "must not be empty", not checked for uniqueness), QRD-7 always empty,
 *    QRD-9 the what-subject filter, "the same in query and response".
 *  - "Message Conventions", p. 3-3: every message in an MLLP block, <VT> data <FS><CR>.
 *  - "Flow of Events", p. 3-2: every QRY gets exactly one ORF or one negative ACK; the server answers an ORF with a
 *    positive ACK, or a negative one when it finds an error in the record.
 *  - "Observation Reporting (ORF) Message Syntax", p. 3-12: the ORF's MSA-2 is the QRY's MSH-10.
 *
 * QRD-9: the two Philips documents disagree on what each filter returns. The Data Export Guide says STA returns
 * the parameters in the numeric panes (p. 3-1, and "STA = Status, screen display", p. 3-8) and shows RES in an
 * ORF's QRD (p. 3-13). The *Efficia CM Series Network Configuration Guide*, chapter 4 "Configuring Serial Network
 * Settings", "Serial Overview", p. 4-1, says RES returns "all parameters that are currently displayed in the
 * numeric panes" (cleared on the monitor when it receives a positive acknowledgment) and STA "the most recent
 * closed patient record". The gateway sends the filter the configuration names and does not pick one.
 */
export const HL7_QUERY_FILTERS = ['RES', 'STA'] as const;
export type Hl7QueryFilter = (typeof HL7_QUERY_FILTERS)[number];

export interface Hl7QueryFields {
  /** MSH-7 and QRD-1. */
  now: Date;
  /** MSH-10, at most 20 characters (p. 3-6). */
  controlId: string;
  /** QRD-4, 1 to 10 characters (p. 3-8). */
  queryId: string;
  /** QRD-9. */
  filter: Hl7QueryFilter;
}

/** YYYYMMDDHHMMSS in UTC: the format the guide gives for MSH-7 (p. 3-6); it states no time zone. */
export function queryTimestamp(t: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}`;
}

const ID = /^[A-Za-z0-9]+$/;

/** The QRY^R02 message of the guide (p. 3-5): MSH and QRD, each ended by CR, not yet MLLP-framed. */
export function buildHl7Query(q: Hl7QueryFields): string {
  if (!ID.test(q.controlId) || q.controlId.length > 20) throw new Error(`QRY control id ${JSON.stringify(q.controlId)}: 1-20 letters or digits`);
  if (!ID.test(q.queryId) || q.queryId.length > 10) throw new Error(`QRY query id ${JSON.stringify(q.queryId)}: 1-10 letters or digits`);
  const ts = queryTimestamp(q.now);
  const msh = ['MSH', '^~\\&', '', '', '', '', ts, '', 'QRY^R02', q.controlId, 'P', '2.4'].join('|');
  const qrd = ['QRD', ts, 'R', 'I', q.queryId, '', '', '', '', q.filter].join('|');
  return `${msh}\r${qrd}\r`;
}

export interface Hl7QueryPollOptions {
  everySeconds: number;
  filter: Hl7QueryFilter;
  now?: () => Date;
}

/**
 * A query for each poll, MLLP-framed (p. 3-3). Control id and query id are the same 10-character counter
 * (`WG` and 8 digits), unique for years of polls at 1 s, so an ORF's MSA-2 (p. 3-12) names its query.
 */
export function hl7QueryPoll(opts: Hl7QueryPollOptions): PortPoll {
  let seq = 0;
  const now = opts.now ?? (() => new Date());
  return {
    everyMs: opts.everySeconds * 1000,
    next() {
      seq = (seq % 99_999_999) + 1;
      const id = `WG${String(seq).padStart(8, '0')}`;
      return encodeMllp(buildHl7Query({ now: now(), controlId: id, queryId: id, filter: opts.filter }));
    },
  };
}

/** An ACK a device sent (HL7 never answers one): its code, the control id it acknowledges, and its text. */
export interface IncomingAck {
  code: string;
  controlId: string;
  text: string;
}

/** The ACK in `text`, when the message is one (MSH-9.1 ACK); undefined for every other message. */
export function readIncomingAck(text: string): IncomingAck | undefined {
  const msg = parseHl7(text);
  if ('error' in msg) return undefined;
  if (component(msg, findSegment(msg, 'MSH'), 9, 1).toUpperCase() !== 'ACK') return undefined;
  const msa = findSegment(msg, 'MSA');
  const err = findSegment(msg, 'ERR');
  const text3 = component(msg, msa, 3) || component(msg, err, 8) || component(msg, err, 1);
  return { code: component(msg, msa, 1).toUpperCase(), controlId: component(msg, msa, 2), text: text3 };
}
