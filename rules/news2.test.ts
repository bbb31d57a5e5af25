import { describe, expect, it } from 'vitest';
import { scoreNews2, scorePulse, scoreRr, scoreSbp, scoreSpo2Scale1, scoreSpo2Scale2, scoreTemp } from './news2.js';

/**
 * Every band boundary of RCP 2017 NEWS2 Chart 1, written out from the chart (not from the code): each row lists the
 * two values either side of a boundary and the score the chart gives each.
 */
describe('NEWS2 Chart 1 band boundaries', () => {
  const cases = (f: (v: number) => number | undefined, rows: [number, number][]) =>
    rows.forEach(([v, score]) => expect(f(v), `value ${v}`).toBe(score));

  it('respiration rate: <=8 3 | 9-11 1 | 12-20 0 | 21-24 2 | >=25 3', () => {
    cases(scoreRr, [[0, 3], [8, 3], [9, 1], [11, 1], [12, 0], [20, 0], [21, 2], [24, 2], [25, 3], [60, 3]]);
  });
  it('SpO2 Scale 1: <=91 3 | 92-93 2 | 94-95 1 | >=96 0', () => {
    cases(scoreSpo2Scale1, [[50, 3], [91, 3], [92, 2], [93, 2], [94, 1], [95, 1], [96, 0], [100, 0]]);
  });
  it('SpO2 Scale 2: <=83 3 | 84-85 2 | 86-87 1 | 88-92 0 | >=93 on air 0', () => {
    const air = (v: number) => scoreSpo2Scale2(v, false);
    cases(air, [[83, 3], [84, 2], [85, 2], [86, 1], [87, 1], [88, 0], [92, 0], [93, 0], [100, 0]]);
  });
  it('SpO2 Scale 2 on oxygen: 88-92 0 | 93-94 1 | 95-96 2 | >=97 3', () => {
    const o2 = (v: number) => scoreSpo2Scale2(v, true);
    cases(o2, [[83, 3], [84, 2], [87, 1], [88, 0], [92, 0], [93, 1], [94, 1], [95, 2], [96, 2], [97, 3], [100, 3]]);
  });
  it('SpO2 Scale 2 at 93 % or more cannot be scored without knowing air or oxygen', () => {
    expect(scoreSpo2Scale2(93, undefined)).toBeUndefined();
    expect(scoreSpo2Scale2(92, undefined)).toBe(0);
  });
  it('systolic BP: <=90 3 | 91-100 2 | 101-110 1 | 111-219 0 | >=220 3', () => {
    cases(scoreSbp, [[60, 3], [90, 3], [91, 2], [100, 2], [101, 1], [110, 1], [111, 0], [219, 0], [220, 3]]);
  });
  it('pulse: <=40 3 | 41-50 1 | 51-90 0 | 91-110 1 | 111-130 2 | >=131 3', () => {
    cases(scorePulse, [[30, 3], [40, 3], [41, 1], [50, 1], [51, 0], [90, 0], [91, 1], [110, 1], [111, 2], [130, 2], [131, 3]]);
  });
  it('temperature: <=35.0 3 | 35.1-36.0 1 | 36.1-38.0 0 | 38.1-39.0 1 | >=39.1 2', () => {
    cases(scoreTemp, [[34, 3], [35.0, 3], [35.1, 1], [36.0, 1], [36.1, 0], [38.0, 0], [38.1, 1], [39.0, 1], [39.1, 2], [42, 2]]);
  });
  it('a value between two chart bands scores in the more severe band, never rounded toward normal', () => {
    expect(scoreSpo2Scale1(91.5)).toBe(3); // between 91 (3) and 92 (2)
    expect(scoreSpo2Scale1(95.5)).toBe(1); // between 95 (1) and 96 (0)
    expect(scoreTemp(35.05)).toBe(3); // between 35.0 (3) and 35.1 (1)
    expect(scoreTemp(38.05)).toBe(1); // between 38.0 (0) and 38.1 (1)
    expect(scoreTemp(36.3)).toBe(0); // on a step despite binary fractions
    expect(scoreRr(8.4)).toBe(3);
    expect(scoreRr(8.5)).toBe(3);
    expect(scoreRr(20.2)).toBe(2); // between 20 (0) and 21 (2)
    expect(scorePulse(90.5)).toBe(1);
    expect(scoreSbp(110.5)).toBe(1); // between 110 (1) and 111 (0)
    expect(scoreSpo2Scale2(92.5, undefined)).toBeUndefined(); // 93 needs air/oxygen
    expect(scoreSpo2Scale2(92.5, true)).toBe(1);
  });
});

describe('scoreNews2', () => {
  it('scores a complete set: only SpO2 95 % scores (1 on Scale 1, RCP 2017 Chart 1)', () => {
    const r = scoreNews2({ rr: 18, spo2: 95, scale: 1, o2: false, sbp: 118, hr: 88, acvpu: 'A', temp: 37.2 });
    expect(r).toEqual({ total: 1, subscores: { rr: 0, spo2: 1, o2: 0, sbp: 0, hr: 0, acvpu: 0, temp: 0 }, risk: 'low', complete: true, missing: [] });
  });
  it('supplemental oxygen scores 2, any CVPU scores 3', () => {
    expect(scoreNews2({ o2: true }).subscores.o2).toBe(2);
    for (const a of ['C', 'V', 'P', 'U'] as const) expect(scoreNews2({ acvpu: a }).subscores.acvpu).toBe(3);
    expect(scoreNews2({ acvpu: 'A' }).subscores.acvpu).toBe(0);
  });
  it('Chart 2 risk: 0-4 low, a single 3 low-medium, 5-6 medium, >=7 high', () => {
    const base = { rr: 16, spo2: 97, o2: false, sbp: 120, hr: 70, acvpu: 'A' as const, temp: 37 };
    expect(scoreNews2(base).risk).toBe('low'); // 0
    expect(scoreNews2({ ...base, hr: 120, temp: 38.5, sbp: 105 }).total).toBe(4);
    expect(scoreNews2({ ...base, hr: 120, temp: 38.5, sbp: 105 }).risk).toBe('low');
    expect(scoreNews2({ ...base, rr: 8 }).risk).toBe('low-medium'); // single red 3, total 3
    expect(scoreNews2({ ...base, hr: 120, temp: 39.5, sbp: 105 })).toMatchObject({ total: 5, risk: 'medium' });
    expect(scoreNews2({ ...base, hr: 120, temp: 39.5, sbp: 100 })).toMatchObject({ total: 6, risk: 'medium' });
    expect(scoreNews2({ ...base, rr: 25, hr: 120, sbp: 105 })).toMatchObject({ total: 6, risk: 'medium' }); // a 3 inside 5-6
    expect(scoreNews2({ ...base, rr: 25, hr: 131, sbp: 105 })).toMatchObject({ total: 7, risk: 'high' });
  });
  it('a missing parameter makes the score incomplete, never a silent 0', () => {
    const r = scoreNews2({ rr: 18, spo2: 97, sbp: 120, hr: 70, temp: 37 });
    expect(r.complete).toBe(false);
    expect(r.missing).toEqual(['o2', 'acvpu']);
    expect(r.subscores.acvpu).toBeUndefined();
    expect(scoreNews2({}).missing).toEqual(['rr', 'spo2', 'o2', 'sbp', 'hr', 'acvpu', 'temp']);
    expect(scoreNews2({ spo2: 95, scale: 2 }).missing).toContain('spo2');
  });
});
