import { describe, expect, it } from 'vitest';
import { RecentKeys } from './recent-keys.js';

describe('RecentKeys', () => {
  it('answers true for a key seen within the window, false once the window has passed, counted from the first sight', () => {
    let t = 0;
    const keys = new RecentKeys(1000, 16, () => t);
    expect(keys.seen('a')).toBe(false);
    t = 600;
    expect(keys.seen('a')).toBe(true);
    expect(keys.seen('b')).toBe(false);
    t = 1000; // 'a' was first seen at 0: a repeat does not extend its window
    expect(keys.seen('a')).toBe(false);
    expect(keys.seen('b')).toBe(true);
    t = 1999;
    expect(keys.seen('a')).toBe(true);
    expect(keys.seen('b')).toBe(false);
  });

  it('forgets the oldest keys first once `max` are held', () => {
    const t = 0;
    const keys = new RecentKeys(60_000, 3, () => t);
    for (const k of ['a', 'b', 'c']) expect(keys.seen(k)).toBe(false);
    expect(keys.seen('d')).toBe(false); // 'a' goes
    expect(keys.seen('b')).toBe(true);
    expect(keys.seen('c')).toBe(true);
    expect(keys.seen('d')).toBe(true);
    expect(keys.seen('a')).toBe(false); // forgotten, so new again ('b' goes)
    expect(keys.seen('b')).toBe(false);
  });

  it('matches a plain model over a long run of keys, times and evictions', () => {
    let t = 0;
    const keys = new RecentKeys(50, 8, () => t);
    // The model: a list of [key, time] in arrival order, at most 8, none older than the window.
    let model: Array<[string, number]> = [];
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      t += x % 7;
      const key = `k${(x >>> 8) % 12}`;
      model = model.filter(([, at]) => t - at < 50);
      const hit = model.some(([k]) => k === key);
      if (!hit) {
        model.push([key, t]);
        if (model.length > 8) model.shift();
      }
      expect(keys.seen(key), `step ${i}`).toBe(hit);
    }
  });
});
