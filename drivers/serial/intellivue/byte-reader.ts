/** Bounds-checked big-endian cursor. Throws ShortInput, which parsers catch and turn into an error result. */
export class ShortInput extends Error {}

export class ByteReader {
  constructor(
    readonly buf: Uint8Array,
    public pos = 0,
    readonly end = buf.length,
  ) {
    if (end > buf.length) throw new ShortInput(`length ${end} past end ${buf.length}`);
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  private need(n: number): void {
    if (this.pos + n > this.end) throw new ShortInput(`need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }
  u16(): number {
    this.need(2);
    const v = ((this.buf[this.pos] as number) << 8) | (this.buf[this.pos + 1] as number);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (((b[p] as number) << 24) | ((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number)) >>> 0;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** A sub-reader over the next n bytes; this reader moves past them. */
  sub(n: number): ByteReader {
    this.need(n);
    const r = new ByteReader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
}

/** Big-endian writer that grows as needed. */
export class ByteWriter {
  private b = Buffer.alloc(64);
  private n = 0;
  private room(k: number): void {
    if (this.n + k <= this.b.length) return;
    const nb = Buffer.alloc(Math.max(this.b.length * 2, this.n + k));
    this.b.copy(nb, 0, 0, this.n);
    this.b = nb;
  }
  u8(v: number): this {
    this.room(1);
    this.b[this.n++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.room(2);
    this.b.writeUInt16BE(v & 0xffff, this.n);
    this.n += 2;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    this.b.writeUInt32BE(v >>> 0, this.n);
    this.n += 4;
    return this;
  }
  bytes(v: Uint8Array): this {
    this.room(v.length);
    this.b.set(v, this.n);
    this.n += v.length;
    return this;
  }
  get length(): number {
    return this.n;
  }
  done(): Buffer {
    return Buffer.from(this.b.subarray(0, this.n));
  }
}
