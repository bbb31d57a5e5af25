import { describe, expect, it } from 'vitest';
import { news2Lines } from './news2-lines.js';

describe('news2Lines (wardgate news2)', () => {
  it('prints the contract line for a complete, low-risk set of observations', () => {
    const r = news2Lines(['{"rr":18,"spo2":95,"scale":1,"o2":false,"sbp":118,"hr":88,"acvpu":"A","temp":37.2}']);
    expect(r.errors).toEqual([]);
    expect(r.out).toEqual(['{"total":1,"subscores":{"rr":0,"spo2":1,"o2":0,"sbp":0,"hr":0,"acvpu":0,"temp":0},"risk":"low","complete":true}']);
  });

  it('marks a set with missing fields incomplete and omits their subscores', () => {
    const r = news2Lines(['{"rr":26,"hr":88}']);
    expect(JSON.parse(r.out[0] as string)).toEqual({ total: 3, subscores: { rr: 3, hr: 0 }, risk: 'low-medium', complete: false });
  });

  it('reports unreadable lines by number and goes on', () => {
    const r = news2Lines(['{"rr":18}', 'not json', '', '[1,2]', '{"rr":"fast"}', '{"acvpu":"X"}', '{"spo2":140}', '{"scale":3}', '{"hr":131,"o2":true}']);
    expect(r.out).toHaveLength(2);
    expect(r.errors.map((e) => e.split(':')[0])).toEqual(['line 2', 'line 4', 'line 5', 'line 6', 'line 7', 'line 8']);
    expect(JSON.parse(r.out[1] as string)).toMatchObject({ total: 5, risk: 'medium' });
  });
});
