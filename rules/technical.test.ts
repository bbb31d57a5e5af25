import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rulesConfigSchema } from './config.js';
import { createRulesEngine } from './engine.js';
import { replayNdjson } from './replay.js';
import { isAlarmCondition, TECHNICAL_CONDITION_NAMES, TECHNICAL_CONDITIONS, TECHNICAL_PRIORITY } from './technical.js';
import { seqIds, testConfig } from './test-helpers.js';

const DOC = fileURLToPath(new URL('../docs/alarms.md', import.meta.url));

/** The technical rows of the Conditions table in docs/alarms.md: conditions, kind column, default priority. */
function docRows(): { conditions: string[]; kind: string; priority: string }[] {
  const text = readFileSync(DOC, 'utf8');
  const table = text.slice(text.indexOf('## Conditions'), text.indexOf('## Lifecycle'));
  return table
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => l.split('|').map((c) => c.trim()))
    .filter((c) => (c[2] ?? '').startsWith('technical'))
    .map((c) => ({ conditions: [...(c[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string), kind: c[2] as string, priority: c[3] as string }));
}

describe('technical condition registry', () => {
  it('docs/alarms.md lists every condition once, with its default priority and scope, and nothing else', () => {
    const rows = docRows();
    const listed = rows.flatMap((r) => r.conditions);
    expect([...listed].sort()).toEqual([...TECHNICAL_CONDITION_NAMES].sort());
    for (const r of rows) {
      for (const c of r.conditions) {
        const info = TECHNICAL_CONDITIONS[c as keyof typeof TECHNICAL_CONDITIONS];
        expect(r.priority, c).toBe(info.priority);
        expect(r.kind, c).toBe(info.scope === 'gateway' ? 'technical (bed `gateway`)' : 'technical');
      }
    }
  });

  it('the config schema accepts a priority for exactly the registry conditions', () => {
    for (const c of TECHNICAL_CONDITION_NAMES) expect(rulesConfigSchema.safeParse({ technical: { priorities: { [c]: 'high' } } }).success, c).toBe(true);
    expect(rulesConfigSchema.safeParse({ technical: { priorities: { 'sensor-of': 'high' } } }).success).toBe(false);
  });

  it('wardgate replay accepts exactly the registry conditions as technical input', () => {
    const line = (condition: string) => JSON.stringify({ type: 'technical', bed: 'b1', deviceId: 'd1', condition, active: true, at: 1_700_000_000_000 });
    const config = testConfig();
    expect(replayNdjson(TECHNICAL_CONDITION_NAMES.map(line), config).errors).toEqual([]);
    expect(replayNdjson([line('sensor-of')], config).errors).toHaveLength(1);
  });

  it('raises each condition at its default priority, or the configured one', () => {
    const e = createRulesEngine(testConfig({ technical: { priorities: { 'low-battery': 'high' } } }), { newId: seqIds() });
    TECHNICAL_CONDITION_NAMES.forEach((condition, i) => {
      const out = e.technical({ bed: 'b1', deviceId: 'd1', condition, active: true, at: 1_700_000_000_000 + i });
      expect(out.alarms[0]?.priority, condition).toBe(condition === 'low-battery' ? 'high' : TECHNICAL_PRIORITY[condition]);
    });
  });

  it('knows the alarm conditions a scenario may expect', () => {
    for (const c of ['hr-high', 'spo2-low', 'news2', 'fall', 'no-data', 'buzzer-fault']) expect(isAlarmCondition(c), c).toBe(true);
    for (const c of ['hr-hi', 'pulse-high', 'sensor-of', 'high', '']) expect(isAlarmCondition(c), c).toBe(false);
  });
});
