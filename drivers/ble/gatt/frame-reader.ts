import { readFloatLE, readSfloatLE, type MedFloat } from '../ieee11073-float.js';

/** Thrown inside a parser when the frame ends before a field; parsers turn it into an error result. */
export class FrameTooShort extends Error {
  constructor(field: string, needed: number, length: number) {
    super(`frame too short for ${field}: needs ${needed} bytes, has ${length}`);
  }
}

/**
 * Little-endian cursor over one characteristic value. GATT multi-octet fields are little-endian
 * (Bluetooth Core Specification v5.4, Vol 3, Part G, 3.3.3 / GSS section 2.2 "LSO to MSO").
 */
export class FrameReader {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, field: string): number {
    if (this.pos + n > this.bytes.length) throw new FrameTooShort(field, this.pos + n, this.bytes.length);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(field: string): number {
    return this.bytes[this.need(1, field)] ?? 0;
  }

  u16(field: string): number {
    const at = this.need(2, field);
    return (this.bytes[at] ?? 0) | ((this.bytes[at + 1] ?? 0) << 8);
  }

  u24(field: string): number {
    const at = this.need(3, field);
    return (this.bytes[at] ?? 0) | ((this.bytes[at + 1] ?? 0) << 8) | ((this.bytes[at + 2] ?? 0) << 16);
  }

  sfloat(field: string): MedFloat {
    return readSfloatLE(this.bytes, this.need(2, field));
  }

  float(field: string): MedFloat {
    return readFloatLE(this.bytes, this.need(4, field));
  }
}

export type Parsed<T> = { ok: true; frame: T } | { ok: false; error: string };

/** Runs a parser; a short frame or any other fault becomes an error result, never an exception. */
export function parseSafely<T>(parse: () => T): Parsed<T> {
  try {
    return { ok: true, frame: parse() };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
