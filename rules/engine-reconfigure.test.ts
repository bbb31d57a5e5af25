import { describe, expect, it } from 'vitest';
import { rulesConfigSchema } from './config.js';
import { createRulesEngine } from './engine.js';
import { obs, seqIds, testConfig } from './test-helpers.js';

describe('reconfigure (SIGHUP)', () => {
  it("applies a profile table change to the latest values and keeps other beds' live state", () => {
    const config = testConfig({ beds: [{ id: 'b1', devices: ['d1'] }, { id: 'b2', devices: ['d2'] }] });
    const e = createRulesEngine(config, { newId: seqIds() });
    const t0 = 1_000_000;
    e.observe(obs('b1', 'hr', 110, t0, { deviceId: 'd1' }));
    e.observe(obs('b2', 'hr', 130, t0, { deviceId: 'd2' }));
    expect(e.activeAlarms().map((a) => `${a.bed}:${a.condition}`)).toEqual(['b2:hr-high']);
    const lowered = structuredClone(config);
    lowered.profiles.adult!.params.hr!.high = [{ above: 100, priority: 'medium' }];
    const out = e.reconfigure(lowered, 'config-reload', t0 + 1000);
    expect(out.alarms.some((a) => a.bed === 'b1' && a.condition === 'hr-high' && a.transition === 'raised' && a.by === 'config-reload')).toBe(true);
    expect(e.activeAlarms().some((a) => a.bed === 'b2' && a.condition === 'hr-high')).toBe(true); // still active, same episode
  });

  it('moves a device between beds: the old bed stops waiting for it, the new bed watches it', () => {
    const config = testConfig({ beds: [{ id: 'b1', devices: ['d1'] }, { id: 'b2', devices: [] }], technical: { noDataSeconds: 30 } });
    const e = createRulesEngine(config, { newId: seqIds() });
    const t0 = 2_000_000;
    e.tick(t0);
    e.tick(t0 + 31_000);
    expect(e.activeAlarms().some((a) => a.bed === 'b1' && a.condition === 'no-data')).toBe(true);
    const moved = rulesConfigSchema.parse({ ...config, beds: [{ id: 'b1', devices: [] }, { id: 'b2', devices: ['d1'] }] });
    const out = e.reconfigure(moved, 'config-reload', t0 + 32_000);
    expect(out.alarms.some((a) => a.bed === 'b1' && a.condition === 'no-data' && a.state === 'cleared')).toBe(true);
    e.tick(t0 + 40_000);
    expect(e.activeAlarms().some((a) => a.condition === 'no-data')).toBe(false);
    e.tick(t0 + 63_000);
    expect(e.activeAlarms().some((a) => a.bed === 'b2' && a.condition === 'no-data' && a.deviceId === 'd1')).toBe(true);
  });

  it('refuses an unknown profile and changes nothing', () => {
    const config = testConfig({ beds: [{ id: 'b1', devices: [] }] });
    const e = createRulesEngine(config, { newId: seqIds() });
    const bad = rulesConfigSchema.parse({ ...config, beds: [{ id: 'b1', profile: 'martian', devices: [] }] });
    expect(() => e.reconfigure(bad, 'config-reload', 1)).toThrow(/martian/);
    expect(e.observe(obs('b1', 'hr', 130, 10)).alarms.some((a) => a.condition === 'hr-high')).toBe(true);
  });
});
