import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { declaredCharset, hl7Text } from './charset.js';
import { decodeHl7Message } from './oru.js';

// A real Philips IntelliVue Information Center message (test/fixtures/captures/PROVENANCE.md): MSH-18 is 8859/1.
const capture = readFileSync(new URL('../../../test/fixtures/captures/philips-iic-hl7-export.hl7', import.meta.url));
const frame = [...capture.toString('latin1').matchAll(/\x0b([\s\S]*?)\x1c\r/g)].map((m) => m[1]!).find((f) => f.includes('|ORU^R01|') && f.includes('^CPP^'))!;

/** The frame as a production sender marks it (MSH-11 P, not the demo system's T), its CPP row relabelled `label`. */
const relabelled = (label: string): string => frame.replace(/^(MSH(?:\|[^|\r]*){9})\|T\|/, '$1|P|').replace('^CPP^MDIL', `^${label}^MDIL`);

describe('HL7 character sets (MSH-18)', () => {
  it('reads the character set the capture declares', () => {
    expect(declaredCharset(Buffer.from(frame, 'latin1'))).toBe('8859/1');
    expect(declaredCharset(Buffer.from('MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.6|||AL|NE||UNICODE UTF-8~8859/1|||\rPID|||1'))).toBe('UNICODE UTF-8');
    expect(declaredCharset(Buffer.from('MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.6\rPID|||1'))).toBe('');
    expect(declaredCharset(Buffer.from('\x0bMSH#^~\\&#A#B#C#D#2024##ORU^R01#1#P#2.5######8859/1\r'))).toBe('8859/1'); // any field separator
  });

  it('a Latin-1 sender\'s umlaut and degree sign come through as sent, not as U+FFFD', () => {
    const bytes = Buffer.from(relabelled('CPP Ösoph °'), 'latin1');
    expect(bytes.includes(0xd6)).toBe(true); // one byte, as a Latin-1 sender writes it
    expect(hl7Text(bytes)).toContain('CPP Ösoph °');
    const items = decodeHl7Message(bytes).result.items;
    expect(items).toContainEqual({ kind: 'unmapped', code: 'MDIL:0002-5804', label: 'CPP Ösoph °', value: 87, unit: 'mmHg', channel: '0' });
  });

  it('a message that declares UTF-8, or nothing, is read as UTF-8', () => {
    const utf8 = Buffer.from(relabelled('CPP Ösoph').replace('|8859/1', '|UNICODE UTF-8'), 'utf8');
    expect(hl7Text(utf8)).toContain('CPP Ösoph');
    const undeclared = Buffer.from(relabelled('CPP Ösoph').replace('|8859/1', '|'), 'utf8');
    expect(hl7Text(undeclared)).toContain('CPP Ösoph');
  });
});
