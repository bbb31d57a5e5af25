/**
 * The counterparts' own HL7 v2 reader, written from HL7 v2.6 Chapter 2 (2.5 message construction rules: the
 * delimiters come from MSH-1 and MSH-2; 2.7 escape sequences) independently of the gateway's encoder, so a mistake in
 * one is not mirrored in the other.
 */

export interface Hl7Field {
  /** Repetitions, each a list of components, each a list of subcomponents (unescaped). */
  reps: string[][][];
  raw: string;
}

export interface Hl7Segment {
  name: string;
  /** fields[n] is field n (for MSH, fields[1] is the field separator, fields[2] the encoding characters). */
  fields: Hl7Field[];
}

export interface Hl7Message {
  segments: Hl7Segment[];
  raw: string;
}

export class Hl7ParseError extends Error {}

export function parseHl7(raw: string): Hl7Message {
  const lines = raw.split('\r').filter((l) => l.length > 0);
  if (!lines[0]?.startsWith('MSH')) throw new Hl7ParseError('the message does not begin with MSH');
  const fs = lines[0][3];
  const enc = lines[0].slice(4, 8);
  if (!fs || enc.length < 4) throw new Hl7ParseError('MSH-1/MSH-2 delimiters missing');
  const [cs, rs, ec, ss] = [enc[0]!, enc[1]!, enc[2]!, enc[3]!];
  const unescape = (s: string) => {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      if (s[i] !== ec) {
        out += s[i];
        continue;
      }
      const end = s.indexOf(ec, i + 1);
      if (end < 0) throw new Hl7ParseError(`unterminated escape sequence in '${s}'`);
      const seq = s.slice(i + 1, end);
      const map: Record<string, string> = { F: fs, S: cs, T: ss, R: rs, E: ec };
      if (map[seq] === undefined) throw new Hl7ParseError(`unknown escape sequence \\${seq}\\`);
      out += map[seq];
      i = end;
    }
    return out;
  };
  const field = (raw: string): Hl7Field => ({
    raw,
    reps: raw.split(rs).map((rep) => rep.split(cs).map((c) => c.split(ss).map(unescape))),
  });
  const segments = lines.map((line): Hl7Segment => {
    const name = line.slice(0, 3);
    if (!/^[A-Z][A-Z0-9]{2}$/.test(name)) throw new Hl7ParseError(`bad segment name '${name}'`);
    if (name === 'MSH') {
      const rest = line.slice(4).split(fs);
      return { name, fields: [field(''), { raw: fs, reps: [[[fs]]] }, { raw: enc, reps: [[[enc]]] }, ...rest.slice(1).map(field)] };
    }
    if (line.length > 3 && line[3] !== fs) throw new Hl7ParseError(`segment ${name} is not followed by the field separator`);
    return { name, fields: [field(name), ...line.slice(4).split(fs).map(field)] };
  });
  return { segments, raw };
}

/** Component `c` (1-based) of the first repetition of field `n`; subcomponents joined with &. */
export function get(seg: Hl7Segment | undefined, n: number, c = 1): string {
  const comps = seg?.fields[n]?.reps[0];
  return comps?.[c - 1]?.join('&') ?? '';
}

export function fieldRaw(seg: Hl7Segment | undefined, n: number): string {
  return seg?.fields[n]?.raw ?? '';
}

export function segs(m: Hl7Message, name: string): Hl7Segment[] {
  return m.segments.filter((s) => s.name === name);
}

/** DTM as HL7 v2.6 2.A.22 allows it: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]. */
export function isDtm(s: string): boolean {
  return /^\d{4}((0[1-9]|1[0-2])((0[1-9]|[12]\d|3[01])(([01]\d|2[0-3])([0-5]\d([0-5]\d(\.\d{1,4})?)?)?)?)?)?([+-]\d{4})?$/.test(s);
}
