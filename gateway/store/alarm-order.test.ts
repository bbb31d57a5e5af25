import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRulesEngine } from '../../rules/engine.js';
import { obs, seqIds, testConfig } from '../../rules/test-helpers.js';
import type { RulesOutput } from '../../rules/types.js';
import { lastRaiseSeq } from './alarm-order.js';
import { Store } from './store.js';

const T = 1_767_225_600_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the raise sequence after a restart', () => {
  it('is the one of the alarm stored last, cleared or not, and survives reopening the store', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wardgate-alarm-order-'));
    dirs.push(dir);
    const s = new Store(dir);
    expect(lastRaiseSeq(s)).toBe(0);
    const e = createRulesEngine(testConfig(), { newId: seqIds('a') });
    const commit = (o: RulesOutput) => s.commitAlarmChange(o.alarms, o.incidents, []);
    commit(e.observe(obs('b1', 'hr', 150, T)));
    const second = e.observe(obs('b2', 'hr', 150, T - 3600_000)); // the clock stepped back
    commit(second);
    commit(e.observe(obs('b2', 'hr', 80, T))); // b2 latches...
    commit(e.acknowledge(second.alarms[0]!.id, 'staff:n1', T)); // ...and clears: the last raise is still b2's
    commit(e.acknowledge(e.activeAlarms()[0]!.id, 'staff:n1', T)); // b1 changes again after it
    expect(lastRaiseSeq(s)).toBe(second.alarms[0]!.raiseSeq);
    s.close();
    const again = new Store(dir);
    expect(lastRaiseSeq(again)).toBe(2);
    again.close();
  });
});
