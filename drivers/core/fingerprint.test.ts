import { describe, expect, it } from 'vitest';
import { fingerprint } from './fingerprint.js';

describe('fingerprint', () => {
  it('is the same for the same bytes and differs for a change of one byte, one bit or the length', () => {
    const sample = Buffer.from('{"t":1767225600000,"seq":41,"hr":72,"spo2":97,"rr":16,"temp":36.8,"sbp":120,"dbp":80}');
    const f = fingerprint(sample);
    expect(fingerprint(Buffer.from(sample))).toBe(f);
    expect(Number.isSafeInteger(f)).toBe(true);
    const seen = new Set<number>([f]);
    for (let i = 0; i < sample.length; i++) {
      for (const bit of [1, 2, 4, 8, 16, 32, 64, 128]) {
        const changed = Buffer.from(sample);
        changed[i] = (changed[i] as number) ^ bit;
        seen.add(fingerprint(changed));
      }
    }
    expect(seen.size).toBe(1 + sample.length * 8);
    expect(fingerprint(sample.subarray(0, sample.length - 1))).not.toBe(f);
    expect(fingerprint(Buffer.concat([sample, Buffer.from(' ')]))).not.toBe(f);
  });

  it('spreads a million distinct samples of one device without a collision', () => {
    const seen = new Set<number>();
    for (let seq = 0; seq < 1_000_000; seq++) seen.add(fingerprint(Buffer.from(`{"seq":${seq},"hr":${60 + (seq % 60)}}`)));
    expect(seen.size).toBe(1_000_000);
  });
});
