import { MllpFramer, MLLP_START } from './mllp.js';

/**
 * Framers that cut an HL7 v2 byte stream into messages.
 *
 * PlainHl7Framer: messages without MLLP, segments ended by CR (LF and CRLF tolerated, HL7 v2.5.1 ch. 2.5.1
 * uses CR only). A message starts at each `MSH` segment; it ends when the next MSH arrives, or on flush()
 * (end of input, or the driver's idle timer). Size-capped like the MLLP framer.
 *
 * Hl7StreamFramer: decides on the first non-blank byte: VT (0x0B) means MLLP, anything else means plain.
 */
export interface Hl7Framer {
  push(chunk: Buffer): Buffer[];
  /** Ends the current message in plain mode (MLLP frames need their end block and are never flushed). */
  flush(): Buffer[];
  readonly mode: 'mllp' | 'plain' | 'undecided';
  /** Frames dropped for size, junk and abandoned frames, summed. */
  readonly droppedCount: number;
}

const CR = 0x0d;
const LF = 0x0a;

export class PlainHl7Framer implements Hl7Framer {
  readonly mode = 'plain' as const;
  readonly maxFrameBytes: number;
  private segs: Buffer[] = [];
  private size = 0;
  private line: Buffer[] = [];
  private lineSize = 0;
  private overflowing = false;
  oversize = 0;

  constructor(opts: { maxFrameBytes?: number } = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? 1024 * 1024;
  }

  get droppedCount(): number {
    return this.oversize;
  }

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b !== CR && b !== LF) continue;
      this.takeLine(chunk.subarray(start, i));
      this.endSegment(out);
      start = i + 1;
    }
    this.takeLine(chunk.subarray(start));
    return out;
  }

  flush(): Buffer[] {
    const out: Buffer[] = [];
    this.endSegment(out);
    this.emit(out);
    return out;
  }

  private takeLine(b: Buffer): void {
    if (b.length === 0) return;
    if (this.size + this.lineSize + b.length > this.maxFrameBytes) {
      // While overflowing, lines are still collected (one at a time, capped) to find the next MSH.
      if (!this.overflowing) this.oversize++;
      this.overflowing = true;
      this.segs = [];
      this.size = 0;
      this.line = [];
      this.lineSize = 0;
      return;
    }
    this.line.push(Buffer.from(b));
    this.lineSize += b.length;
  }

  private endSegment(out: Buffer[]): void {
    if (this.lineSize === 0) return;
    const seg = Buffer.concat(this.line, this.lineSize);
    this.line = [];
    this.lineSize = 0;
    const isMsh = seg.length >= 3 && seg[0] === 0x4d && seg[1] === 0x53 && seg[2] === 0x48; // "MSH"
    if (isMsh) {
      this.overflowing = false;
      this.emit(out);
    } else if (this.overflowing) {
      return; // rest of an oversize message
    }
    // (an MSH line longer than the cap itself never gets here: takeLine dropped it)
    this.segs.push(seg);
    this.size += seg.length + 1;
  }

  private emit(out: Buffer[]): void {
    if (this.segs.length === 0) return;
    const parts: Buffer[] = [];
    for (const s of this.segs) parts.push(s, Buffer.of(CR));
    out.push(Buffer.concat(parts));
    this.segs = [];
    this.size = 0;
  }
}

export class MllpHl7Framer implements Hl7Framer {
  readonly mode = 'mllp' as const;
  readonly inner: MllpFramer;
  constructor(opts: { maxFrameBytes?: number } = {}) {
    this.inner = new MllpFramer(opts);
  }
  get droppedCount(): number {
    const s = this.inner.stats;
    return s.oversize + s.abandoned + (s.junkBytes > 0 ? 1 : 0);
  }
  push(chunk: Buffer): Buffer[] {
    return this.inner.push(chunk);
  }
  flush(): Buffer[] {
    return [];
  }
}

export class Hl7StreamFramer implements Hl7Framer {
  private impl: Hl7Framer | undefined;
  constructor(private readonly opts: { maxFrameBytes?: number } = {}) {}

  get mode(): 'mllp' | 'plain' | 'undecided' {
    return this.impl?.mode ?? 'undecided';
  }
  get droppedCount(): number {
    return this.impl?.droppedCount ?? 0;
  }
  /** Plain HL7 has no end marker: the last message ends at the driver's idle gap. */
  get endsAtIdle(): boolean {
    return this.mode === 'plain';
  }

  push(chunk: Buffer): Buffer[] {
    if (!this.impl) {
      let i = 0;
      while (i < chunk.length && (chunk[i] === CR || chunk[i] === LF || chunk[i] === 0x20)) i++;
      if (i >= chunk.length) return [];
      this.impl = chunk[i] === MLLP_START ? new MllpHl7Framer(this.opts) : new PlainHl7Framer(this.opts);
      chunk = chunk.subarray(i);
    }
    return this.impl.push(chunk);
  }

  flush(): Buffer[] {
    return this.impl?.flush() ?? [];
  }
}
