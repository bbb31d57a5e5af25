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

describe('TrendHistory after a restart', () => {
  const t0 = 1_000_000_000_000 - (1_000_000_000_000 % 40_000);
  it('merges the stored history under the live one: older buckets added, a shared bucket keeps the live last value and the wider range', () => {
    const live = new TrendHistory(8);
    live.add({ bedId: 'b', param: 'hr', value: 90, receivedAt: t0 + 80_000 + 30_000 });
    live.add({ bedId: 'b', param: 'hr', value: 91, receivedAt: t0 + 120_000 });
    const stored = new TrendHistory(8);
    for (const [dt, v] of [[0, 70], [40_000, 72], [80_000, 60], [80_000 + 10_000, 99]] as const) stored.add({ bedId: 'b', param: 'hr', value: v, receivedAt: t0 + dt });
    stored.add({ bedId: 'c', param: 'spo2', value: 97, receivedAt: t0 });
    live.merge(stored);
    expect(live.get('b', t0 + 130_000).params.hr).toEqual([[t0, 70, 70, 70], [t0 + 40_000, 72, 72, 72], [t0 + 80_000, 90, 60, 99], [t0 + 120_000, 91, 91, 91]]);
    expect(live.get('c', t0 + 130_000).params.spo2).toEqual([[t0, 97, 97, 97]]);
  });

  it('loads from stored readings in pages, keeping only the beds asked for, and yields between pages', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ['b', 'hr', 60 + (i % 40), t0 + i * 1000] as const);
    let pages = 0;
    let otherWork = false;
    const ranBetweenPages: boolean[] = [];
    const stored = {
      next(maxRows: number, each: (bed: string, param: string, value: number, at: number) => void) {
        ranBetweenPages.push(otherWork);
        const page = rows.slice(pages * maxRows, (pages + 1) * maxRows);
        pages += 1;
        for (const r of page) each(...r);
        each('other', 'hr', 1, t0);
        return page.length === maxRows;
      },
    };
    const h = new TrendHistory(8);
    setImmediate(() => (otherWork = true)); // queued before the load: runs once the first page yields
    const n = await h.load(stored, (bed) => bed === 'b', () => false);
    expect(ranBetweenPages[0]).toBe(false);
    expect(ranBetweenPages.slice(1).every(Boolean)).toBe(true);
    expect(n).toBe(5000);
    expect(pages).toBeGreaterThan(2);
    expect(ranBetweenPages).toHaveLength(pages);
    const hr = h.get('b', t0 + 5000 * 1000).params.hr!;
    expect(hr[0]).toEqual([t0, 99, 60, 99]);
    expect(hr).toHaveLength(Math.ceil(5000 / 40));
    expect(h.get('other', t0).params).toEqual({});
  });
});
