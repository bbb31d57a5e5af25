import { describe, expect, it } from 'vitest';
import { createRulesEngine } from './engine.js';
import { obs, testConfig } from './test-helpers.js';

/**
 * Alarms are listed in raise order within a priority, whatever the wall clock does: a Pi has no real-time clock, and
 * its clock steps (backwards, too) when NTP first syncs. The ids are no order either (here they count down).
 */
const T = 1_767_225_600_000;
const HOUR = 3600_000;

function countdownIds(prefix = 'id'): (at: number) => string {
  let n = 1000;
  return () => `${prefix}-${--n}`;
}

describe('alarm order does not follow the wall clock', () => {
  it('with the clock stepping back an hour between two raises, the active list is still in raise order', () => {
    const e = createRulesEngine(testConfig(), { newId: countdownIds() });
    const first = e.observe(obs('b1', 'hr', 150, T)).alarms[0]!;
    const second = e.observe(obs('b2', 'hr', 150, T - HOUR)).alarms[0]!; // the clock stepped back between the raises
    const third = e.observe(obs('b3', 'hr', 150, T - HOUR + 1000)).alarms[0]!;
    expect(first.raiseSeq).toBeLessThan(second.raiseSeq!);
    expect(second.raiseSeq).toBeLessThan(third.raiseSeq!);
    expect(e.activeAlarms().map((a) => a.bed)).toEqual(['b1', 'b2', 'b3']);
    // priority still comes first: a later medium alarm stays below the high ones
    e.observe(obs('b4', 'hr', 125, T - 2 * HOUR));
    expect(e.activeAlarms().map((a) => `${a.bed}:${a.priority}`)).toEqual(['b1:high', 'b2:high', 'b3:high', 'b4:medium']);
  });

  it('every event of an episode carries the raise sequence it was raised with', () => {
    const e = createRulesEngine(testConfig(), { newId: countdownIds() });
    const raised = e.observe(obs('b1', 'hr', 150, T)).alarms[0]!;
    const acked = e.acknowledge(raised.id, 'staff:n1', T + 1000).alarms[0]!;
    expect(acked).toMatchObject({ id: raised.id, transition: 'acknowledged', raiseSeq: raised.raiseSeq });
  });

  it('after a restart with the clock behind, new raises order after the restored ones', () => {
    const e1 = createRulesEngine(testConfig(), { newId: countdownIds() });
    e1.observe(obs('b1', 'hr', 150, T));
    const gone = e1.observe(obs('b2', 'hr', 150, T + 1000)).alarms[0]!;
    e1.observe(obs('b2', 'hr', 80, T + 2000)); // below the hysteresis: cleared once acknowledged (latched high)
    e1.acknowledge(gone.id, 'staff:n1', T + 3000);
    const open = e1.activeAlarms();
    expect(open.map((a) => a.bed)).toEqual(['b1']);

    const e2 = createRulesEngine(testConfig(), { newId: countdownIds('after') });
    e2.restore(open, [], gone.raiseSeq); // the last raise before the restart was b2's, since cleared
    const next = e2.observe(obs('b3', 'hr', 150, T - HOUR)).alarms[0]!;
    expect(next.raiseSeq).toBe(gone.raiseSeq! + 1);
    expect(e2.activeAlarms().map((a) => a.bed)).toEqual(['b1', 'b3']);
  });

  it('alarms stored by a release without raiseSeq are restored first, in the order the store gives them', () => {
    const e1 = createRulesEngine(testConfig(), { newId: countdownIds() });
    e1.observe(obs('b1', 'hr', 150, T));
    e1.observe(obs('b2', 'hr', 150, T));
    // as an earlier release stored them: no raiseSeq (and raisedAt against raise order: a clock step)
    const stored = e1.activeAlarms().map(({ raiseSeq: _drop, ...old }) => ({ ...old, raisedAt: old.bed === 'b1' ? T + 5000 : T }));
    const e2 = createRulesEngine(testConfig(), { newId: countdownIds('after') });
    e2.restore(stored, [], 0);
    const next = e2.observe(obs('b3', 'hr', 150, T - HOUR)).alarms[0]!;
    expect(next.raiseSeq).toBe(1);
    const list = e2.activeAlarms();
    expect(list.map((a) => a.bed)).toEqual(['b1', 'b2', 'b3']);
    expect(list.map((a) => a.raiseSeq)).toEqual([-2, -1, 1]);
  });
});
