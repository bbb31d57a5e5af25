import { execFileSync } from 'node:child_process';

/**
 * Reads HL7 v2 messages with Debian's python3-hl7 (a third-party parser, /usr/bin/python3): each message comes back
 * as its segments, each a list of fields, each field's first repetition as its components (unescaped by python-hl7).
 * MSH is indexed as HL7 counts it (python-hl7's own convention: index 1 is the field separator).
 */
const SCRIPT = String.raw`
import sys, json, hl7
out = []
for raw in json.load(sys.stdin):
    m = hl7.parse(raw)
    segs = []
    for seg in m:
        name = str(seg[0])
        fields = []
        for i in range(len(seg)):
            f = seg[i]
            if name == 'MSH' and i in (1, 2):
                fields.append([str(f)])
                continue
            if isinstance(f, hl7.Field) and len(f) > 0 and isinstance(f[0], hl7.Repetition):
                fields.append([m.unescape(str(c)) for c in f[0]])
            else:
                fields.append([m.unescape(str(f))])
        segs.append({'name': name, 'fields': fields})
    out.append({'type': str(m.segment('MSH')[9]), 'controlId': str(m.segment('MSH')[10]), 'segments': segs})
json.dump(out, sys.stdout)
`;

export interface PySegment {
  name: string;
  /** fields[n] = components of field n (first repetition). */
  fields: string[][];
}
export interface PyMessage {
  type: string;
  controlId: string;
  segments: PySegment[];
}

export function readWithPythonHl7(messages: string[]): PyMessage[] {
  const out = execFileSync('/usr/bin/python3', ['-c', SCRIPT], { input: JSON.stringify(messages), encoding: 'utf8' });
  return JSON.parse(out) as PyMessage[];
}

/** Component c (1-based) of field n of the i-th segment named `name`. */
export function py(m: PyMessage, name: string, n: number, c = 1, i = 0): string {
  return m.segments.filter((s) => s.name === name)[i]?.fields[n]?.[c - 1] ?? '';
}

/** The OBX rows of a message as python-hl7 read them, by their OBX-3 code. */
export function pyObx(m: PyMessage, code: string): PySegment[] {
  return m.segments.filter((s) => s.name === 'OBX' && s.fields[3]?.[0] === code);
}
