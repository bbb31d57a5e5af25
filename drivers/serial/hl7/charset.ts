/**
 * The text of an HL7 v2 message as its sender encoded it. MSH-18 (Character Set) names the encoding of the whole
 * message; its first repetition is the one used (HL7 Version 2.5, chapter 2, MSH-18 "Character Set", values from
 * HL7 Table 0211 "Alternate character sets"). Empty means the standard's default, 7-bit ASCII, which UTF-8 reads
 * the same. A Philips IntelliVue Information Center declares `8859/1`, in which a degree sign or an umlaut is one
 * byte that UTF-8 would turn into U+FFFD. Encodings this runtime cannot decode are read as UTF-8.
 */

/** Table 0211 values and the WHATWG encoding labels TextDecoder knows them by. */
const ENCODINGS: Readonly<Record<string, string>> = {
  ASCII: 'utf-8',
  '8859/1': 'latin1',
  '8859/2': 'iso-8859-2',
  '8859/3': 'iso-8859-3',
  '8859/4': 'iso-8859-4',
  '8859/5': 'iso-8859-5',
  '8859/6': 'iso-8859-6',
  '8859/7': 'iso-8859-7',
  '8859/8': 'iso-8859-8',
  '8859/9': 'iso-8859-9',
  '8859/15': 'iso-8859-15',
  'UNICODE UTF-8': 'utf-8',
  'GB 18030-2000': 'gb18030',
  'BIG-5': 'big5',
};

const decoders = new Map<string, TextDecoder | null>();

function decoderFor(label: string): TextDecoder | null {
  let d = decoders.get(label);
  if (d === undefined) {
    try {
      d = new TextDecoder(label);
    } catch {
      d = null; // not in this Node's ICU
    }
    decoders.set(label, d);
  }
  return d;
}

/** MSH-18's first repetition, read from the bytes of the MSH segment (ASCII in every encoding Table 0211 lists). */
export function declaredCharset(bytes: Uint8Array): string {
  const start = indexOfMsh(bytes);
  if (start < 0 || start + 8 > bytes.length) return '';
  const fieldSep = bytes[start + 3] as number;
  const repetitionSep = bytes[start + 5] as number; // MSH-2: component, repetition, escape, subcomponent
  let field = 1; // the byte after "MSH" is MSH-1, the separator itself
  let from = -1;
  for (let i = start + 3; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x0d || b === 0x0a) break;
    if (b === fieldSep) {
      field += 1;
      if (field === 18) from = i + 1;
      else if (field === 19) return ascii(bytes, from, i, repetitionSep);
    }
  }
  return from < 0 ? '' : ascii(bytes, from, segmentEnd(bytes, from), repetitionSep);
}

/** The message decoded by its declared character set. */
export function hl7Text(bytes: Buffer): string {
  const charset = declaredCharset(bytes);
  const label = charset === '' ? 'utf-8' : ENCODINGS[charset.toUpperCase()];
  if (label === undefined || label === 'utf-8') return bytes.toString('utf8');
  if (label === 'latin1') return bytes.toString('latin1');
  return decoderFor(label)?.decode(bytes) ?? bytes.toString('utf8');
}

function indexOfMsh(bytes: Uint8Array): number {
  for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0x4d && bytes[i + 1] === 0x53 && bytes[i + 2] === 0x48) return i;
  return -1;
}

function segmentEnd(bytes: Uint8Array, from: number): number {
  let i = from;
  while (i < bytes.length && bytes[i] !== 0x0d && bytes[i] !== 0x0a) i++;
  return i;
}

function ascii(bytes: Uint8Array, from: number, to: number, repetitionSep: number): string {
  let s = '';
  for (let i = from; i < to && bytes[i] !== repetitionSep; i++) s += String.fromCharCode(bytes[i] as number);
  return s.trim();
}
