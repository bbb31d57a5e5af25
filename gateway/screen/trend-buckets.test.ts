import { describe, expect, it } from 'vitest';
import { TrendBuckets } from './trend-buckets.js';

describe('TrendBuckets', () => {
  it('keeps buckets oldest first, updates the newest, and reads values back as written', () => {
    const b = new TrendBuckets(100);
    b.push(1000, 36.85, 36.85, 36.85);
    b.updateNewest(36.2);
    b.updateNewest(37.05);
    b.push(2000, 0.02, 0.02, 0.02);
    expect(b.length).toBe(2);
    expect([b.at(0), b.at(1)]).toEqual([[1000, 37.05, 36.2, 37.05], [2000, 0.02, 0.02, 0.02]]);
    expect(b.startAt(1)).toBe(2000);
  });

  it('grows past its first allocation up to its capacity, then overwrites the oldest (a ring)', () => {
    const b = new TrendBuckets(40);
    for (let i = 0; i < 100; i++) b.push(i * 10, i, i - 1, i + 1);
    expect(b.length).toBe(40);
    expect(b.at(0)).toEqual([600, 60, 59, 61]);
    expect(b.at(39)).toEqual([990, 99, 98, 100]);
  });

  it('drops the buckets older than a time, across the ring\'s wrap', () => {
    const b = new TrendBuckets(8);
    for (let i = 0; i < 12; i++) b.push(i * 10, i, i, i);
    b.dropBefore(95);
    expect(b.length).toBe(2);
    expect([b.at(0), b.at(1)].map((p) => p[0])).toEqual([100, 110]);
    b.dropBefore(1e9);
    expect(b.length).toBe(0);
    b.push(2000, 5, 5, 5);
    expect(b.at(0)).toEqual([2000, 5, 5, 5]);
  });
});
