import { describe, expect, it } from 'vitest';
import { createRulesEngine } from './engine.js';
import { obs, seqIds, testConfig } from './test-helpers.js';

const T0 = 1_700_000_000_000;
const s = (sec: number): number => T0 + sec * 1000;

function engine(news2: Record<string, unknown> = {}) {
  // Limits off (empty profile) so only NEWS2 alarms appear.
  return createRulesEngine(testConfig({ profiles: { adult: { params: {} } }, news2: { enabled: true, ...news2 } }), { newId: seqIds() });
}

function normalBed(e: ReturnType<typeof engine>, bed: string, at: number): void {
  e.setManualInputs(bed, { acvpu: 'A', o2: false }, 'staff:n1', at);
  for (const [p, v] of [['rr', 16], ['spo2', 97], ['sbp', 120], ['hr', 70], ['temp', 37]] as const) e.observe(obs(bed, p, v, at));
}

describe('NEWS2 in the engine', () => {
  it('scores the latest fresh value of each parameter with the manual inputs', () => {
    const e = engine();
    normalBed(e, 'b1', s(0));
    expect(e.news2('b1', s(1))).toMatchObject({ total: 0, complete: true, risk: 'low' });
    e.observe(obs('b1', 'pr', 135, s(2))); // pulse from the oximeter counts as pulse
    expect(e.news2('b1', s(3)).subscores.hr).toBe(3);
  });

  it('takes the systolic from the newest of the cuff and the arterial line, and says when it was the arterial line', () => {
    const e = engine();
    normalBed(e, 'b1', s(0)); // cuff sbp 120
    expect(e.news2('b1', s(1)).sbpFrom).toBeUndefined();
    e.observe(obs('b1', 'abp_sys', 88, s(2))); // arterial line, newer: scores 3
    const art = e.news2('b1', s(3));
    expect(art.subscores.sbp).toBe(3);
    expect(art.sbpFrom).toBe('arterial');
    e.observe(obs('b1', 'sbp', 125, s(4))); // a newer cuff reading wins again
    const cuff = e.news2('b1', s(5));
    expect(cuff.subscores.sbp).toBe(0);
    expect(cuff.sbpFrom).toBeUndefined();
    // Pulmonary or central venous pressures never enter NEWS2.
    e.observe(obs('b1', 'pap_sys', 60, s(6)));
    expect(e.news2('b1', s(7)).subscores.sbp).toBe(0);
  });

  it('becomes incomplete when a value is older than the freshness window', () => {
    const e = engine({ freshnessSeconds: 600 });
    normalBed(e, 'b1', s(0));
    expect(e.news2('b1', s(600)).complete).toBe(true);
    const r = e.news2('b1', s(601));
    expect(r.complete).toBe(false);
    expect(r.missing).toEqual(['rr', 'spo2', 'sbp', 'hr', 'temp']);
  });

  it('raises at medium for a single red 3 (RCP: urgent ward-based response), escalates with the risk, clears when the complete score is low', () => {
    const e = engine();
    normalBed(e, 'b1', s(0));
    const lm = e.observe(obs('b1', 'rr', 26, s(10)));
    expect(lm.alarms).toMatchObject([{ condition: 'news2', transition: 'raised', priority: 'medium', value: 3 }]);
    expect(lm.incidents[0]).toMatchObject({ type: 'opened', news2: { total: 3, risk: 'low-medium' } });
    const five = e.observe(obs('b1', 'hr', 115, s(11))); // +2 -> 5 medium: same priority, no escalation
    expect(five.alarms).toEqual([]);
    expect(e.activeAlarms()[0]).toMatchObject({ priority: 'medium' });
    const hi = e.setManualInputs('b1', { acvpu: 'V' }, 'staff:n2', s(12)); // +3 -> 8 high
    expect(hi.alarms).toMatchObject([{ transition: 'escalated', priority: 'high', by: 'staff:n2' }]);
    e.setManualInputs('b1', { acvpu: 'A' }, 'staff:n2', s(13));
    e.observe(obs('b1', 'hr', 70, s(14)));
    const back = e.observe(obs('b1', 'rr', 16, s(15)));
    expect(back.alarms).toMatchObject([{ transition: 'latched', priority: 'high' }]); // high latches
    const ack = e.acknowledge(back.alarms[0]?.id as string, 'staff:n2', s(16));
    expect(ack.alarms.map((a) => a.transition)).toEqual(['acknowledged', 'cleared']);
  });

  it('raises on an incomplete score when what is known is already abnormal, but never clears on one', () => {
    const e = engine();
    const r = e.observe(obs('b1', 'rr', 7, s(0)));
    expect(r.alarms).toMatchObject([{ condition: 'news2', priority: 'medium' }]);
    expect(e.observe(obs('b1', 'rr', 16, s(1))).alarms).toEqual([]); // still incomplete: stays
    e.setManualInputs('b1', { acvpu: 'A', o2: false }, 'staff:n1', s(2));
    for (const [p, v] of [['spo2', 97], ['sbp', 120], ['hr', 70]] as const) e.observe(obs('b1', p, v, s(3)));
    const done = e.observe(obs('b1', 'temp', 37, s(4)));
    expect(done.alarms).toMatchObject([{ transition: 'cleared' }]);
  });

  it('uses Scale 2 for beds configured so', () => {
    const e = createRulesEngine(
      testConfig({ profiles: { adult: { params: {} } }, news2: { enabled: true }, beds: [{ id: 'copd', news2Scale: 2 }] }),
      { newId: seqIds() },
    );
    e.setManualInputs('copd', { o2: false, acvpu: 'A' }, 'staff:n1', s(0));
    e.observe(obs('copd', 'spo2', 89, s(0)));
    expect(e.news2('copd', s(0)).subscores.spo2).toBe(0);
    e.setManualInputs('copd', { o2: true }, 'staff:n1', s(1));
    e.observe(obs('copd', 'spo2', 97, s(1)));
    expect(e.news2('copd', s(1)).subscores).toMatchObject({ spo2: 3, o2: 2 });
  });
});
