/**
 * HL7 v2 text encoding for the gateway's outputs: escaping, timestamps, segments, MLLP framing, and a small reader
 * for what comes back (ACK, ORA^R41).
 *
 * Sources: HL7 v2.6 Chapter 2 (Control), section 2.5 (message delimiters: segment terminator CR, field |,
 * component ^, repetition ~, escape \, subcomponent &) and section 2.7 (escape sequences \F\ \S\ \T\ \R\ \E\);
 * data type DTM (section 2.A.22: YYYYMMDDHHMMSS[.S[S[S[S]]]][+/-ZZZZ]); HL7 v2.6 Appendix C, MLLP release 1
 * (a message is framed as <VT> message <FS><CR>, VT = 0x0B, FS = 0x1C, CR = 0x0D).
 */

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

/** Escapes the delimiters in a text value (HL7 v2.6 section 2.7.1). */
export function esc(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  return String(value)
    .replace(/\\/g, '\\E\\')
    .replace(/\|/g, '\\F\\')
    .replace(/\^/g, '\\S\\')
    .replace(/&/g, '\\T\\')
    .replace(/~/g, '\\R\\')
    .replace(/[\r\n]+/g, ' ');
}

/** Reverses esc() (the reader's side). */
export function unesc(value: string): string {
  return value.replace(/\\(F|S|T|R|E)\\/g, (_m, c: string) => ({ F: '|', S: '^', T: '&', R: '~', E: '\\' })[c] ?? '');
}

/** DTM in UTC with milliseconds and an explicit zone: 20261204162501.123+0000. */
export function dtm(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}+0000`;
}

/** Parses a DTM (any precision from the year on, optional zone) to epoch ms; NaN when malformed. */
export function parseDtm(text: string): number {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?([+-]\d{4})?$/.exec(text.trim());
  if (!m) return Number.NaN;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '0', zone] = m;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.round(Number(`0.${frac}`) * 1000));
  if (zone) t -= (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  return t;
}

/** A segment from its name and fields (already escaped/composed); trailing empty fields are dropped. */
export function segment(name: string, fields: Array<string | number | undefined>): string {
  const f = fields.map((x) => (x === undefined ? '' : String(x)));
  while (f.length > 0 && f[f.length - 1] === '') f.pop();
  return [name, ...f].join('|');
}

/** Components joined with ^, trailing empty ones dropped. */
export function comp(...parts: Array<string | number | undefined>): string {
  const c = parts.map((x) => (x === undefined ? '' : String(x)));
  while (c.length > 0 && c[c.length - 1] === '') c.pop();
  return c.join('^');
}

export function frame(message: string): Buffer {
  return Buffer.concat([Buffer.from([VT]), Buffer.from(message, 'utf8'), Buffer.from([FS, CR])]);
}

/** Splits an MLLP byte stream into messages; bytes outside a frame are ignored, an oversize frame is dropped. */
export class MllpDeframer {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly maxBytes = 1024 * 1024) {}

  push(chunk: Buffer): string[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: string[] = [];
    for (;;) {
      const start = this.buf.indexOf(VT);
      if (start < 0) {
        this.buf = Buffer.alloc(0);
        break;
      }
      const end = this.buf.indexOf(FS, start + 1);
      if (end < 0) {
        this.buf = this.buf.subarray(start);
        if (this.buf.length > this.maxBytes) this.buf = Buffer.alloc(0);
        break;
      }
      out.push(this.buf.subarray(start + 1, end).toString('utf8'));
      this.buf = this.buf.subarray(end + 1);
    }
    return out;
  }
}

/** A parsed message: segments in order, each a list of raw fields (field 0 the segment name). */
export interface Hl7Read {
  segments: string[][];
}

export function readMessage(text: string): Hl7Read {
  const segments = text
    .split(/\r\n|\r|\n/)
    .filter((s) => s.length > 0)
    .map((s) => (s.startsWith('MSH') ? ['MSH', '|', ...s.slice(4).split('|')] : s.split('|')));
  return { segments };
}

/** Field `n` of the first segment `name` (MSH counted as HL7 does: MSH-1 is the field separator). */
export function field(m: Hl7Read, name: string, n: number, which = 0): string {
  const segs = m.segments.filter((s) => s[0] === name);
  return segs[which]?.[n] ?? '';
}

export function component(value: string, n: number): string {
  return unesc(value.split('^')[n - 1] ?? '');
}
