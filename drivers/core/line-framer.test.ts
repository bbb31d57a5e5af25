import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineFramer, LineFramerTransform, splitLines } from './line-framer.js';

describe('LineFramer', () => {
  it('splits on LF, CRLF, LFCR and CR, skipping empty lines', () => {
    expect(splitLines('a\nb\r\nc\n\rd\re').lines).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('joins a line split across chunks, including a CRLF split between chunks', () => {
    const f = new LineFramer();
    expect(f.push(Buffer.from('SPO2=0'))).toEqual([]);
    expect(f.push(Buffer.from('98% BPM=072\r'))).toEqual(['SPO2=098% BPM=072']);
    expect(f.push(Buffer.from('\nnext'))).toEqual([]);
    expect(f.flush()).toEqual(['next']);
  });

  it('drops and counts overlong lines without buffering them', () => {
    const f = new LineFramer({ maxLineBytes: 8 });
    const out: string[] = [];
    out.push(...f.push(Buffer.from('short\n0123456')));
    out.push(...f.push(Buffer.from('789abcdef')));
    expect(f.bufferedBytes).toBe(0);
    out.push(...f.push(Buffer.from('xyz'.repeat(1000))));
    expect(f.bufferedBytes).toBe(0);
    out.push(...f.push(Buffer.from('\nok\n12345678\n')));
    expect(out).toEqual(['short', 'ok', '12345678']);
    expect(f.stats).toEqual({ lines: 3, overlong: 1 });
  });

  it('keeps a multibyte UTF-8 character split across chunks', () => {
    const bytes = Buffer.from('{"note":"é"}\n');
    const f = new LineFramer();
    expect([...f.push(bytes.subarray(0, 10)), ...f.push(bytes.subarray(10))]).toEqual(['{"note":"é"}']);
  });

  it('works as a Transform stream', async () => {
    const t = new LineFramerTransform({ maxLineBytes: 100 });
    const got: string[] = [];
    await pipeline(Readable.from([Buffer.from('a\r\nb'), Buffer.from('c\nd')]), t, async function* (src) {
      for await (const l of src) got.push(l as string);
    });
    expect(got).toEqual(['a', 'bc', 'd']);
  });

  it('gives the same lines whatever the chunking, and never holds more than the cap', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{0,20}$/), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }), (lines, cuts) => {
        const text = lines.map((l) => `${l}\r\n`).join('');
        const whole = splitLines(text, { maxLineBytes: 12 });
        const f = new LineFramer({ maxLineBytes: 12 });
        const buf = Buffer.from(text);
        const got: string[] = [];
        let pos = 0;
        for (let k = 0; pos < buf.length; k++) {
          const n = cuts[k % cuts.length]!;
          got.push(...f.push(buf.subarray(pos, pos + n)));
          expect(f.bufferedBytes).toBeLessThanOrEqual(12);
          pos += n;
        }
        got.push(...f.flush());
        expect(got).toEqual(whole.lines);
        expect(whole.lines).toEqual(lines.filter((l) => l.length > 0 && l.length <= 12));
      }),
    );
  });
});
