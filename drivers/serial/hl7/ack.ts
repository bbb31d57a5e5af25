import { component, escapeHl7, findSegment, type Hl7Message } from './message.js';

/**
 * Acknowledgements. Source: HL7 v2.5.1 chapter 2, 2.9 (message processing rules): original mode when
 * MSH-15 and MSH-16 are both empty (an application ACK, MSA-1 AA/AE/AR, always goes back); enhanced mode
 * otherwise, where MSH-15 (accept ack type) asks for a commit ACK (CA/CE/CR) and MSH-16 (application ack
 * type) for an application ACK, each with AL (always), NE (never), ER (error only), SU (success only).
 * Because the gateway decodes synchronously, in enhanced mode it sends one ACK: the application ACK when
 * MSH-16 asks for it, else the commit ACK when MSH-15 asks for it.
 * MSA-2 echoes the original MSH-10 control id; MSA-3 carries the error text (kept for v2.3-era senders).
 */
export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

/**
 * How a message was taken (HL7 v2.5.1 2.9.2 and 2.9.3): `accept` (AA/CA); `error`, the content is wrong (AE/CE);
 * `reject`, the message type, version or processing id is not supported, or the message cannot be read (AR/CR).
 */
export type AckVerdict = 'accept' | 'error' | 'reject';

/** HL7 table 0357 (message error condition codes), the ones the gateway answers with. Source: HL7 v2.5.1 ch. 2, ERR-3. */
export const HL7_ERROR_CODES = {
  100: 'Segment sequence error',
  101: 'Required field missing',
  102: 'Data type error',
  103: 'Table value not found',
  200: 'Unsupported message type',
  201: 'Unsupported event code',
  202: 'Unsupported processing id',
  203: 'Unsupported version id',
  204: 'Unknown key identifier',
  207: 'Application internal error',
} as const;
export type Hl7ErrorCode = keyof typeof HL7_ERROR_CODES;

/** One ERR segment: where (ERR-2, ERL: segment id, sequence, field position), the HL7 code (ERR-3), and a text (ERR-8). */
export interface Hl7Error {
  segment: string;
  /** Segment sequence (1-based among segments of that id; for OBX its OBX-1 set id). */
  sequence?: number;
  field?: number;
  code: Hl7ErrorCode;
  /** E (error), W (warning): ERR-4 severity. */
  severity?: 'E' | 'W';
  text: string;
}

function wants(condition: string, ok: boolean): boolean {
  switch (condition) {
    case 'AL': return true;
    case 'ER': return !ok;
    case 'SU': return ok;
    default: return false; // NE or unknown
  }
}

/** Which ACK code, if any, the sender expects for a message processed with outcome `ok` (or a verdict). */
export function ackCodeFor(msg: Hl7Message, outcome: boolean | AckVerdict): AckCode | undefined {
  const verdict: AckVerdict = outcome === true ? 'accept' : outcome === false ? 'error' : outcome;
  const ok = verdict === 'accept';
  const msh = findSegment(msg, 'MSH');
  const accept = component(msg, msh, 15).toUpperCase();
  const app = component(msg, msh, 16).toUpperCase();
  const letter = verdict === 'accept' ? 'A' : verdict === 'error' ? 'E' : 'R';
  if (accept === '' && app === '') return `A${letter}` as AckCode;
  if (app !== '' && wants(app, ok)) return `A${letter}` as AckCode;
  if (accept !== '' && wants(accept, ok)) return `C${letter}` as AckCode;
  return undefined;
}

export interface AckOptions {
  /** MSH-10 of the ACK itself. Default: 'A' + the original control id, cut to 20 characters. */
  controlId?: string;
  /** MSH-7 timestamp source. */
  now?: Date;
  /** ERR segments, one per error. */
  errors?: Hl7Error[];
}

/** Builds an ACK message (segments separated by CR, no MLLP framing). */
export function buildAck(msg: Hl7Message, code: AckCode, text = '', opts: AckOptions = {}): string {
  const d = msg.delimiters;
  const msh = findSegment(msg, 'MSH');
  const f = (n: number): string => msh?.fields[n] ?? '';
  const enc = `${d.component}${d.repetition}${d.escape}${d.subcomponent}`;
  const origControl = component(msg, msh, 10);
  const trigger = component(msg, msh, 9, 2);
  const ts = hl7Timestamp(opts.now ?? new Date());
  const controlId = escapeHl7(opts.controlId ?? `A${origControl}`.slice(0, 20), d);
  const type = ['ACK', trigger, 'ACK'].join(d.component);
  const header = [
    'MSH', enc,
    f(5), f(6), // sending app/facility = original receiving
    f(3), f(4), // receiving = original sending
    ts, '', type, controlId, f(11) || 'P', f(12) || '2.6',
  ].join(d.field);
  const msa = ['MSA', code, escapeHl7(origControl, d), escapeHl7(text.slice(0, 80), d)].join(d.field);
  const trim = (seg: string) => seg.replace(new RegExp(`${escapeRe(d.field)}+$`), '');
  const errs = (opts.errors ?? []).map((e) => trim(errSegment(e, d)));
  return [header, trim(msa), ...errs].join('\r') + '\r';
}

/** ERR (HL7 v2.5.1 ch. 2): ERR-2 location (ERL), ERR-3 code (CWE, table 0357), ERR-4 severity, ERR-8 user message. */
function errSegment(e: Hl7Error, d: Hl7Message['delimiters']): string {
  const location = [e.segment, e.sequence ?? '', e.field ?? ''].join(d.component).replace(new RegExp(`${escapeRe(d.component)}+$`), '');
  const code = [String(e.code), HL7_ERROR_CODES[e.code], 'HL70357'].join(d.component);
  return ['ERR', '', location, code, e.severity ?? 'E', '', '', '', escapeHl7(e.text.slice(0, 200), d)].join(d.field);
}

/**
 * The answer to a frame whose MSH cannot be read at all (garbage, binary bytes): AR with an empty MSA-2, since
 * there is no control id to echo, in original mode with the standard delimiters.
 */
export function buildUnreadableReject(text: string, now = new Date()): string {
  const d = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };
  const msg: Hl7Message = { delimiters: d, segments: [{ id: 'MSH', fields: ['MSH', '|', '^~\\&', '', '', '', '', '', '', 'ACK', '', 'P', '2.5.1'] }] };
  return buildAck(msg, 'AR', text, { now, controlId: `R${now.getTime()}`, errors: [{ segment: 'MSH', sequence: 1, code: 100, text }] });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function hl7Timestamp(t: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}+0000`;
}
