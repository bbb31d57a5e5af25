import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pcd01Message } from './fixtures.js';
import { encodeMllp, MllpFramer } from './mllp.js';
import { Hl7StreamFramer, PlainHl7Framer } from './stream-framer.js';

const m1 = pcd01Message({ controlId: 'A1' });
const m2 = pcd01Message({ controlId: 'B2', bed: 'BED-3' });

describe('MllpFramer', () => {
  it('cuts merged frames from one read', () => {
    const f = new MllpFramer();
    const frames = f.push(Buffer.concat([encodeMllp(m1), encodeMllp(m2)]));
    expect(frames.map((b) => b.toString())).toEqual([m1, m2]);
  });

  it('joins a frame split at every possible byte boundary', () => {
    const wire = Buffer.concat([encodeMllp(m1), encodeMllp(m2)]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const f = new MllpFramer();
      const out = [...f.push(wire.subarray(0, cut)), ...f.push(wire.subarray(cut))];
      expect(out.map((b) => b.toString()), `cut at ${cut}`).toEqual([m1, m2]);
    }
  });

  it('drops oversize frames, counts junk and abandoned frames, and resynchronises', () => {
    const f = new MllpFramer({ maxFrameBytes: m1.length });
    const big = encodeMllp(m1 + 'X'.repeat(10));
    const out = f.push(Buffer.concat([Buffer.from('noise'), big, Buffer.from([0x0b]), Buffer.from('partial'), encodeMllp(m1)]));
    expect(out.map((b) => b.toString())).toEqual([m1]);
    expect(f.stats).toMatchObject({ frames: 1, oversize: 1, abandoned: 1, junkBytes: 5 });
    expect(f.bufferedBytes).toBe(0);
  });

  it('keeps a lone FS inside a payload', () => {
    const f = new MllpFramer();
    expect(f.push(Buffer.from([0x0b, 0x41, 0x1c, 0x42, 0x1c, 0x0d])).map((b) => [...b])).toEqual([[0x41, 0x1c, 0x42]]);
  });

  it('gives the same frames under any chunking and never holds more than the cap', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }), fc.uint8Array({ maxLength: 50 }), (cuts, noise) => {
        const wire = Buffer.concat([encodeMllp(m1), Buffer.from(noise.filter((b) => b !== 0x0b)), encodeMllp(m2)]);
        const f = new MllpFramer({ maxFrameBytes: 4096 });
        const out: string[] = [];
        let pos = 0;
        for (let k = 0; pos < wire.length; k++) {
          const n = cuts[k % cuts.length]!;
          out.push(...f.push(wire.subarray(pos, pos + n)).map((b) => b.toString()));
          expect(f.bufferedBytes).toBeLessThanOrEqual(4096);
          pos += n;
        }
        expect(out).toEqual([m1, m2]);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), (chunks) => {
        const f = new MllpFramer({ maxFrameBytes: 100 });
        for (const c of chunks) f.push(Buffer.from(c));
        expect(f.bufferedBytes).toBeLessThanOrEqual(100);
      }),
    );
  });
});

describe('PlainHl7Framer and auto-detection', () => {
  it('splits a plain CR-segment stream at MSH, flushing the last message', () => {
    const f = new PlainHl7Framer();
    const wire = Buffer.from(m1 + m2);
    const out = [...f.push(wire.subarray(0, 100)), ...f.push(wire.subarray(100)), ...f.flush()];
    expect(out.map((b) => b.toString())).toEqual([m1, m2]);
  });

  it('accepts LF and CRLF segment ends', () => {
    const f = new PlainHl7Framer();
    const out = [...f.push(Buffer.from(m1.replace(/\r/g, '\r\n') + m2.replace(/\r/g, '\n'))), ...f.flush()];
    expect(out.map((b) => b.toString())).toEqual([m1, m2]);
  });

  it('drops an oversize plain message and resumes at the next MSH', () => {
    const f = new PlainHl7Framer({ maxFrameBytes: m1.length });
    const big = m1.replace('OBR|', `NTE|1||${'x'.repeat(500)}\rOBR|`);
    const out = [...f.push(Buffer.from(big + m1)), ...f.flush()];
    expect(out.map((b) => b.toString())).toEqual([m1]);
    expect(f.oversize).toBe(1);
  });

  it('detects MLLP or plain from the first byte', () => {
    const a = new Hl7StreamFramer();
    expect(a.push(Buffer.concat([Buffer.from('\r\n'), encodeMllp(m1)])).map(String)).toEqual([m1]);
    expect(a.mode).toBe('mllp');
    const b = new Hl7StreamFramer();
    expect([...b.push(Buffer.from(m1)), ...b.flush()].map(String)).toEqual([m1]);
    expect(b.mode).toBe('plain');
  });
});
