/**
 * The emulated monitor's own framing, written apart from the driver's (drivers/serial/intellivue/framing.ts) so a
 * mistake in one is caught by the other. Facts: docs/intellivue.md (frame layout, transparency,
 * PPP FCS-16 per RFC 1662: reflected 0x8408, init 0xFFFF, ones' complement sent LSB first).
 * This one computes the CRC bit by bit and splits frames with a small state enum.
 */

/** Bitwise RFC 1662 FCS-16 over `data`, returning the ones' complement that goes on the wire. */
export function monitorFcs(data: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return ~crc & 0xffff;
}

const SPECIAL = new Set([0xc0, 0xc1, 0x7d]);

export interface WireFaults {
  /** Corrupt the FCS of this frame. */
  badFcs?: boolean;
  /** Send the first half of the frame and then 7D C1. */
  abort?: boolean;
}

export function monitorFrame(userData: Uint8Array, faults: WireFaults = {}): Buffer {
  const plain = [0x11, 0x01, (userData.length >> 8) & 0xff, userData.length & 0xff, ...userData];
  let fcs = monitorFcs(Uint8Array.from(plain));
  if (faults.badFcs) fcs ^= 0x5a5a;
  plain.push(fcs & 0xff, (fcs >> 8) & 0xff);
  const out: number[] = [0xc0];
  for (const b of plain) {
    if (SPECIAL.has(b)) out.push(0x7d, b ^ 0x20);
    else out.push(b);
  }
  if (faults.abort) {
    const cut = out.slice(0, Math.max(2, Math.floor(out.length / 2)));
    if (cut[cut.length - 1] === 0x7d) cut.pop();
    return Buffer.from([...cut, 0x7d, 0xc1]);
  }
  out.push(0xc1);
  return Buffer.from(out);
}

/** Splits the client's byte stream into verified user-data payloads; bad frames are counted and dropped. */
export class MonitorFrameSplitter {
  badFrames = 0;
  private state: 'idle' | 'body' | 'escape' = 'idle';
  private acc: number[] = [];

  feed(chunk: Uint8Array): Buffer[] {
    const done: Buffer[] = [];
    for (const b of chunk) {
      if (b === 0xc0) {
        this.state = 'body';
        this.acc = [];
      } else if (this.state === 'idle') {
        continue;
      } else if (this.state === 'escape') {
        if (b === 0xc1) {
          this.state = 'idle';
          this.badFrames++;
        } else {
          this.acc.push(b ^ 0x20);
          this.state = 'body';
        }
      } else if (b === 0x7d) {
        this.state = 'escape';
      } else if (b === 0xc1) {
        this.state = 'idle';
        const f = this.check(this.acc);
        if (f) done.push(f);
        else this.badFrames++;
      } else if (this.acc.length < 4000) {
        this.acc.push(b);
      } else {
        this.state = 'idle';
        this.badFrames++;
      }
    }
    return done;
  }

  private check(a: number[]): Buffer | undefined {
    if (a.length < 6 || a[0] !== 0x11 || a[1] !== 0x01) return undefined;
    const len = ((a[2] as number) << 8) | (a[3] as number);
    if (len !== a.length - 6) return undefined;
    const wire = ((a[a.length - 1] as number) << 8) | (a[a.length - 2] as number);
    if (monitorFcs(Uint8Array.from(a.slice(0, a.length - 2))) !== wire) return undefined;
    return Buffer.from(a.slice(4, 4 + len));
  }
}
