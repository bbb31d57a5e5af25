/**
 * IEEE 11073-20601 (Annex F.8, "Numeric formats") SFLOAT-Type (16-bit) and FLOAT-Type (32-bit), as the
 * Bluetooth SIG GATT Specification Supplement (section 2.2, "medfloat16" / "medfloat32") uses them.
 *
 *  SFLOAT: 4-bit two's-complement exponent (bits 15..12), 12-bit two's-complement mantissa (bits 11..0).
 *  FLOAT:  8-bit two's-complement exponent (bits 31..24), 24-bit two's-complement mantissa (bits 23..0).
 *  value = mantissa * 10^exponent.
 *
 * Special values carry exponent 0 and a reserved mantissa. Table as published in HL7/phd
 * input/pagecontent/MderFLOATsandSFLOATs.md ("Special FLOAT and SFLOAT Values"):
 *   NaN 0x07FF / 0x007FFFFF, NRes 0x0800 / 0x00800000, +INF 0x07FE / 0x007FFFFE,
 *   -INF 0x0802 / 0x00800002, reserved 0x0801 / 0x00800001.
 * A special value is never turned into a number: the caller gets a typed special result.
 */

export type MedFloatSpecial = 'nan' | 'nres' | '+inf' | '-inf' | 'reserved';

export type MedFloat =
  | { ok: true; value: number; exponent: number; mantissa: number }
  | { ok: false; special: MedFloatSpecial };

const SFLOAT_SPECIALS: ReadonlyMap<number, MedFloatSpecial> = new Map([
  [0x07ff, 'nan'],
  [0x0800, 'nres'],
  [0x07fe, '+inf'],
  [0x0802, '-inf'],
  [0x0801, 'reserved'],
]);

const FLOAT_SPECIALS: ReadonlyMap<number, MedFloatSpecial> = new Map([
  [0x007fffff, 'nan'],
  [0x00800000, 'nres'],
  [0x007ffffe, '+inf'],
  [0x00800002, '-inf'],
  [0x00800001, 'reserved'],
]);

/** Two's-complement sign extension of the low `bits` bits of `raw`. */
function signed(raw: number, bits: number): number {
  const sign = 2 ** (bits - 1);
  return raw >= sign ? raw - 2 ** bits : raw;
}

/**
 * mantissa * 10^exponent with one rounding: dividing by an exact power of ten gives the double nearest the
 * decimal (36.5, not 36.50000000000001). 10^k is exact in binary64 for k <= 22.
 */
function scale(mantissa: number, exponent: number): number {
  if (exponent >= 0) return mantissa * 10 ** exponent;
  return mantissa / 10 ** -exponent;
}

/** Decodes a 16-bit SFLOAT given as its unsigned raw value (0..0xFFFF). */
export function sfloat(raw16: number): MedFloat {
  const raw = raw16 & 0xffff;
  const special = SFLOAT_SPECIALS.get(raw);
  if (special) return { ok: false, special };
  const exponent = signed(raw >> 12, 4);
  const mantissa = signed(raw & 0x0fff, 12);
  return { ok: true, value: scale(mantissa, exponent), exponent, mantissa };
}

/** Decodes a 32-bit FLOAT given as its unsigned raw value (0..0xFFFFFFFF). */
export function float32(raw32: number): MedFloat {
  const raw = raw32 >>> 0;
  const special = FLOAT_SPECIALS.get(raw);
  if (special) return { ok: false, special };
  const exponent = signed(raw >>> 24, 8);
  const mantissa = signed(raw & 0x00ffffff, 24);
  return { ok: true, value: scale(mantissa, exponent), exponent, mantissa };
}

/** Reads a little-endian SFLOAT at `offset` (the caller has checked the length). */
export function readSfloatLE(bytes: Uint8Array, offset: number): MedFloat {
  return sfloat((bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8));
}

/** Reads a little-endian FLOAT at `offset` (the caller has checked the length). */
export function readFloatLE(bytes: Uint8Array, offset: number): MedFloat {
  const raw =
    (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8) | ((bytes[offset + 2] ?? 0) << 16) | ((bytes[offset + 3] ?? 0) << 24);
  return float32(raw >>> 0);
}
