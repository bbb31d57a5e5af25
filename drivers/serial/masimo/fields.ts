/**
 * Splits one Masimo serial line into its leading tokens (date, time) and its `KEY=value` fields.
 *
 * A field starts where a key begins: a name of letters and digits (starting with a letter, at most 12 characters)
 * at the start of the line or after white space, followed directly by '='. Its value runs to the next such start,
 * white space at either end trimmed. So a value may hold spaces, as the exception names of `EXC=021:NO SENSOR,SENSOR
 * OFF` do; an exception name never holds '=', so it can never be taken for the next key. Any name is a key, not only
 * the ones the codec knows, so that a field newer firmware adds stays a field of its own instead of running on into
 * the value before it.
 */
export interface MasimoField {
  /** The key as printed, upper-cased ('SpO2' -> 'SPO2'). */
  key: string;
  /** The value text, trimmed; may be empty. */
  raw: string;
}

export interface MasimoLineParts {
  /** White-space separated tokens before the first key (the date and time). */
  prefix: string[];
  fields: MasimoField[];
}

const KEY_START = /(^|\s)([A-Za-z][A-Za-z0-9]{0,11})=/g;

export function splitMasimoLine(text: string): MasimoLineParts {
  const starts: { at: number; key: string; valueAt: number }[] = [];
  KEY_START.lastIndex = 0;
  for (let m = KEY_START.exec(text); m !== null; m = KEY_START.exec(text)) {
    const at = m.index + m[1]!.length;
    starts.push({ at, key: m[2]!, valueAt: at + m[2]!.length + 1 });
  }
  const head = (starts.length > 0 ? text.slice(0, starts[0]!.at) : text).trim();
  const prefix = head === '' ? [] : head.split(/\s+/);
  const fields: MasimoField[] = [];
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    const end = i + 1 < starts.length ? starts[i + 1]!.at : text.length;
    fields.push({ key: s.key.toUpperCase(), raw: text.slice(s.valueAt, end).trim() });
  }
  return { prefix, fields };
}
