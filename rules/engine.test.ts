import { describe, expect, it } from 'vitest';
import { createRulesEngine, RulesInputError } from './engine.js';
import { obs, seqIds, testConfig } from './test-helpers.js';
import type { AlarmEvent, RulesOutput } from './types.js';

const T0 = 1_700_000_000_000;
const s = (sec: number): number => T0 + sec * 1000;
const transitions = (o: RulesOutput): string[] => o.alarms.map((a) => `${a.condition}:${a.transition}:${a.priority}`);

function engine(extra: Parameters<typeof testConfig>[0] = {}) {
  return createRulesEngine(testConfig(extra), { newId: seqIds() });
}

describe('threshold bands', () => {
  it('raises at the band the value is in, strictly past the limit, with who caused it', () => {
    const e = engine();
    expect(e.observe(obs('b1', 'hr', 120, s(0))).alarms).toEqual([]); // at the limit: not above it
    const out = e.observe(obs('b1', 'hr', 121, s(1), { deviceId: 'mon-1' }));
    expect(transitions(out)).toEqual(['hr-high:raised:medium']);
    const a = out.alarms[0] as AlarmEvent;
    expect(a).toMatchObject({ bed: 'b1', kind: 'physiological', state: 'active', audible: true, value: 121, limit: 120, unit: '/min', by: 'device:mon-1', at: s(1), raisedAt: s(1) });
    expect(out.incidents).toHaveLength(1);
    expect(out.incidents[0]).toMatchObject({ type: 'opened', incidentSeq: 1, priority: 'medium', alarmId: a.id, vitals: { hr: 121 } });
    expect(a.incidentId).toBe(out.incidents[0]?.incidentId);
  });

  it('escalates to a higher band and de-escalates with hysteresis when not latching high', () => {
    const e = engine();
    e.observe(obs('b1', 'hr', 130, s(0)));
    expect(transitions(e.observe(obs('b1', 'hr', 141, s(1))))).toEqual(['hr-high:escalated:high']);
    // Unacknowledged latching high alarm keeps its priority while the value is in the medium band.
    expect(e.observe(obs('b1', 'hr', 130, s(2))).alarms).toEqual([]);
    const id = e.activeAlarms()[0]?.id as string;
    expect(transitions(e.acknowledge(id, 'staff:n1', s(3)))).toEqual(['hr-high:acknowledged:high']);
    // 137 is inside the 5-unit hysteresis of the 140 band: stays high.
    expect(e.observe(obs('b1', 'hr', 137, s(4))).alarms).toEqual([]);
    expect(transitions(e.observe(obs('b1', 'hr', 135, s(5))))).toEqual(['hr-high:deescalated:medium']);
  });

  it('clears only past the hysteresis margin', () => {
    const e = engine();
    e.observe(obs('b1', 'hr', 125, s(0)));
    expect(e.observe(obs('b1', 'hr', 118, s(1))).alarms).toEqual([]); // 118 > 120 - 5
    expect(e.observe(obs('b1', 'hr', 115.5, s(2))).alarms).toEqual([]);
    const out = e.observe(obs('b1', 'hr', 115, s(3)));
    expect(transitions(out)).toEqual(['hr-high:cleared:medium']);
    expect(out.alarms[0]?.state).toBe('cleared');
    expect(e.activeAlarms()).toEqual([]);
  });

  it('ignores readings marked invalid, demo, questionable or out of range', () => {
    const e = engine();
    for (const f of ['invalid', 'demo', 'questionable', 'out-of-range'] as const) {
      expect(e.observe(obs('b1', 'hr', 200, s(0), { flags: [f] })).alarms).toEqual([]);
    }
    expect(transitions(e.observe(obs('b1', 'hr', 200, s(1), { flags: ['low-perfusion'] })))).toEqual(['hr-high:raised:high']);
  });

  it('applies bed overrides and profile changes, re-evaluating the latest value', () => {
    const e = createRulesEngine(testConfig({ beds: [{ id: 'b2', overrides: { hr: { high: [{ above: 100, priority: 'low' }] } } }] }), { newId: seqIds() });
    expect(transitions(e.observe(obs('b2', 'hr', 105, s(0))))).toEqual(['hr-high:raised:low']);
    const out = e.setBedLimits('b2', { overrides: {} }, 'staff:dr-x', s(1));
    expect(transitions(out)).toEqual(['hr-high:cleared:low']);
    expect(out.alarms[0]?.by).toBe('staff:dr-x');
    expect(() => e.setBedLimits('b2', { profile: 'neonate' }, 'staff:dr-x', s(2))).toThrow(RulesInputError);
  });

  it('refuses a config naming a profile it does not define', () => {
    expect(() => createRulesEngine(testConfig({ beds: [{ id: 'b1', profile: 'nope' }] }))).toThrow(/nope/);
  });
});

describe('de-duplication', () => {
  it('a violation that goes on produces one alarm and one incident, not one per observation', () => {
    const e = engine();
    const all = Array.from({ length: 20 }, (_, i) => e.observe(obs('b1', 'hr', 125 + (i % 3), s(i))));
    expect(all.flatMap((o) => o.alarms).map((a) => a.transition)).toEqual(['raised']);
    expect(all.flatMap((o) => o.incidents).map((i) => i.type)).toEqual(['opened']);
    expect(e.activeAlarms()).toHaveLength(1);
  });

  it('a technical priority can be changed in config', () => {
    const e = engine({ technical: { priorities: { 'low-battery': 'medium' } } });
    expect(e.technical({ bed: 'b1', deviceId: 'x', condition: 'low-battery', active: true, at: s(0) }).alarms[0]?.priority).toBe('medium');
  });
});

describe('condition delay', () => {
  it('raises only after the violation persisted for the delay, on an observation', () => {
    const e = engine();
    expect(e.observe(obs('b1', 'spo2', 88, s(0))).alarms).toEqual([]);
    expect(e.observe(obs('b1', 'spo2', 87, s(14))).alarms).toEqual([]);
    const out = e.observe(obs('b1', 'spo2', 87, s(15)));
    expect(transitions(out)).toEqual(['spo2-low:raised:medium']);
    expect(out.alarms[0]?.at).toBe(s(15));
  });

  it('raises on tick when the delay ends and the last value still violates', () => {
    const e = engine();
    e.observe(obs('b1', 'spo2', 88, s(0)));
    expect(e.tick(s(14)).alarms).toEqual([]);
    const out = e.tick(s(15));
    expect(transitions(out)).toEqual(['spo2-low:raised:medium']);
    expect(out.alarms[0]?.by).toBe('timer');
  });

  it('restarts the delay when the value recovers in between', () => {
    const e = engine();
    e.observe(obs('b1', 'spo2', 88, s(0)));
    e.observe(obs('b1', 'spo2', 95, s(10)));
    e.observe(obs('b1', 'spo2', 88, s(12)));
    expect(e.tick(s(20)).alarms).toEqual([]);
    expect(transitions(e.tick(s(27)))).toEqual(['spo2-low:raised:medium']);
  });

  it('raises at the band of the value when the delay ends', () => {
    const e = engine();
    e.observe(obs('b1', 'spo2', 88, s(0)));
    expect(transitions(e.observe(obs('b1', 'spo2', 80, s(15))))).toEqual(['spo2-low:raised:high']);
  });
});

describe('latching', () => {
  it('a high-priority alarm stays until acknowledged after its condition clears, then clears on acknowledgement', () => {
    const e = engine();
    const raised = e.observe(obs('b1', 'hr', 150, s(0))).alarms[0] as AlarmEvent;
    const l = e.observe(obs('b1', 'hr', 80, s(5)));
    expect(transitions(l)).toEqual(['hr-high:latched:high']);
    expect(l.alarms[0]).toMatchObject({ state: 'active', latched: true, audible: true });
    expect(e.activeAlarms().map((a) => a.id)).toEqual([raised.id]);
    const ack = e.acknowledge(raised.id, 'staff:n1', s(9));
    expect(transitions(ack)).toEqual(['hr-high:acknowledged:high', 'hr-high:cleared:high']);
    expect(ack.alarms.every((a) => a.by === 'staff:n1')).toBe(true);
    expect(e.activeAlarms()).toEqual([]);
  });

  it('a latched alarm whose condition returns is re-triggered, same episode', () => {
    const e = engine();
    const raised = e.observe(obs('b1', 'hr', 150, s(0))).alarms[0] as AlarmEvent;
    e.observe(obs('b1', 'hr', 80, s(5)));
    const out = e.observe(obs('b1', 'hr', 125, s(6)));
    expect(transitions(out)).toEqual(['hr-high:retriggered:high']);
    expect(out.alarms[0]).toMatchObject({ id: raised.id, latched: false });
  });

  it('medium alarms do not latch, nor high ones with latching off', () => {
    const e = engine({ beds: [{ id: 'nl', overrides: { hr: { latching: false } } }] });
    e.observe(obs('b1', 'hr', 125, s(0)));
    expect(transitions(e.observe(obs('b1', 'hr', 80, s(1))))).toEqual(['hr-high:cleared:medium']);
    e.observe(obs('nl', 'hr', 150, s(0)));
    expect(transitions(e.observe(obs('nl', 'hr', 80, s(1))))).toEqual(['hr-high:cleared:high']);
  });
});

describe('acknowledgement, audio pause and escalation', () => {
  it('acknowledging silences; a worse band re-activates the alarm', () => {
    const e = engine();
    const a = e.observe(obs('b1', 'hr', 125, s(0))).alarms[0] as AlarmEvent;
    const ack = e.acknowledge(a.id, 'staff:n1', s(1));
    expect(ack.alarms[0]).toMatchObject({ state: 'acknowledged', audible: false, by: 'staff:n1' });
    expect(ack.incidents[0]).toMatchObject({ type: 'acknowledged', incidentSeq: 2, by: 'staff:n1' });
    expect(e.acknowledge(a.id, 'staff:n2', s(2))).toEqual({ alarms: [], incidents: [] });
    const up = e.observe(obs('b1', 'hr', 150, s(3)));
    expect(up.alarms[0]).toMatchObject({ transition: 'escalated', state: 'active', audible: true, priority: 'high' });
  });

  it('audio pause silences the bed for 120 s by default, then a still-active alarm sounds again', () => {
    const e = engine();
    e.observe(obs('b1', 'hr', 125, s(0)));
    const p = e.pauseAudio('b1', 'staff:n1', s(1));
    expect(p.alarms[0]).toMatchObject({ transition: 'audio-paused', audible: false, state: 'active', by: 'staff:n1' });
    expect(e.tick(s(120)).alarms.filter((x) => x.transition === 'audio-resumed')).toEqual([]);
    const r = e.tick(s(121));
    expect(r.alarms.filter((x) => x.transition === 'audio-resumed')).toMatchObject([{ audible: true, by: 'timer' }]);
  });

  it('during a pause, a new alarm condition sounds whatever its priority; the paused one stays silent unless it gets worse', () => {
    const e = engine();
    e.observe(obs('b1', 'hr', 125, s(0))); // hr-high medium
    e.pauseAudio('b1', 'staff:n1', s(1), 60_000);
    const low = e.observe(obs('b1', 'temp', 39.5, s(2))); // a new condition, low priority: sounds
    expect(low.alarms.find((a) => a.condition === 'temp-high')).toMatchObject({ transition: 'raised', audible: true });
    expect(e.activeAlarms().find((a) => a.condition === 'hr-high')?.audible).toBe(false);
    const worse = e.observe(obs('b1', 'hr', 145, s(3))); // the paused condition rises to high: sounds again
    expect(worse.alarms.find((a) => a.condition === 'hr-high')).toMatchObject({ transition: 'escalated', priority: 'high', audible: true });
    const other = e.observe(obs('b2', 'hr', 125, s(4))); // another bed is not paused
    expect(other.alarms[0]?.audible).toBe(true);
  });

  it('during a pause, the paused condition coming back (cleared, then raised again) stays silent', () => {
    const e = engine();
    e.observe(obs('b1', 'hr', 125, s(0)));
    e.pauseAudio('b1', 'staff:n1', s(1), 60_000);
    e.observe(obs('b1', 'hr', 80, s(2))); // gone (medium: clears)
    const back = e.observe(obs('b1', 'hr', 125, s(3)));
    expect(back.alarms.find((a) => a.condition === 'hr-high')).toMatchObject({ transition: 'raised', audible: false });
  });

  it('with lifecycle.audioPauseCovers: bed, the pause silences new alarms up to the paused priority (the older behaviour)', () => {
    const e = engine({ lifecycle: { audioPauseCovers: 'bed' } });
    e.observe(obs('b1', 'hr', 125, s(0)));
    e.pauseAudio('b1', 'staff:n1', s(1), 60_000);
    e.observe(obs('b1', 'temp', 39.5, s(2))); // low priority: silent
    expect(e.activeAlarms().find((a) => a.condition === 'temp-high')?.audible).toBe(false);
    const hi = e.observe(obs('b1', 'hr', 35, s(3))); // hr-low high: sounds
    expect(hi.alarms.find((a) => a.condition === 'hr-low')).toMatchObject({ transition: 'raised', audible: true });
  });

  it('escalates an alarm left unacknowledged, once, and the incident priority rises', () => {
    const e = engine({ lifecycle: { escalateAfterSeconds: 60 } });
    e.observe(obs('b1', 'hr', 125, s(0)));
    expect(e.tick(s(59)).alarms).toEqual([]);
    const out = e.tick(s(60));
    expect(out.alarms).toMatchObject([{ transition: 'escalated', escalated: true, priority: 'medium', by: 'timer' }]);
    expect(out.incidents).toMatchObject([{ type: 'escalated', priority: 'high' }]);
    expect(e.tick(s(200)).alarms).toEqual([]);
  });

  it('an acknowledged alarm does not escalate; a paused one does', () => {
    const e = engine({ lifecycle: { escalateAfterSeconds: 60 } });
    const a = e.observe(obs('b1', 'hr', 125, s(0))).alarms[0] as AlarmEvent;
    e.observe(obs('b2', 'hr', 125, s(0)));
    e.acknowledge(a.id, 'staff:n1', s(10));
    e.pauseAudio('b2', 'staff:n1', s(10));
    const out = e.tick(s(61));
    expect(out.alarms.map((x) => `${x.bed}:${x.transition}`)).toEqual(['b2:escalated']);
  });
});

describe('incidents', () => {
  it('a re-trigger within the window rejoins the incident; seq keeps counting; it closes after the window', () => {
    const e = engine({ incidents: { rejoinWindowSeconds: 300 } });
    const first = e.observe(obs('b1', 'hr', 125, s(0)));
    const incId = first.incidents[0]?.incidentId;
    const cleared = e.observe(obs('b1', 'hr', 100, s(10)));
    expect(cleared.incidents).toMatchObject([{ type: 'updated', incidentSeq: 2 }]);
    const again = e.observe(obs('b1', 'hr', 126, s(100)));
    expect(again.alarms[0]?.incidentId).toBe(incId);
    expect(again.alarms[0]?.id).not.toBe(first.alarms[0]?.id);
    expect(again.incidents).toMatchObject([{ type: 'updated', incidentSeq: 3, incidentId: incId }]);
    e.observe(obs('b1', 'hr', 100, s(110)));
    expect(e.tick(s(409)).incidents).toEqual([]);
    expect(e.tick(s(410)).incidents).toMatchObject([{ type: 'closed', incidentSeq: 5, incidentId: incId, by: 'timer' }]);
    const fresh = e.observe(obs('b1', 'hr', 127, s(420)));
    expect(fresh.incidents).toMatchObject([{ type: 'opened', incidentSeq: 1 }]);
    expect(fresh.incidents[0]?.incidentId).not.toBe(incId);
  });

  it('keeps one incident per bed and condition', () => {
    const e = engine();
    const a = e.observe(obs('b1', 'hr', 125, s(0)));
    const b = e.observe(obs('b1', 'spo2', 80, s(0)));
    e.tick(s(15));
    const c = e.observe(obs('b2', 'hr', 125, s(0)));
    const ids = new Set([a.incidents[0]?.incidentId, c.incidents[0]?.incidentId]);
    expect(ids.size).toBe(2);
    expect(b.incidents).toEqual([]); // still in its delay
    expect(e.activeAlarms().map((x) => `${x.bed}:${x.condition}`)).toEqual(['b1:spo2-low', 'b1:hr-high', 'b2:hr-high']);
  });

  it('closes at once with a zero window', () => {
    const e = engine({ incidents: { rejoinWindowSeconds: 0 } });
    e.observe(obs('b1', 'hr', 125, s(0)));
    expect(e.observe(obs('b1', 'hr', 100, s(1))).incidents).toMatchObject([{ type: 'closed', incidentSeq: 2 }]);
  });

  it('carries ward and patient from the bed config', () => {
    const e = engine({ ward: 'W7', beds: [{ id: 'b1', patientId: 'p-42' }] });
    expect(e.observe(obs('b1', 'hr', 125, s(0))).incidents[0]).toMatchObject({ ward: 'W7', patientId: 'p-42' });
  });
});

describe('technical alarms and falls', () => {
  it('keeps technical alarms apart, raised and cleared by the driver', () => {
    const e = engine();
    const on = e.technical({ bed: 'b1', deviceId: 'ox-1', condition: 'sensor-off', active: true, at: s(0) });
    expect(on.alarms[0]).toMatchObject({ kind: 'technical', condition: 'sensor-off', deviceId: 'ox-1', priority: 'medium', by: 'device:ox-1' });
    expect(on.incidents[0]).toMatchObject({ kind: 'technical', deviceId: 'ox-1' });
    expect(e.technical({ bed: 'b1', deviceId: 'ox-1', condition: 'sensor-off', active: true, at: s(1) }).alarms).toEqual([]);
    expect(transitions(e.technical({ bed: 'b1', deviceId: 'ox-1', condition: 'sensor-off', active: false, at: s(2) }))).toEqual(['sensor-off:cleared:medium']);
    const store = e.technical({ bed: 'b1', condition: 'store-fault', active: true, at: s(3) });
    expect(store.alarms[0]).toMatchObject({ kind: 'technical', by: 'gateway' });
  });

  it('raises no-data for a silent bound device and clears it when data comes back', () => {
    const e = engine({ beds: [{ id: 'b1', devices: ['ox-1'] }], technical: { noDataSeconds: 30 } });
    expect(e.tick(s(0)).alarms).toEqual([]);
    expect(e.tick(s(29)).alarms).toEqual([]);
    expect(e.tick(s(30)).alarms).toMatchObject([{ condition: 'no-data', kind: 'technical', deviceId: 'ox-1', by: 'timer' }]);
    expect(e.tick(s(31)).alarms).toEqual([]);
    const back = e.observe(obs('b1', 'spo2', 97, s(40), { deviceId: 'ox-1' }));
    expect(back.alarms).toMatchObject([{ condition: 'no-data', transition: 'cleared', by: 'device:ox-1' }]);
    expect(e.tick(s(69)).alarms).toEqual([]);
    expect(e.tick(s(70)).alarms).toMatchObject([{ condition: 'no-data', transition: 'raised' }]);
  });

  it('a fall is a high-priority alarm at once, latched until acknowledged; a second fall joins it', () => {
    const e = engine();
    const f = e.deviceEvent('b1', 'band-1', 'fall', s(0));
    expect(f.alarms[0]).toMatchObject({ condition: 'fall', priority: 'high', state: 'active', latched: true, audible: true, by: 'device:band-1' });
    const again = e.deviceEvent('b1', 'band-1', 'fall', s(5));
    expect(again.alarms).toEqual([]);
    expect(again.incidents).toMatchObject([{ type: 'updated', incidentSeq: 2 }]);
    const ack = e.acknowledge(f.alarms[0]?.id as string, 'staff:n1', s(10));
    expect(transitions(ack)).toEqual(['fall:acknowledged:high', 'fall:cleared:high']);
  });
});

describe('ordering and restore', () => {
  it('lists active alarms by priority then age', () => {
    const e = engine();
    e.observe(obs('b1', 'temp', 39.5, s(0)));
    e.observe(obs('b2', 'hr', 125, s(1)));
    e.observe(obs('b3', 'hr', 150, s(2)));
    e.observe(obs('b4', 'hr', 125, s(3)));
    expect(e.activeAlarms().map((a) => `${a.bed}:${a.priority}`)).toEqual(['b3:high', 'b2:medium', 'b4:medium', 'b1:low']);
  });

  it('restores alarms and incidents so that the next observation continues the same episode', () => {
    const e1 = engine();
    const out = e1.observe(obs('b1', 'hr', 150, s(0)));
    const incEvents = [...out.incidents];
    incEvents.push(...e1.observe(obs('b1', 'hr', 80, s(5))).incidents); // latched
    const e2 = engine();
    e2.restore(e1.activeAlarms(), incEvents);
    expect(e2.activeAlarms()).toEqual(e1.activeAlarms());
    const ack = e2.acknowledge(out.alarms[0]?.id as string, 'staff:n1', s(10));
    expect(transitions(ack)).toEqual(['hr-high:acknowledged:high', 'hr-high:cleared:high']);
    expect(ack.incidents[0]).toMatchObject({ incidentId: out.incidents[0]?.incidentId, incidentSeq: 3 });
  });

  it('restores an incident in its closing window: a re-trigger rejoins it, otherwise it closes on time', () => {
    const e1 = engine({ incidents: { rejoinWindowSeconds: 300 } });
    const incs = [...e1.observe(obs('b1', 'hr', 125, s(0))).incidents, ...e1.observe(obs('b1', 'hr', 100, s(10))).incidents];
    const e2 = engine({ incidents: { rejoinWindowSeconds: 300 } });
    e2.restore([], incs);
    const again = e2.observe(obs('b1', 'hr', 125, s(20)));
    expect(again.incidents).toMatchObject([{ incidentId: incs[0]?.incidentId, incidentSeq: 3, type: 'updated' }]);
    const e3 = engine({ incidents: { rejoinWindowSeconds: 300 } });
    e3.restore([], incs);
    expect(e3.tick(s(310)).incidents).toMatchObject([{ type: 'closed', incidentSeq: 3 }]);
  });
});

describe('no-valid-data: a bed fed only unusable values is not silently unmonitored', () => {
  const T = 1_700_000_000_000;
  const at = (sec: number): number => T + sec * 1000;
  it('raises after noDataSeconds of only unscorable values, clears with a scorable one, gives way to no-data', () => {
    const e = createRulesEngine(testConfig({ beds: [{ id: 'b1', devices: ['mon'] }], technical: { noDataSeconds: 10 } }), { newId: seqIds() });
    e.tick(at(0));
    const raised = [];
    for (let sec = 0; sec <= 12; sec++) {
      e.observe(obs('b1', 'spo2', 70, at(sec), { deviceId: 'mon', flags: ['demo'] }));
      raised.push(...e.tick(at(sec)).alarms);
    }
    expect(raised.map((a) => [a.condition, a.transition, a.kind, a.priority])).toEqual([['no-valid-data', 'raised', 'technical', 'medium']]);
    expect(e.activeAlarms().some((a) => a.condition === 'spo2-low')).toBe(false);
    const back = e.observe(obs('b1', 'spo2', 97, at(13), { deviceId: 'mon' }));
    expect(back.alarms.map((a) => [a.condition, a.transition])).toEqual([['no-valid-data', 'cleared']]);
    for (let sec = 14; sec <= 26; sec++) e.observe(obs('b1', 'spo2', 70, at(sec), { deviceId: 'mon', flags: ['invalid'] }));
    expect(e.tick(at(26)).alarms.map((a) => a.condition)).toEqual(['no-valid-data']);
    const silent = e.tick(at(37)); // nothing since 26: no-data, and no-valid-data gives way
    expect(silent.alarms.map((a) => [a.condition, a.transition])).toEqual([['no-data', 'raised'], ['no-valid-data', 'cleared']]);
  });
});

describe('silence bounds per device: maxSilenceSeconds, not technical.noDataSeconds', () => {
  const T = 1_700_000_000_000;
  const at = (sec: number): number => T + sec * 1000;
  const conds = (o: RulesOutput) => o.alarms.map((a) => `${a.deviceId}:${a.condition}:${a.transition}`);

  it('a bound device with its own bound gets it as start-up grace and silence bound; others use noDataSeconds', () => {
    const cfg = testConfig({ beds: [{ id: 'b1', devices: ['wear', 'mon'], deviceSilenceSeconds: { wear: 20 } }], technical: { noDataSeconds: 5 } });
    const e = createRulesEngine(cfg, { newId: seqIds() });
    const out: string[] = [];
    for (let sec = 0; sec <= 19; sec++) out.push(...conds(e.tick(at(sec))));
    expect(out).toEqual(['mon:no-data:raised']); // at 5 s: mon has no bound of its own
    expect(conds(e.tick(at(20)))).toEqual(['wear:no-data:raised']); // not before its own 20 s
    expect(e.activeAlarms().find((a) => a.deviceId === 'wear')?.message).toMatch(/no data for 20 s/);
    expect(conds(e.observe(obs('b1', 'hr', 70, at(30), { deviceId: 'wear' })))).toEqual(['wear:no-data:cleared']);
    for (let sec = 31; sec <= 49; sec++) expect(e.tick(at(sec)).alarms).toEqual([]);
    expect(conds(e.tick(at(50)))).toEqual(['wear:no-data:raised']);
  });

  it('no-valid-data waits for the device\'s own bound; each device of a bed is judged on its own', () => {
    const cfg = testConfig({ beds: [{ id: 'b1', devices: ['demo-mon', 'wear'], deviceSilenceSeconds: { 'demo-mon': 8, wear: 30 } }], technical: { noDataSeconds: 2 } });
    const e = createRulesEngine(cfg, { newId: seqIds() });
    const out: string[] = [];
    for (let sec = 0; sec <= 10; sec++) {
      out.push(...conds(e.observe(obs('b1', 'spo2', 70, at(sec), { deviceId: 'demo-mon', flags: ['demo'] }))));
      out.push(...conds(e.observe(obs('b1', 'hr', 72, at(sec), { deviceId: 'wear' })))); // valid data from another device
      if (sec === 7) expect(out).toEqual([]); // past noDataSeconds (2), short of its own 8
      out.push(...conds(e.tick(at(sec))));
    }
    expect(out).toEqual(['demo-mon:no-valid-data:raised']);
    expect(e.activeAlarms().find((a) => a.condition === 'no-valid-data')?.message).toMatch(/data received for 8 s, none of it scorable/);
  });

  it('data the rules cannot take (unusableData) is not silence: no-valid-data, not no-data; it clears a standing no-data', () => {
    const cfg = testConfig({ beds: [{ id: 'b1', devices: ['w'], deviceSilenceSeconds: { w: 6 } }], technical: { noDataSeconds: 1 } });
    const e = createRulesEngine(cfg, { newId: seqIds() });
    const out: string[] = [];
    for (let sec = 0; sec <= 6; sec++) out.push(...conds(e.tick(at(sec))));
    expect(out).toEqual(['w:no-data:raised']);
    out.length = 0;
    for (let sec = 7; sec <= 14; sec++) {
      out.push(...conds(e.unusableData('b1', 'w', at(sec))));
      out.push(...conds(e.tick(at(sec))));
    }
    expect(out).toEqual(['w:no-data:cleared', 'w:no-valid-data:raised']); // raised at 13 s: 6 s after the first
    expect(conds(e.observe(obs('b1', 'hr', 72, at(15), { deviceId: 'w' })))).toEqual(['w:no-valid-data:cleared']);
  });

  it('a reload that changes a device\'s bound applies it; a newly bound device gets its grace from the reload', () => {
    const e = createRulesEngine(testConfig({ beds: [{ id: 'b1', devices: ['a'], deviceSilenceSeconds: { a: 10 } }] }), { newId: seqIds() });
    e.tick(at(0));
    e.reconfigure(testConfig({ beds: [{ id: 'b1', devices: ['a', 'b'], deviceSilenceSeconds: { a: 4, b: 3 } }] }), 'reload', at(1));
    expect(conds(e.tick(at(3)))).toEqual([]);
    expect(conds(e.tick(at(4)))).toEqual(['a:no-data:raised', 'b:no-data:raised']);
  });
});

describe('alarm tracing', () => {
  it('an alarm carries the device message sequence and id of the observation that caused it', () => {
    const e = createRulesEngine(testConfig(), { newId: seqIds() });
    const o = { ...obs('b1', 'hr', 150, 1_700_000_000_000, { seq: 501 }), sourceSeq: 77, sourceMessageId: 'MSG77' };
    expect(e.observe(o).alarms[0]).toMatchObject({ condition: 'hr-high', sourceSeq: 501, deviceSeq: 77, deviceMessageId: 'MSG77' });
  });
});
