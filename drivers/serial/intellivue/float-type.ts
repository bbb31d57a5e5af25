/**
 * IntelliVue FLOAT-Type: 32 bits big-endian, high 8 bits a signed exponent, low 24 bits a signed mantissa,
 * value = mantissa * 10^exponent [ML IntellivueFloat.Read; OI data/Float.java; KO FLOATType.go].
 *
 * Special values (exponent 0) [KO FLOATType.go; ML IntellivueFloat.cs; OI Float.java:64-72]:
 *   0x007FFFFF NaN, 0x00800000 NRes, 0x007FFFFE +INF, 0x00800002 -INF.
 * Like ML and OI we test the mantissa only and ignore the exponent, so any exponent with a special mantissa is
 * rejected: the safe side for triage. A special value is never returned as a number.
 */

export type FloatSpecial = 'NaN' | 'NRes' | '+INF' | '-INF';

export type FloatValue = { kind: 'number'; value: number } | { kind: 'special'; special: FloatSpecial };

const SPECIAL_BY_MANTISSA: ReadonlyMap<number, FloatSpecial> = new Map([
  [0x7fffff, 'NaN'],
  [0x800000, 'NRes'],
  [0x7ffffe, '+INF'],
  [0x800002, '-INF'],
]);

/** Decodes the u32 wire value (already read big-endian). */
export function decodeFloatType(raw: number): FloatValue {
  const u = raw >>> 0;
  const mantissaBits = u & 0xffffff;
  const special = SPECIAL_BY_MANTISSA.get(mantissaBits);
  if (special) return { kind: 'special', special };
  const exponent = (u >>> 24) << 24 >> 24; // sign-extend 8 bits
  const mantissa = (mantissaBits << 8) >> 8; // sign-extend 24 bits
  // Divide for negative exponents so 365e-1 gives exactly the double nearest 36.5.
  const value = exponent >= 0 ? mantissa * 10 ** exponent : mantissa / 10 ** -exponent;
  if (!Number.isFinite(value)) return { kind: 'special', special: value > 0 ? '+INF' : '-INF' };
  return { kind: 'number', value };
}
