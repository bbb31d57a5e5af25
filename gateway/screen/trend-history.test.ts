import { describe, expect, it } from 'vitest';
import { TrendHistory } from './trend-history.js';

describe('TrendHistory', () => {
  it('keeps 8 hours in 40 s buckets with the last value, the low and the high of each', () => {
    const h = new TrendHistory(8);
    expect(h.stepMs).toBe(40_000);
    const t0 = 1_000_000_000_000 - (1_000_000_000_000 % 40_000);
    for (const [dt, v] of [[0, 90], [10_000, 84], [20_000, 95], [30_000, 92], [40_000, 97]] as const) h.add({ bedId: 'b', param: 'spo2', value: v, receivedAt: t0 + dt });
    expect(h.get('b', t0 + 41_000).params.spo2).toEqual([[t0, 92, 84, 95], [t0 + 40_000, 97, 97, 97]]);
  });

  it('drops what is older than the window and ignores late or non-finite values', () => {
    const h = new TrendHistory(1);
    const t0 = 3_600_000 * 400_000;
    h.add({ bedId: 'b', param: 'hr', value: 70, receivedAt: t0 });
    h.add({ bedId: 'b', param: 'hr', value: Number.NaN, receivedAt: t0 + 10_000 });
    h.add({ bedId: 'b', param: 'hr', value: 80, receivedAt: t0 + 2 * 3_600_000 });
    h.add({ bedId: 'b', param: 'hr', value: 99, receivedAt: t0 + 1000 }); // late: its bucket is gone
    expect(h.get('b', t0 + 2 * 3_600_000).params.hr).toEqual([[t0 + 2 * 3_600_000, 80, 80, 80]]);
    expect(h.get('other', t0).params).toEqual({});
  });
});
