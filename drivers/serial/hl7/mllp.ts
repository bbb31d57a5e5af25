/**
 * MLLP (Minimal Lower Layer Protocol) framing: <VT 0x0B> message <FS 0x1C><CR 0x0D>.
 * Source: HL7 Version 2.5.1 Implementation Guide, Appendix C "Lower Layer Protocols", C.4 MLLP (Release 1/2 block
 * format: start block 0x0B, end block 0x1C followed by 0x0D).
 *
 * The framer is incremental (one frame split across reads, several frames in one read) and size-capped: a frame
 * growing past `maxFrameBytes` is dropped and counted, and bytes are skipped until the next start block.
 * Bytes outside a frame are counted as junk; a start block inside a frame abandons the partial frame (counted).
 */
export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_CR = 0x0d;

export interface MllpStats {
  frames: number;
  oversize: number;
  /** Partial frames abandoned because a new start block arrived before their end. */
  abandoned: number;
  /** Bytes seen outside any frame (other than CR/LF between frames). */
  junkBytes: number;
}

type State = 'outside' | 'inside' | 'sawEnd' | 'skipping';
const FS_ONLY = Buffer.of(MLLP_END);

export class MllpFramer {
  readonly maxFrameBytes: number;
  private state: State = 'outside';
  /** Growable accumulation buffer for the current frame (one copy in, one copy out). */
  private acc: Buffer = Buffer.allocUnsafe(4096);
  private size = 0;
  private sinceStart = 0;
  private readonly counters: MllpStats = { frames: 0, oversize: 0, abandoned: 0, junkBytes: 0 };

  constructor(opts: { maxFrameBytes?: number } = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? 1024 * 1024;
  }

  get stats(): Readonly<MllpStats> {
    return this.counters;
  }

  get bufferedBytes(): number {
    return this.size;
  }

  /** Bytes read outside any frame (junk, or the rest of an oversize frame) since the last start block. */
  get bytesWithoutStart(): number {
    return this.sinceStart;
  }

  /** Feeds bytes; returns the payloads (without the framing bytes) of the frames they complete. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.state === 'sawEnd') {
        if (chunk[i] === MLLP_CR) {
          this.finish(out);
          this.state = 'outside';
          i++;
        } else {
          // A lone FS inside the payload: keep it as data; this byte is payload again.
          this.append(FS_ONLY);
          this.state = 'inside';
        }
      } else if (this.state === 'inside') {
        const end = chunk.indexOf(MLLP_END, i);
        const stop = end < 0 ? n : end;
        const restart = chunk.indexOf(MLLP_START, i);
        if (restart >= 0 && restart < stop) {
          this.counters.abandoned++;
          this.reset();
          i = restart + 1;
        } else if (this.size + (stop - i) > this.maxFrameBytes) {
          this.counters.oversize++;
          this.reset();
          this.state = 'skipping';
          i = stop;
        } else {
          this.append(chunk.subarray(i, stop));
          if (end < 0) i = n;
          else {
            this.state = 'sawEnd';
            i = end + 1;
          }
        }
      } else {
        // outside or skipping: look for the next start block
        const start = chunk.indexOf(MLLP_START, i);
        const stop = start < 0 ? n : start;
        this.sinceStart = start < 0 ? this.sinceStart + (stop - i) : 0;
        if (this.state === 'outside') {
          for (let k = i; k < stop; k++) {
            const b = chunk[k];
            if (b !== MLLP_CR && b !== 0x0a) this.counters.junkBytes++;
          }
        }
        if (start < 0) i = n;
        else {
          this.state = 'inside';
          i = start + 1;
        }
      }
    }
    return out;
  }

  private append(b: Buffer): void {
    if (b.length === 0) return;
    const need = this.size + b.length;
    if (need > this.acc.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, Math.min(this.acc.length * 2, this.maxFrameBytes + 1)));
      this.acc.copy(grown, 0, 0, this.size);
      this.acc = grown;
    }
    b.copy(this.acc, this.size);
    this.size = need;
  }

  private finish(out: Buffer[]): void {
    out.push(Buffer.from(this.acc.subarray(0, this.size)));
    this.counters.frames++;
    this.reset();
  }

  private reset(): void {
    this.size = 0;
    // Give back a buffer grown for a very large frame.
    if (this.acc.length > 65536) this.acc = Buffer.allocUnsafe(4096);
  }
}

/** Wraps an HL7 message (segments separated by CR) in an MLLP block. */
export function encodeMllp(message: string | Buffer): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  return Buffer.concat([Buffer.of(MLLP_START), body, Buffer.of(MLLP_END, MLLP_CR)]);
}
