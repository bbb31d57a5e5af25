import { describe, expect, it } from 'vitest';
import { evaluateExpectations, formatReport, type SeenAlarm } from './expectations.js';
import { scenarioSchema } from './schema.js';

const s = scenarioSchema.parse({
  name: 'exp',
  speed: 10,
  durationSeconds: 600,
  gateway: { graceSeconds: 1 },
  beds: [{ id: 'b1', devices: [{ id: 'w1', transport: 'mqtt' }] }, { id: 'b2', devices: [{ id: 'w2', transport: 'mqtt' }] }],
  expect: {
    alarms: [{ bed: 'b1', condition: 'hr-high', priority: 'high', after: 100, withinSeconds: 100 }],
    incidents: [{ bed: 'b1', condition: 'hr-high', withinSeconds: 300 }],
    mustNot: [{ bed: 'b2' }, { bed: 'b1', condition: 'news2', until: 100 }],
  },
});
// Deadline for the alarm: (100 + 100) / 10 = 20 s real + 2 s gateway delay + 1 s grace = 23 s.
const allowance = () => 2;
const alarm = (over: Partial<SeenAlarm>): SeenAlarm => ({ bed: 'b1', condition: 'hr-high', priority: 'high', transition: 'raised', realMs: 15_000, ...over });

describe('expectations', () => {
  it('passes when every alarm and incident came in time and nothing forbidden happened', () => {
    const r = evaluateExpectations(s, { alarms: [alarm({}), alarm({ condition: 'news2', realMs: 12_000 })], incidents: [{ bed: 'b1', condition: 'hr-high', type: 'opened', realMs: 15_100 }] }, allowance);
    expect(r.passed).toBe(true);
    expect(formatReport(r)).toMatch(/PASS: 4 expectation/);
  });

  it('fails with a readable diff: too late, missing, forbidden', () => {
    const r = evaluateExpectations(
      s,
      { alarms: [alarm({ realMs: 23_500 }), alarm({ bed: 'b2', condition: 'spo2-low', priority: 'medium', realMs: 3000 }), alarm({ condition: 'news2', realMs: 9000 })], incidents: [] },
      allowance,
    );
    expect(r.passed).toBe(false);
    const text = formatReport(r);
    expect(text).toContain('- b1 hr-high high within 100 s after 100 s');
    expect(text).toContain('too late: at real 23.5 s, deadline 23.0 s');
    expect(text).toMatch(/- incident opened: b1 hr-high .* not received; central had for b1: nothing/);
    expect(text).toMatch(/- must not: b2 any condition .* raised: b2 spo2-low medium at 30 s/);
    expect(text).toMatch(/- must not: b1 news2 before 100 s .* raised: b1 news2 high at 90 s/);
    expect(text).toMatch(/FAIL: 4 of 4/);
  });

  it('an alarm of another priority, or before `after`, does not count', () => {
    const r = evaluateExpectations(s, { alarms: [alarm({ priority: 'medium' }), alarm({ realMs: 5000 })], incidents: [] }, allowance);
    expect(r.lines[0]).toMatchObject({ ok: false });
    expect(r.lines[0]!.result).toMatch(/not raised; b1 had hr-high medium, hr-high high/);
  });
});
