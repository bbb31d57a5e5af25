import { describe, expect, it } from 'vitest';
import { createRulesEngine } from './engine.js';
import { seqIds, testConfig } from './test-helpers.js';
import type { AlarmEvent, DeviceAlarmsInput, RulesOutput } from './types.js';

const T0 = 1_700_000_000_000;
const s = (sec: number): number => T0 + sec * 1000;
const transitions = (o: RulesOutput): string[] => o.alarms.map((a) => `${a.condition}:${a.transition}:${a.state}:${a.audible ? 'audible' : 'silent'}`);

type Item = DeviceAlarmsInput['alarms'][number];
const ASYSTOLE: Item = { kind: 'physiological', priority: 'high', text: 'Asystole', eventRef: 'MDC_EVT_ECG_ASYSTOLE' };
const VF: Item = { kind: 'physiological', priority: 'high', text: 'VF' };
const LEADS_OFF: Item = { kind: 'technical', priority: 'low', text: 'Leads off', eventCode: 196680, eventRef: 'MDC_EVT_LEAD_OFF' };

function engine() {
  const e = createRulesEngine(testConfig(), { newId: seqIds('a') });
  const list = (alarms: Item[], at: number) => e.deviceAlarms({ bed: 'b1', deviceId: 'mon', at, alarms });
  return { e, list };
}

describe("the device's own alarms: one alarm per device and priority", () => {
  it('raises at the first alarm of a level, carries the device items, and clears with the last one', () => {
    const { e, list } = engine();
    const on = list([ASYSTOLE, LEADS_OFF], s(0));
    expect(transitions(on)).toEqual(['device-alarm-high:raised:active:audible', 'device-alarm-low:raised:active:audible']);
    const high = on.alarms[0] as AlarmEvent;
    expect(high).toMatchObject({ kind: 'technical', priority: 'high', deviceId: 'mon', by: 'device:mon', message: 'device-alarm-high on mon (high): Asystole' });
    expect(high.deviceAlarms).toEqual([{ kind: 'physiological', text: 'Asystole', eventRef: 'MDC_EVT_ECG_ASYSTOLE' }]);
    expect(on.alarms[1]?.deviceAlarms).toEqual([{ kind: 'technical', text: 'Leads off', eventCode: 196680, eventRef: 'MDC_EVT_LEAD_OFF' }]);
    expect(list([ASYSTOLE, LEADS_OFF], s(1)).alarms).toEqual([]); // the same list again: nothing
    expect(transitions(list([ASYSTOLE], s(2)))).toEqual(['device-alarm-low:cleared:cleared:silent']);
    expect(transitions(list([], s(3)))).toEqual(['device-alarm-high:cleared:cleared:silent']);
    expect(e.activeAlarms()).toEqual([]);
  });

  it('re-annunciates an acknowledged level when a new alarm joins it (VF after an acknowledged asystole)', () => {
    const { e, list } = engine();
    const id = (list([ASYSTOLE], s(0)).alarms[0] as AlarmEvent).id;
    expect(transitions(e.acknowledge(id, 'staff:n1', s(1)))).toEqual(['device-alarm-high:acknowledged:acknowledged:silent']);
    // The device still lists it: acknowledging at the gateway silenced the gateway only, the alarm stays shown.
    expect(list([ASYSTOLE], s(2)).alarms).toEqual([]);
    expect(e.activeAlarms()).toMatchObject([{ id, state: 'acknowledged', audible: false }]);

    const vf = list([ASYSTOLE, VF], s(3));
    expect(transitions(vf)).toEqual(['device-alarm-high:retriggered:active:audible']);
    expect(vf.alarms[0]).toMatchObject({ id, message: 'device-alarm-high on mon (high): Asystole; VF (new on the device: VF)' });
    expect(vf.alarms[0]?.deviceAlarms?.map((d) => d.text)).toEqual(['Asystole', 'VF']);
    expect(vf.incidents).toMatchObject([{ type: 'updated', condition: 'device-alarm-high', deviceId: 'mon' }]);
    // The nurse must answer it again.
    expect(transitions(e.acknowledge(id, 'staff:n1', s(4)))).toEqual(['device-alarm-high:acknowledged:acknowledged:silent']);
  });

  it("updates what an active level says when one of its alarms ends, without sounding again, and a new one after that re-annunciates", () => {
    const { e, list } = engine();
    const id = (list([ASYSTOLE, VF], s(0)).alarms[0] as AlarmEvent).id;
    e.acknowledge(id, 'staff:n1', s(1));
    const ended = list([VF], s(2));
    expect(transitions(ended)).toEqual(['device-alarm-high:updated:acknowledged:silent']);
    expect(ended.alarms[0]?.message).toBe('device-alarm-high on mon (high): VF (ended on the device: Asystole)');
    expect(ended.incidents).toEqual([]);
    // Asystole back: it was not on the list the nurse last saw, so it sounds again.
    expect(transitions(list([VF, ASYSTOLE], s(3)))).toEqual(['device-alarm-high:retriggered:active:audible']);
  });

  it('an active, unacknowledged level gaining an alarm shows it and keeps sounding; its escalation clock runs on', () => {
    const { e, list } = engine();
    list([ASYSTOLE], s(0));
    const vf = list([ASYSTOLE, VF], s(30));
    expect(transitions(vf)).toEqual(['device-alarm-high:retriggered:active:audible']);
    // escalateAfterSeconds (default 120) counts from the raise, not from VF.
    expect(e.tick(s(121)).alarms.map((a) => `${a.transition}:${a.escalated}`)).toEqual(['escalated:true']);
  });

  it('a new alarm at an audio-paused level sounds (the pause covers only what was present when it began)', () => {
    const { e, list } = engine();
    list([ASYSTOLE], s(0));
    expect(transitions(e.pauseAudio('b1', 'staff:n1', s(1)))).toEqual(['device-alarm-high:audio-paused:active:silent']);
    expect(list([ASYSTOLE], s(2)).alarms).toEqual([]);
    expect(transitions(list([ASYSTOLE, VF], s(3)))).toEqual(['device-alarm-high:retriggered:active:audible']);
  });

  it('levels are independent, duplicates are one, and priority none never alarms', () => {
    const { e, list } = engine();
    const out = list([ASYSTOLE, { ...ASYSTOLE }, { kind: 'technical', priority: 'none', text: 'Info' }], s(0));
    expect(transitions(out)).toEqual(['device-alarm-high:raised:active:audible']);
    expect(out.alarms[0]?.deviceAlarms).toHaveLength(1);
    const id = e.activeAlarms()[0]!.id;
    e.acknowledge(id, 'staff:n1', s(1));
    // A new low-priority alarm raises its own level and leaves the acknowledged high one as it is.
    expect(transitions(list([ASYSTOLE, LEADS_OFF], s(2)))).toEqual(['device-alarm-low:raised:active:audible']);
    expect(e.activeAlarms().find((a) => a.id === id)?.state).toBe('acknowledged');
  });

  it('after a restart: a restored level keeps its list (no new annunciation for the same list) and clears when the device no longer lists it', () => {
    const { e, list } = engine();
    const raised = list([ASYSTOLE], s(0)).alarms;
    const acked = e.acknowledge(raised[0]!.id, 'staff:n1', s(1)).alarms;
    const { e: e2 } = engine();
    e2.restore([...raised, ...acked], []);
    const again = (alarms: Item[], at: number) => e2.deviceAlarms({ bed: 'b1', deviceId: 'mon', at, alarms });
    expect(again([ASYSTOLE], s(10)).alarms).toEqual([]);
    expect(transitions(again([ASYSTOLE, VF], s(11)))).toEqual(['device-alarm-high:retriggered:active:audible']);
    expect(transitions(again([], s(12)))).toEqual(['device-alarm-high:cleared:cleared:silent']);
  });

  it('a level restored from a release whose events carried no list takes the first list without sounding', () => {
    const { e, list } = engine();
    const raised = list([ASYSTOLE], s(0)).alarms.map(({ deviceAlarms: _, ...rest }) => rest);
    const acked = e.acknowledge(raised[0]!.id, 'staff:n1', s(1)).alarms.map(({ deviceAlarms: _, ...rest }) => rest);
    const { e: e2 } = engine();
    e2.restore([...raised, ...acked], []);
    const out = e2.deviceAlarms({ bed: 'b1', deviceId: 'mon', at: s(10), alarms: [ASYSTOLE] });
    expect(transitions(out)).toEqual(['device-alarm-high:updated:acknowledged:silent']);
    expect(out.alarms[0]?.deviceAlarms?.map((d) => d.text)).toEqual(['Asystole']);
  });
});
