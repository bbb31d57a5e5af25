import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BOF, EOF, ESC, FrameReader, crc16X25, encodeFrame, fcsUpdate, type FrameEvent } from './framing.js';

const frames = (evs: FrameEvent[]): Buffer[] => evs.flatMap((e) => (e.kind === 'frame' ? [e.userData] : []));
const errors = (evs: FrameEvent[]): string[] => evs.flatMap((e) => (e.kind === 'error' ? [e.error] : []));

/** Finds a payload whose wire FCS has a byte that needs escaping in the given position (0 = LSB, 1 = MSB). */
function payloadWithFcsByte(target: number, pos: 0 | 1): Buffer {
  for (let i = 0; i < 1 << 20; i++) {
    const p = Buffer.from([0xe1, 0x00, i & 0xff, (i >>> 8) & 0xff, (i >>> 16) & 0xff]);
    const hdr = Buffer.from([0x11, 0x01, 0x00, p.length]);
    const fcs = crc16X25(Buffer.concat([hdr, p]));
    if (((pos === 0 ? fcs : fcs >>> 8) & 0xff) === target) return p;
  }
  throw new Error('not found');
}

describe('FCS (CRC-16/X-25)', () => {
  it('gives the catalogue check value 0x906E for "123456789"', () => {
    expect(crc16X25(Buffer.from('123456789', 'ascii'))).toBe(0x906e);
  });
  it('leaves the good-FCS residue 0xF0B8 over data + FCS sent LSB first', () => {
    const d = Buffer.from('123456789', 'ascii');
    const fcs = crc16X25(d);
    expect(fcsUpdate(0xffff, Buffer.concat([d, Buffer.from([fcs & 0xff, fcs >>> 8])]))).toBe(0xf0b8);
  });
});

describe('encodeFrame', () => {
  it('writes BOF, header with the user-data length, FCS LSB first and EOF', () => {
    const data = Buffer.from([0x01, 0x02, 0x03]);
    const wire = encodeFrame(data);
    expect(wire[0]).toBe(BOF);
    expect(wire[wire.length - 1]).toBe(EOF);
    expect([...wire.subarray(1, 5)]).toEqual([0x11, 0x01, 0x00, 0x03]);
    const fcs = crc16X25(Buffer.from([0x11, 0x01, 0x00, 0x03, 1, 2, 3]));
    if (![0xc0, 0xc1, 0x7d].includes(fcs & 0xff) && ![0xc0, 0xc1, 0x7d].includes(fcs >>> 8)) {
      expect([...wire.subarray(8, 10)]).toEqual([fcs & 0xff, fcs >>> 8]);
    }
  });
  it('escapes C0/C1/7D in data and in the header length', () => {
    const data = Buffer.alloc(0xc1, 0x00); // length 0x00C1: header byte needs escaping
    data[0] = 0xc0;
    data[1] = 0x7d;
    data[2] = 0xc1;
    const wire = encodeFrame(data);
    expect([...wire.subarray(1, 6)]).toEqual([0x11, 0x01, 0x00, ESC, 0xc1 ^ 0x20]);
    expect([...wire.subarray(6, 12)]).toEqual([ESC, 0xe0, ESC, 0x5d, ESC, 0xe1]);
    // no raw BOF/EOF between the delimiters
    expect(wire.subarray(1, -1).includes(BOF)).toBe(false);
    expect(wire.subarray(1, -1).includes(EOF)).toBe(false);
    expect(frames(new FrameReader().push(wire))[0]).toEqual(data);
  });
  for (const target of [0xc0, 0xc1, 0x7d]) {
    for (const pos of [0, 1] as const) {
      it(`escapes an FCS ${pos === 0 ? 'LSB' : 'MSB'} equal to 0x${target.toString(16)} and reads it back`, () => {
        const p = payloadWithFcsByte(target, pos);
        const wire = encodeFrame(p);
        // wire ends with the escaped FCS: [.., 7D, t^20, msb, C1] or [.., lsb, 7D, t^20, C1]
        const escAt = pos === 0 ? wire.length - 4 : wire.length - 3;
        expect(wire[escAt]).toBe(ESC);
        expect(wire[escAt + 1]).toBe(target ^ 0x20);
        if (target !== ESC) expect(wire.subarray(1, -1).includes(target)).toBe(false);
        const r = new FrameReader();
        expect(frames(r.push(wire))).toEqual([p]);
        expect(r.stats.badFcs).toBe(0);
      });
    }
  }
});

describe('FrameReader', () => {
  it('skips noise before the first BOF', () => {
    const r = new FrameReader();
    const evs = r.push(Buffer.concat([Buffer.from([0x00, 0x55, 0xc1, 0x7d]), encodeFrame(Buffer.from([9, 8, 7]))]));
    expect(frames(evs)).toEqual([Buffer.from([9, 8, 7])]);
    expect(r.stats.noiseBytes).toBe(4);
  });
  it('drops and counts a frame with a bad FCS, then reads the next one', () => {
    const bad = encodeFrame(Buffer.from([1, 2, 3, 4]));
    bad[6] = (bad[6] as number) ^ 0x01; // flip a data bit (byte 6 is data, not an escape)
    const r = new FrameReader();
    const evs = r.push(Buffer.concat([bad, encodeFrame(Buffer.from([5]))]));
    expect(errors(evs)).toEqual(['bad-fcs']);
    expect(frames(evs)).toEqual([Buffer.from([5])]);
    expect(r.stats.badFcs).toBe(1);
  });
  it('drops a frame on the 7D C1 abort sequence', () => {
    const good = encodeFrame(Buffer.from([1, 2, 3, 4]));
    const aborted = Buffer.concat([good.subarray(0, 6), Buffer.from([ESC, EOF])]);
    const r = new FrameReader();
    const evs = r.push(Buffer.concat([aborted, good]));
    expect(errors(evs)).toEqual(['abort']);
    expect(frames(evs)).toEqual([Buffer.from([1, 2, 3, 4])]);
    expect(r.stats.aborts).toBe(1);
  });
  it('drops a partial frame when a new BOF arrives inside it', () => {
    const good = encodeFrame(Buffer.from([1, 2, 3, 4]));
    const r = new FrameReader();
    const evs = r.push(Buffer.concat([good.subarray(0, 7), good]));
    expect(errors(evs)).toEqual(['truncated']);
    expect(frames(evs)).toHaveLength(1);
    expect(r.stats.truncated).toBe(1);
  });
  it('caps the frame size and recovers at the next BOF', () => {
    const r = new FrameReader({ maxUserData: 16 });
    const evs = r.push(Buffer.concat([encodeFrame(Buffer.alloc(17, 1)), encodeFrame(Buffer.alloc(16, 2))]));
    expect(errors(evs)).toEqual(['oversize']);
    expect(frames(evs)).toEqual([Buffer.alloc(16, 2)]);
  });
  it('rejects a frame whose header length disagrees with its size', () => {
    // build by hand: header says 5, data has 3, FCS valid
    const raw = Buffer.from([0x11, 0x01, 0x00, 0x05, 1, 2, 3]);
    const fcs = crc16X25(raw);
    const wire = Buffer.concat([Buffer.from([BOF]), raw, Buffer.from([fcs & 0xff, fcs >>> 8, EOF])]);
    if (wire.subarray(1, -1).some((b) => b === 0xc0 || b === 0xc1 || b === 0x7d)) return; // vector needs no escapes
    expect(errors(new FrameReader().push(wire))).toEqual(['bad-length']);
  });

  it('reassembles any sequence of frames split at arbitrary points (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }),
        (payloads, cuts) => {
          const wire = Buffer.concat(payloads.map((p) => encodeFrame(p)));
          const r = new FrameReader();
          const got: Buffer[] = [];
          let pos = 0;
          let i = 0;
          while (pos < wire.length) {
            const n = cuts[i++ % cuts.length] as number;
            got.push(...frames(r.push(wire.subarray(pos, pos + n))));
            pos += n;
          }
          expect(got.map((b) => [...b])).toEqual(payloads.map((p) => [...p]));
          expect(r.stats.badFcs + r.stats.aborts + r.stats.truncated).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws and never yields a frame with a wrong FCS on random bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
        const r = new FrameReader({ maxUserData: 128 });
        for (const c of chunks) {
          for (const e of r.push(c)) {
            if (e.kind === 'frame') {
              expect(e.userData.length).toBeLessThanOrEqual(128);
            }
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
