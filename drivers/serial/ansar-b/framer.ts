import type { ByteFramer } from '../dialect.js';

/**
 * ANSAR-B framing, as the Ivy 450C sends it on its serial output: 0xFF, the 8 ASCII bytes "ANSAR-B ", 400 bytes of
 * waveform samples (ECG 200, respiration 50, pleth 50, P1 50, P2 50), then the numeric lines, each ending in CR,
 * then 0xFE. The end byte is searched for only after the fixed part, because waveform bytes can take any value.
 * Source: mdpnp/mdpnp, devices/cpc/src/main/java/org/mdpnp/devices/cpc/ansarB/AnsarB.java
 * @ bcf9e7bee0edb4009888e058ca79f0641280402c (offsets and start/end bytes), checked against the capture
 * interop-lab/demo-devices/src/test/resources/org/mdpnp/devices/ivy/_450c/Ivy450C.1.data of the same repository.
 */
export const START = 0xff;
export const END = 0xfe;
export const MAGIC = 'ANSAR-B ';
export const WAVE_BYTES = 400;
/** Start byte, magic, waveforms: the numeric lines begin here. */
export const FIXED_BYTES = 1 + MAGIC.length + WAVE_BYTES;

export class AnsarBFramer implements ByteFramer {
  private buf: Buffer = Buffer.alloc(0);
  readonly stats = { frames: 0, discardedBytes: 0, overlong: 0 };

  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    const out: Buffer[] = [];
    for (;;) {
      const start = this.buf.indexOf(START);
      if (start < 0) {
        this.stats.discardedBytes += this.buf.length;
        this.buf = Buffer.alloc(0);
        return out;
      }
      if (start > 0) {
        this.stats.discardedBytes += start;
        this.buf = this.buf.subarray(start);
      }
      const end = this.buf.length > FIXED_BYTES ? this.buf.indexOf(END, FIXED_BYTES) : -1;
      if (end < 0) {
        if (this.buf.length > this.maxFrameBytes) {
          // No end byte where one must be: drop this start byte and look for the next frame.
          this.stats.overlong++;
          this.stats.discardedBytes += 1;
          this.buf = this.buf.subarray(1);
          continue;
        }
        return out;
      }
      out.push(Buffer.from(this.buf.subarray(0, end)));
      this.stats.frames++;
      this.buf = this.buf.subarray(end + 1);
    }
  }

  /** A frame ends only at its end byte: nothing is complete at end of input. */
  flush(): Buffer[] {
    this.stats.discardedBytes += this.buf.length;
    this.buf = Buffer.alloc(0);
    return [];
  }
}
