/**
 * HL7 v2 message text to segments and fields, with the delimiters the message declares in MSH-1/MSH-2.
 * Source: HL7 Version 2.5.1, chapter 2 (Control): 2.5 message construction rules, 2.7 use of escape sequences
 * in text fields (\F\ \S\ \T\ \R\ \E\ \Xhh..\; formatting escapes such as \.br\ and \H\ \N\ are dropped).
 */
export interface Hl7Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

export interface Hl7Segment {
  id: string;
  /** fields[n] is HL7 field n of the segment (for MSH, fields[1] is the field separator itself). */
  fields: string[];
}

export interface Hl7Message {
  delimiters: Hl7Delimiters;
  segments: Hl7Segment[];
}

const SEGMENT_ID = /^[A-Z][A-Z0-9]{2}$/;

/** A message that cannot be parsed; for a broken segment, its id as written and its position (1-based) in the message. */
export interface Hl7ParseError {
  error: string;
  segmentId?: string;
  segmentIndex?: number;
}

/** Parses message text. Returns an error string instead of throwing. */
export function parseHl7(text: string): Hl7Message | Hl7ParseError {
  const start = text.indexOf('MSH');
  if (start < 0) return { error: 'no MSH segment' };
  const body = text.slice(start);
  if (body.length < 8) return { error: 'MSH segment too short' };
  const field = body[3]!;
  const enc = body.slice(4, body.indexOf(field, 4) < 0 ? 8 : body.indexOf(field, 4));
  if (/[A-Za-z0-9\r\n]/.test(field) || enc.length < 2 || enc.length > 5) return { error: 'bad MSH delimiters' };
  const delimiters: Hl7Delimiters = {
    field,
    component: enc[0]!,
    repetition: enc[1]!,
    escape: enc[2] ?? '\\',
    subcomponent: enc[3] ?? '&',
  };
  const segments: Hl7Segment[] = [];
  const lines = body.indexOf('\n') < 0 ? body.split('\r') : body.split(/\r\n|\r|\n/);
  for (const raw of lines) {
    if (raw === '') continue;
    const id = raw.slice(0, 3);
    if (!SEGMENT_ID.test(id) || (raw.length > 3 && raw[3] !== field)) {
      return { error: `bad segment ${JSON.stringify(raw.slice(0, 12))}`, segmentId: id.replace(/[^A-Za-z0-9]/g, '?'), segmentIndex: segments.length + 1 };
    }
    const parts = raw.split(field);
    const fields = id === 'MSH' ? ['MSH', field, ...parts.slice(1)] : parts;
    segments.push({ id, fields });
  }
  return { delimiters, segments };
}

/**
 * Component `comp` (1-based) of the first repetition of `field`, subcomponent `sub` when given,
 * with escape sequences resolved. MSH-1 and MSH-2 are returned raw.
 */
export function component(msg: Hl7Message, seg: Hl7Segment | undefined, field: number, comp = 1, sub?: number): string {
  if (!seg) return '';
  const raw = seg.fields[field];
  if (raw === undefined || raw === '') return '';
  if (seg.id === 'MSH' && field <= 2) return raw;
  const d = msg.delimiters;
  const rep = cut(raw, d.repetition, 0);
  let value = cut(rep, d.component, comp - 1);
  if (sub !== undefined) value = cut(value, d.subcomponent, sub - 1);
  return unescapeHl7(value, d);
}

/** All repetitions of a field, each unescaped whole (components kept with their separators). */
export function repetitions(msg: Hl7Message, seg: Hl7Segment | undefined, field: number): string[] {
  const raw = seg?.fields[field];
  if (!raw) return [];
  return raw.split(msg.delimiters.repetition).map((r) => unescapeHl7(cut(r, msg.delimiters.component, 0), msg.delimiters));
}

/** The index-th piece of s split by sep, without allocating the other pieces. */
function cut(s: string, sep: string, index: number): string {
  let from = 0;
  for (let k = 0; k < index; k++) {
    const e = s.indexOf(sep, from);
    if (e < 0) return '';
    from = e + sep.length;
  }
  const end = s.indexOf(sep, from);
  return end < 0 ? (from === 0 ? s : s.slice(from)) : s.slice(from, end);
}

/** Components of the first repetition of a field, each unescaped (index 0 is component 1). */
export function components(msg: Hl7Message, seg: Hl7Segment | undefined, field: number): string[] {
  const raw = seg?.fields[field];
  if (!raw) return [];
  const d = msg.delimiters;
  const rep = cut(raw, d.repetition, 0);
  const parts = rep.split(d.component);
  if (rep.indexOf(d.escape) < 0 && rep.indexOf(d.subcomponent) < 0) return parts;
  for (let i = 0; i < parts.length; i++) parts[i] = unescapeHl7(cut(parts[i]!, d.subcomponent, 0), d);
  return parts;
}

/** Resolves HL7 escape sequences in one (already split) value. Never throws. */
export function unescapeHl7(value: string, d: Hl7Delimiters): string {
  const esc = d.escape;
  if (!esc || value.indexOf(esc) < 0) return value;
  let out = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c !== esc) {
      out += c;
      i++;
      continue;
    }
    const end = value.indexOf(esc, i + 1);
    if (end < 0) {
      out += value.slice(i);
      break;
    }
    const seq = value.slice(i + 1, end);
    i = end + 1;
    switch (seq) {
      case 'F': out += d.field; break;
      case 'S': out += d.component; break;
      case 'T': out += d.subcomponent; break;
      case 'R': out += d.repetition; break;
      case 'E': out += d.escape; break;
      default:
        if (/^X(?:[0-9A-Fa-f]{2})+$/.test(seq)) out += Buffer.from(seq.slice(1), 'hex').toString('latin1');
        // other sequences (\H\ \N\ \.br\ \Cxxyy\ \Mxxyyzz\ \Zxx\) carry formatting or charsets: dropped
        break;
    }
  }
  return out;
}

/** Escapes text for inclusion in a field (the reverse of unescapeHl7 for the five delimiters). */
export function escapeHl7(value: string, d: Hl7Delimiters): string {
  let out = '';
  for (const c of value) {
    if (c === d.escape) out += `${d.escape}E${d.escape}`;
    else if (c === d.field) out += `${d.escape}F${d.escape}`;
    else if (c === d.component) out += `${d.escape}S${d.escape}`;
    else if (c === d.subcomponent) out += `${d.escape}T${d.escape}`;
    else if (c === d.repetition) out += `${d.escape}R${d.escape}`;
    else if (c === '\r' || c === '\n') out += ' ';
    else out += c;
  }
  return out;
}

export function findSegment(msg: Hl7Message, id: string): Hl7Segment | undefined {
  return msg.segments.find((s) => s.id === id);
}
