import { describe, expect, it } from 'vitest';
import { RedeliveryFilter } from './redelivery-filter.js';

describe('RedeliveryFilter', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('knows a sample sent again with the same sequence and payload, within the window only', () => {
    const c = clock();
    const f = new RedeliveryFilter(10_000, 1024, c.now);
    expect(f.seen('w1', 7, 111)).toBe(false);
    expect(f.seen('w1', 7, 111)).toBe(true);
    c.advance(9_999);
    expect(f.seen('w1', 7, 111)).toBe(true);
    c.advance(10_000);
    expect(f.seen('w1', 7, 111)).toBe(false); // an old number used again much later: a new sample
  });

  it('a different payload under the same number is a new sample (a device that restarted its count), and replaces it', () => {
    const f = new RedeliveryFilter(10_000, 1024, clock().now);
    expect(f.seen('w1', 7, 111)).toBe(false);
    expect(f.seen('w1', 7, 222)).toBe(false);
    expect(f.seen('w1', 7, 222)).toBe(true);
    expect(f.seen('w1', 7, 111)).toBe(false);
  });

  it('keeps each device apart, and the last `slots` numbers of each, negative numbers too', () => {
    const f = new RedeliveryFilter(60_000, 8, clock().now);
    for (let seq = 0; seq < 8; seq++) expect(f.seen('w1', seq, seq * 10)).toBe(false);
    expect(f.seen('w2', 3, 30)).toBe(false); // same number and payload, another device
    for (let seq = 0; seq < 8; seq++) expect(f.seen('w1', seq, seq * 10)).toBe(true);
    expect(f.seen('w1', 11, 110)).toBe(false); // takes the slot of 3
    expect(f.seen('w1', 3, 30)).toBe(false); // so 3 is no longer known
    expect(f.seen('w1', -5, 1)).toBe(false);
    expect(f.seen('w1', -5, 1)).toBe(true);
    f.forget('w1');
    expect(f.seen('w1', -5, 1)).toBe(false);
  });
});
