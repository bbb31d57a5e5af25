import { describe, expect, it } from 'vitest';
import { createRulesEngine } from './engine.js';
import { obs, seqIds, testConfig } from './test-helpers.js';

const T0 = 1_700_000_000_000;
const s = (sec: number): number => T0 + sec * 1000;

describe('alarm text states what triggered the alarm and what is true now', () => {
  it('a latched SpO2 alarm: the lowest value and its limit, then the value now', () => {
    const e = createRulesEngine(testConfig({ beds: [{ id: 'b1', overrides: { spo2: { delaySeconds: 0 } } }] }), { newId: seqIds() });
    expect(e.observe(obs('b1', 'spo2', 84, s(0))).alarms[0]?.message).toBe('SpO2 fell to 84 % (limit 85, high)');
    e.observe(obs('b1', 'spo2', 83, s(1)));
    const latched = e.observe(obs('b1', 'spo2', 95, s(2))).alarms.find((a) => a.transition === 'latched');
    expect(latched?.message).toBe('SpO2 fell to 83 % (limit 85, high); now 95 %: latched until acknowledged');
    const back = e.observe(obs('b1', 'spo2', 84, s(3))).alarms.find((a) => a.transition === 'retriggered');
    expect(back?.message).toBe('SpO2 fell to 83 % (limit 85, high); now 84 %');
    expect(back?.worstValue).toBe(83);
    expect(back?.value).toBe(84);
  });

  it('a latched NEWS2 alarm: the peak score, then the score now', () => {
    const e = createRulesEngine(testConfig({ profiles: { adult: { params: {} } }, news2: { enabled: true } }), { newId: seqIds() });
    e.setManualInputs('b1', { acvpu: 'A', o2: false }, 'staff:n1', s(0));
    for (const [p, v] of [['rr', 16], ['spo2', 97], ['sbp', 120], ['hr', 70], ['temp', 37]] as const) e.observe(obs('b1', p, v, s(0)));
    e.observe(obs('b1', 'rr', 26, s(1))); // 3
    e.observe(obs('b1', 'hr', 135, s(2))); // +3 = 6
    const high = e.observe(obs('b1', 'sbp', 95, s(3))).alarms[0]; // +2 = 8
    expect(high?.message).toBe('NEWS2 8 (high)');
    e.observe(obs('b1', 'sbp', 120, s(4)));
    e.observe(obs('b1', 'hr', 70, s(5)));
    const latched = e.observe(obs('b1', 'rr', 16, s(6))).alarms.find((a) => a.transition === 'latched');
    expect(latched).toMatchObject({ value: 0, worstValue: 8, message: 'NEWS2 reached 8 (high); now 0: latched until acknowledged' });
  });
});
