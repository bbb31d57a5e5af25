import { describe, expect, it } from 'vitest';
import { WardTrend } from './ward-trend.js';

describe('WardTrend: the ward view recent trend ring', () => {
  it('keeps one point per step: a reading less than a step after the newest point is not kept', () => {
    const t = new WardTrend(60_000, 10_000);
    t.add(0, 70);
    t.add(4_000, 71);
    t.add(10_000, 72);
    t.add(19_999, 73);
    t.add(20_000, 74);
    expect(t.toJSON()).toEqual([[0, 70], [10_000, 72], [20_000, 74]]);
  });

  it('drops points older than the window, and reads back exact values as [time, value] pairs in JSON', () => {
    const t = new WardTrend(30_000, 10_000);
    const temps = [36.8, 36.81, 36.82, 36.83, 36.84, 36.85, 36.86, 36.87, 36.88, 36.89, 36.9];
    temps.forEach((v, i) => t.add(i * 10_000, v));
    expect(t.toJSON()).toEqual([[70_000, 36.87], [80_000, 36.88], [90_000, 36.89], [100_000, 36.9]]);
    expect(JSON.parse(JSON.stringify({ hr: t }))).toEqual({ hr: [[70_000, 36.87], [80_000, 36.88], [90_000, 36.89], [100_000, 36.9]] });
  });

  it('after a gap longer than the window holds only the new point; a full window wraps the ring', () => {
    const t = new WardTrend(30 * 60_000, 10_000);
    for (let i = 0; i < 1_000; i++) t.add(i * 10_000, i);
    expect(t.length).toBe(181);
    expect(t.toJSON()[0]).toEqual([819 * 10_000, 819]);
    expect(t.toJSON()[180]).toEqual([999 * 10_000, 999]);
    t.add(999 * 10_000 + 31 * 60_000, 5);
    expect(t.toJSON()).toEqual([[999 * 10_000 + 31 * 60_000, 5]]);
  });
});
