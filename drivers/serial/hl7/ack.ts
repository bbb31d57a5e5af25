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

function wants(condition: string, ok: boolean): boolean {
  switch (condition) {
    case 'AL': return true;
    case 'ER': return !ok;
    case 'SU': return ok;
    default: return false; // NE or unknown
  }
}

/** Which ACK code, if any, the sender expects for a message processed with outcome `ok`. */
export function ackCodeFor(msg: Hl7Message, ok: boolean): AckCode | undefined {
  const msh = findSegment(msg, 'MSH');
  const accept = component(msg, msh, 15).toUpperCase();
  const app = component(msg, msh, 16).toUpperCase();
  if (accept === '' && app === '') return ok ? 'AA' : 'AE';
  if (app !== '' && wants(app, ok)) return ok ? 'AA' : 'AE';
  if (accept !== '' && wants(accept, ok)) return ok ? 'CA' : 'CE';
  return undefined;
}

export interface AckOptions {
  /** MSH-10 of the ACK itself. Default: 'A' + the original control id, cut to 20 characters. */
  controlId?: string;
  /** MSH-7 timestamp source. */
  now?: Date;
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
  return `${header}\r${msa.replace(new RegExp(`${escapeRe(d.field)}+$`), '')}\r`;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function hl7Timestamp(t: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}+0000`;
}
