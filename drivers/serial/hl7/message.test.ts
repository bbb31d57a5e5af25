import { describe, expect, it } from 'vitest';
import { component, escapeHl7, parseHl7, unescapeHl7, type Hl7Delimiters } from './message.js';

const D: Hl7Delimiters = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

describe('HL7 escape sequences (v2.5.1 2.7)', () => {
  it('resolves \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ and \\Xhh\\', () => {
    expect(unescapeHl7('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\X4142\\g', D)).toBe('a|b^c&d~e\\fABg');
  });
  it('drops formatting escapes and keeps an unterminated escape as text', () => {
    expect(unescapeHl7('line\\.br\\two \\H\\bold\\N\\', D)).toBe('linetwo bold');
    expect(unescapeHl7('50\\', D)).toBe('50\\');
  });
  it('round-trips escapeHl7', () => {
    const s = 'x|y^z&w~v\\u';
    expect(unescapeHl7(escapeHl7(s, D), D)).toBe(s);
  });
  it('uses the delimiters the MSH declares', () => {
    const m = parseHl7('MSH#$%!@#A#B\rPV1##I#WARD$R!S!x#\r');
    // field '#', component '$', repetition '%', escape '!', subcomponent '@'
    if ('error' in m) throw new Error(m.error);
    expect(m.delimiters).toEqual({ field: '#', component: '$', repetition: '%', escape: '!', subcomponent: '@' });
    expect(component(m, m.segments[1], 3, 2)).toBe('R$x');
  });
  it('returns errors instead of throwing', () => {
    expect(parseHl7('')).toEqual({ error: 'no MSH segment' });
    expect(parseHl7('MSH|')).toHaveProperty('error');
    expect(parseHl7('MSH|^~\\&|A\rxx|1')).toHaveProperty('error');
  });
});
