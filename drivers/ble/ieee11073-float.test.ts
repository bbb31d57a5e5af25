import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { float32, readFloatLE, readSfloatLE, sfloat } from './ieee11073-float.js';

// Vectors: HL7/phd input/pagecontent/MderFLOATsandSFLOATs.md ("FLOAT Encoding", "SFLOAT Encoding",
// "Special FLOAT and SFLOAT Values").
const SFLOAT_VECTORS: Array<[number, number, number, number]> = [
  // raw, exponent, mantissa, value
  [0x0002, 0, 2, 2],
  [0xf014, -1, 20, 2],
  [0xe0c8, -2, 200, 2],
  [0x1002, 1, 2, 20],
  [0x2002, 2, 2, 200],
  [0x00c8, 0, 200, 200],
  [0x04d2, 0, 1234, 1234],
  [0x0b2e, 0, -1234, -1234],
];
const FLOAT_VECTORS: Array<[number, number, number, number]> = [
  [0x00000002, 0, 2, 2],
  [0xff000014, -1, 20, 2],
  [0xfe0000c8, -2, 200, 2],
  [0x01000002, 1, 2, 20],
  [0x02000002, 2, 2, 200],
  [0x000000c8, 0, 200, 200],
  [0x000004d2, 0, 1234, 1234],
  [0x00fffb2e, 0, -1234, -1234],
];

describe('SFLOAT', () => {
  it.each(SFLOAT_VECTORS)('0x%s decodes to exponent, mantissa and value of the published table', (raw, e, m, v) => {
    expect(sfloat(raw)).toEqual({ ok: true, exponent: e, mantissa: m, value: v });
  });

  it.each([
    [0x07ff, 'nan'],
    [0x0800, 'nres'],
    [0x07fe, '+inf'],
    [0x0802, '-inf'],
    [0x0801, 'reserved'],
  ] as const)('special 0x%s is %s, never a number', (raw, special) => {
    expect(sfloat(raw)).toEqual({ ok: false, special });
  });

  it('reserved mantissas with a non-zero exponent are ordinary numbers', () => {
    expect(sfloat(0xf7ff)).toMatchObject({ ok: true, value: 204.7 });
    expect(sfloat(0x1800)).toMatchObject({ ok: true, value: -20480 });
  });

  it('scales by division so one decimal stays exact (36.5, 0.3)', () => {
    expect(sfloat(0xf16d)).toMatchObject({ ok: true, value: 36.5 });
    expect(sfloat(0xf003)).toMatchObject({ ok: true, value: 0.3 });
  });

  it('reads little-endian', () => {
    expect(readSfloatLE(Uint8Array.of(0x00, 0x14, 0xf0), 1)).toMatchObject({ ok: true, value: 2 });
  });

  it('every one of the 65536 codes is a finite number or a special', () => {
    for (let raw = 0; raw <= 0xffff; raw++) {
      const r = sfloat(raw);
      if (r.ok) expect(Number.isFinite(r.value)).toBe(true);
    }
  });
});

describe('FLOAT', () => {
  it.each(FLOAT_VECTORS)('0x%s decodes to exponent, mantissa and value of the published table', (raw, e, m, v) => {
    expect(float32(raw)).toEqual({ ok: true, exponent: e, mantissa: m, value: v });
  });

  it.each([
    [0x007fffff, 'nan'],
    [0x00800000, 'nres'],
    [0x007ffffe, '+inf'],
    [0x00800002, '-inf'],
    [0x00800001, 'reserved'],
  ] as const)('special 0x%s is %s', (raw, special) => {
    expect(float32(raw)).toEqual({ ok: false, special });
  });

  it('reads little-endian (36.4 as 0xFF00016C)', () => {
    expect(readFloatLE(Uint8Array.of(0x6c, 0x01, 0x00, 0xff), 0)).toMatchObject({ ok: true, value: 36.4 });
  });

  it('extreme exponents stay finite', () => {
    expect(float32(0x7f7fffff)).toMatchObject({ ok: true, exponent: 127, mantissa: 8388607 });
    expect(float32(0x80800003)).toMatchObject({ ok: true, exponent: -128, mantissa: -8388605 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (raw) => {
        const r = float32(raw);
        return !r.ok || Number.isFinite(r.value);
      }),
    );
  });
});
