import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planScenario, type SampleAction } from './plan.js';
import { scenarioSchema, type Scenario } from './schema.js';

function scenario(over: Record<string, unknown> = {}): Scenario {
  return scenarioSchema.parse({
    name: 'plan',
    durationSeconds: 600,
    intervalSeconds: 10,
    beds: [
      { id: 'bed-1', devices: [{ id: 'w-1', transport: 'mqtt', battery: 80 }] },
      { id: 'bed-2', devices: [{ id: 'm-2', transport: 'serial', dialect: 'masimo' }] },
    ],
    ...over,
  });
}

const samples = (s: Scenario, device: string) => planScenario(s).actions.filter((a): a is SampleAction => a.kind === 'sample' && a.device === device);

describe('scenario plan', () => {
  it('is identical for the same seed, and differs for another seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        expect(planScenario(scenario({ seed }))).toEqual(planScenario(scenario({ seed })));
        expect(JSON.stringify(planScenario(scenario({ seed })))).not.toBe(JSON.stringify(planScenario(scenario({ seed: seed + 1 }))));
      }),
      { numRuns: 20 },
    );
  });

  it('an event on one bed leaves every other device exactly as it was', () => {
    const calm = scenario({ seed: 5 });
    const septic = scenario({ seed: 5, events: [{ type: 'sepsis', bed: 'bed-1', at: 100, durationSeconds: 300 }] });
    expect(samples(septic, 'm-2')).toEqual(samples(calm, 'm-2'));
    expect(samples(septic, 'w-1').filter((a) => a.at < 100_000)).toEqual(samples(calm, 'w-1').filter((a) => a.at < 100_000));
    const last = samples(septic, 'w-1').at(-1)!.vitals;
    const lastCalm = samples(calm, 'w-1').at(-1)!.vitals;
    expect(last.hr - lastCalm.hr).toBeGreaterThan(40);
    expect(last.rr - lastCalm.rr).toBeGreaterThan(10);
    expect(lastCalm.sbp - last.sbp).toBeGreaterThan(25);
    expect(last.temp - lastCalm.temp).toBeGreaterThan(2);
  });

  it('unplug removes samples for its window and adds unplug/replug; sensor-off, clock jump and battery mark samples', () => {
    const s = scenario({
      events: [
        { type: 'unplug', device: 'w-1', at: 100, durationSeconds: 50 },
        { type: 'sensor-off', device: 'm-2', at: 200, durationSeconds: 100 },
        { type: 'clock-jump', device: 'm-2', at: 400, seconds: 3600 },
        { type: 'battery', device: 'w-1', at: 300, level: 5 },
        { type: 'garbage', device: 'm-2', at: 50, bytes: 32 },
        { type: 'burst', device: 'w-1', at: 500, count: 25 },
      ],
    });
    const plan = planScenario(s);
    const w = samples(s, 'w-1');
    expect(w.some((a) => a.at >= 100_000 && a.at < 150_000)).toBe(false);
    expect(plan.actions.filter((a) => a.device === 'w-1' && (a.kind === 'unplug' || a.kind === 'replug')).map((a) => [a.kind, a.at])).toEqual([
      ['unplug', 100_000],
      ['replug', 150_000],
    ]);
    const m = samples(s, 'm-2');
    expect(m.filter((a) => a.sensorOff).every((a) => a.at >= 200_000 && a.at < 300_000)).toBe(true);
    expect(m.filter((a) => a.sensorOff).length).toBe(10);
    expect(m.filter((a) => a.clockOffsetMs === 3_600_000).every((a) => a.at >= 400_000)).toBe(true);
    expect(w.filter((a) => a.at >= 300_000).every((a) => a.battery === 5)).toBe(true);
    expect(w.filter((a) => a.at < 300_000).every((a) => a.battery === 80)).toBe(true);
    const garbage = plan.actions.find((a) => a.kind === 'garbage');
    expect(garbage && garbage.kind === 'garbage' ? garbage.bytes.length : 0).toBe(32);
    const burst = plan.actions.find((a) => a.kind === 'burst');
    expect(burst && burst.kind === 'burst' ? burst.samples.length : 0).toBe(25);
  });

  it('keeps the actions in time order', () => {
    const plan = planScenario(scenario({ events: [{ type: 'fall', device: 'w-1', at: 33 }] }));
    const times = plan.actions.map((a) => a.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('desaturation reaches its target and recovers', () => {
    const s = scenario({ events: [{ type: 'desaturation', bed: 'bed-2', at: 100, durationSeconds: 400, to: 82 }] });
    const m = samples(s, 'm-2');
    const during = m.filter((a) => a.at >= 250_000 && a.at <= 350_000).map((a) => a.vitals.spo2);
    expect(Math.max(...during)).toBeLessThanOrEqual(85);
    const after = m.filter((a) => a.at > 520_000).map((a) => a.vitals.spo2);
    expect(Math.min(...after)).toBeGreaterThanOrEqual(94);
  });
});
