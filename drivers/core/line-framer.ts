import { Transform, type TransformCallback } from 'node:stream';

/**
 * Size-capped line splitting for line dialects (Masimo ASCII, NDJSON).
 *
 * Lines end at LF or CR (so CRLF, LFCR and bare CR all work; the empty "lines" between a CR and an LF
 * are skipped). A line longer than `maxLineBytes` is dropped whole and counted: the framer never
 * holds more than `maxLineBytes` of a pending line, whatever arrives.
 */
export interface LineFramerOptions {
  /** Longest accepted line in bytes, delimiter excluded. Default 4096. */
  maxLineBytes?: number;
  /** How line bytes become text. Default 'utf8'. */
  encoding?: BufferEncoding;
}

export interface LineFramerStats {
  lines: number;
  /** Lines dropped because they exceeded maxLineBytes. */
  overlong: number;
}

const LF = 0x0a;
const CR = 0x0d;

export class LineFramer {
  readonly maxLineBytes: number;
  private readonly encoding: BufferEncoding;
  private parts: Buffer[] = [];
  private pending = 0;
  /** True while skipping the rest of an overlong line. */
  private discarding = false;
  private readonly counters: LineFramerStats = { lines: 0, overlong: 0 };

  constructor(opts: LineFramerOptions = {}) {
    this.maxLineBytes = opts.maxLineBytes ?? 4096;
    if (!(this.maxLineBytes > 0)) throw new RangeError('maxLineBytes must be > 0');
    this.encoding = opts.encoding ?? 'utf8';
  }

  get stats(): Readonly<LineFramerStats> {
    return this.counters;
  }

  /** Bytes currently held for an unfinished line (never above maxLineBytes). */
  get bufferedBytes(): number {
    return this.pending;
  }

  /** Feeds bytes; returns the complete lines they finish, in order. */
  push(chunk: Buffer | string): string[] {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, this.encoding) : chunk;
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i];
      if (b !== LF && b !== CR) continue;
      this.take(buf, start, i);
      this.endLine(out);
      start = i + 1;
    }
    this.take(buf, start, buf.length);
    return out;
  }

  /** Ends the stream: returns the unterminated last line, if any (and not overlong). */
  flush(): string[] {
    const out: string[] = [];
    this.endLine(out);
    return out;
  }

  private take(buf: Buffer, from: number, to: number): void {
    if (to <= from || this.discarding) return;
    const len = to - from;
    if (this.pending + len > this.maxLineBytes) {
      this.parts = [];
      this.pending = 0;
      this.discarding = true;
      this.counters.overlong++;
      return;
    }
    this.parts.push(buf.subarray(from, to));
    this.pending += len;
  }

  private endLine(out: string[]): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (this.pending === 0) return;
    const line =
      this.parts.length === 1
        ? this.parts[0]!.toString(this.encoding)
        : Buffer.concat(this.parts, this.pending).toString(this.encoding);
    this.parts = [];
    this.pending = 0;
    this.counters.lines++;
    out.push(line);
  }
}

/** Splits a whole buffer or string into lines with the same rules (the final unterminated line included). */
export function splitLines(input: Buffer | string, opts: LineFramerOptions = {}): { lines: string[]; overlong: number } {
  const framer = new LineFramer(opts);
  const lines = framer.push(input);
  lines.push(...framer.flush());
  return { lines, overlong: framer.stats.overlong };
}

/** The framer as an object-mode Transform: bytes in, one string per line out. */
export class LineFramerTransform extends Transform {
  readonly framer: LineFramer;

  constructor(opts: LineFramerOptions = {}) {
    super({ readableObjectMode: true });
    this.framer = new LineFramer(opts);
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    for (const line of this.framer.push(chunk)) this.push(line);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    for (const line of this.framer.flush()) this.push(line);
    cb();
  }
}
