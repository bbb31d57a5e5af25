import { describe, expect, it } from 'vitest';
import { createRulesEngine } from './engine.js';
import { builtinProfileDirs, listBuiltinProfiles, loadBuiltinProfile, loadRulesConfig } from './profiles.js';
import { obs, seqIds } from './test-helpers.js';

describe('built-in profiles', () => {
  it('loads config/profiles/adult.yaml and validates it', () => {
    const p = loadBuiltinProfile('adult');
    expect(p.params.spo2).toMatchObject({ low: [{ below: 90, priority: 'medium' }, { below: 85, priority: 'high' }], delaySeconds: 15 });
    expect(p.params.hr?.high).toEqual([{ above: 120, priority: 'medium' }, { above: 140, priority: 'high' }]);
    expect(builtinProfileDirs().some((d) => d.endsWith('/config/profiles/'))).toBe(true);
  });

  it('refuses unknown or path-like names', () => {
    expect(() => loadBuiltinProfile('martian')).toThrow(/no built-in profile martian/);
    expect(() => loadBuiltinProfile('../adult')).toThrow(/bad profile name/);
  });

  it('adds the built-in profiles a config names, keeping the ones it defines', () => {
    const c = loadRulesConfig({ beds: [{ id: 'b1' }], profiles: { custom: { params: {} } } });
    expect(Object.keys(c.profiles).sort()).toEqual([...new Set(['custom', ...listBuiltinProfiles()])].sort());
    expect(listBuiltinProfiles()).toContain('adult');
    expect(() => loadRulesConfig({ beds: [{ id: 'b1', profile: 'martian' }] })).toThrow(/martian/);
    const e = createRulesEngine(c, { newId: seqIds() });
    // adult sbp: no delay; SBP 75 also scores NEWS2 3, a low-medium risk (a medium alarm).
    expect(e.observe(obs('b1', 'sbp', 75, 1000)).alarms).toMatchObject([
      { condition: 'sbp-low', priority: 'high' },
      { condition: 'news2', priority: 'medium', value: 3 },
    ]);
  });
});

describe('the built-in high-dependency profile', () => {
  it('loads, keeps the adult limits and adds the arterial, capnography and ICP limits', async () => {
    const { loadBuiltinProfile } = await import('./profiles.js');
    const hd = loadBuiltinProfile('high-dependency');
    const adult = loadBuiltinProfile('adult');
    for (const [p, limits] of Object.entries(adult.params)) expect(hd.params[p as keyof typeof hd.params], p).toEqual(limits);
    expect(hd.params.abp_sys?.low).toEqual([{ below: 91, priority: 'medium' }, { below: 80, priority: 'high' }]);
    expect(hd.params.etco2?.low?.[0]).toEqual({ below: 30, priority: 'medium' });
    expect(hd.params.icp?.high?.[0]).toEqual({ above: 22, priority: 'medium' });
  });
});
