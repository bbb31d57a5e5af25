import { describe, expect, it } from 'vitest';
import { createRulesEngine } from '../../rules/engine.js';
import { obs, seqIds, testConfig } from '../../rules/test-helpers.js';
import type { AlarmEvent, DeviceAlarmsInput } from '../../rules/types.js';
import { parseHl7 } from '../../simulator/ihe/hl7-reader.js';
import { AlertSequences, checkPcd04 } from '../../simulator/ihe/profile-checks.js';
import { py, pyObx, readWithPythonHl7 } from './python-hl7.js';
import { encodeAlarmPcd04, encodeWatchdogPcd04 } from '../../sync/ihe/pcd04.js';

const T0 = Date.UTC(2026, 11, 4, 16, 0, 0);
const ctx = (messageId: string, now: number) => ({ gatewayId: 'gw-7', site: 'st-mary', ward: 'ward-4b', patientId: 'MRN-001', now, messageId });

/** A real lifecycle from the rules engine: raise, escalate, audio pause, acknowledge, clear; then a technical alarm. */
function lifecycle(): AlarmEvent[] {
  const e = createRulesEngine(testConfig({ lifecycle: { escalateAfterSeconds: 60, audioPauseSeconds: 120 } }), { newId: seqIds('alarm-') });
  const out: AlarmEvent[] = [];
  const take = (o: { alarms: AlarmEvent[] }) => out.push(...o.alarms);
  take(e.observe(obs('bed-1', 'hr', 130, T0)));
  take(e.observe(obs('bed-1', 'hr', 150, T0 + 5_000)));
  take(e.pauseAudio('bed-1', 'staff:n1', T0 + 10_000));
  const id = out[0]!.id;
  take(e.acknowledge(id, 'staff:n1', T0 + 20_000));
  take(e.observe(obs('bed-1', 'hr', 80, T0 + 30_000)));
  take(e.tick(T0 + 31_000));
  take(e.technical({ bed: 'bed-1', deviceId: 'wear-1', condition: 'device-disconnected', active: true, at: T0 + 40_000, detail: 'mqtt client disconnected' }));
  take(e.technical({ bed: 'bed-1', deviceId: 'wear-1', condition: 'device-disconnected', active: false, at: T0 + 50_000 }));
  return out;
}

describe('PCD-04 Report Alert encoder', () => {
  const events = lifecycle();
  const messages = events.map((a, i) => encodeAlarmPcd04(a, ctx(`m${i + 1}`, a.at)));

  it('maps the rules lifecycle to the alert phases and states, one stable OBR-3 per alarm', () => {
    const seen = events.map((a) => `${a.condition}:${a.transition}`);
    expect(seen).toEqual([
      'hr-high:raised', 'hr-high:escalated', 'hr-high:audio-paused', 'hr-high:acknowledged', 'hr-high:cleared',
      'device-disconnected:raised', 'device-disconnected:cleared',
    ]);
  });

  it('passes the reference alarm manager checks, message by message and as phase sequences', () => {
    const seq = new AlertSequences();
    for (const raw of messages) {
      const c = checkPcd04(parseHl7(raw));
      expect(c.errors, raw).toEqual([]);
      expect(seq.take(c.reading!, raw).errors).toEqual([]);
    }
    const hr = events[0]!.id;
    expect(seq.phases(hr)).toEqual(['start', 'escalate', 'inactivate', 'inactivate', 'end']);
    // The same control id resent with the same content is a resend, not a new message.
    expect(seq.take(checkPcd04(parseHl7(messages[1]!)).reading!, messages[1]!)).toEqual({ errors: [], resend: true });
  });

  it('is read back by python3-hl7 with the expected field values', () => {
    const read = readWithPythonHl7(messages);
    const hrId = events[0]!.id;
    for (const m of read) {
      expect(m.type).toBe('ORU^R40^ORU_R40');
      expect(py(m, 'MSH', 12)).toBe('2.6');
      expect(py(m, 'MSH', 15)).toBe('AL');
      expect(py(m, 'MSH', 16)).toBe('NE');
      expect(py(m, 'MSH', 21)).toBe('IHE_PCD_ACM_001');
      expect(py(m, 'MSH', 21, 3)).toBe('1.3.6.1.4.1.19376.1.6.1.4.1');
      expect(py(m, 'PID', 3)).toBe('MRN-001');
      expect([py(m, 'PV1', 3, 1), py(m, 'PV1', 3, 3), py(m, 'PV1', 3, 4)]).toEqual(['ward-4b', 'bed-1', 'st-mary']);
      expect(py(m, 'OBR', 4)).toBe('196616');
      expect(py(m, 'OBR', 4, 2)).toBe('MDC_EVT_ALARM');
    }
    const attr = (m: (typeof read)[number], code: string) => pyObx(m, code)[0]?.fields[5]?.[0];
    const table = read.map((m) => [py(m, 'OBR', 3), attr(m, '68481'), attr(m, '68482'), attr(m, '68483'), attr(m, '68484'), attr(m, '68485')]);
    const dev = events[5]!.id;
    expect(table).toEqual([
      [hrId, 'start', 'active', 'enabled', 'PM', 'SP'],
      [hrId, 'escalate', 'active', 'enabled', 'PH', 'SP'],
      [hrId, 'inactivate', 'active', 'audio-paused', 'PH', 'SP'],
      [hrId, 'inactivate', 'active', 'alert-acknowledged', 'PH', 'SP'],
      [hrId, 'end', 'inactive', 'enabled', 'PH', 'SP'],
      [dev, 'start', 'active', 'enabled', 'PM', 'ST'], // a new condition inside the bed's audio pause sounds (docs/alarms.md)
      [dev, 'end', 'inactive', 'enabled', 'PM', 'ST'],
    ]);
    // The limit violation: MDC_EVT_HI with the text, the measured heart rate with its unit and the crossed limit.
    const start = read[0]!;
    const event = pyObx(start, '196616').find((s) => s.fields[4]?.[0]?.endsWith('.1'))!;
    expect(event.fields[5]!.slice(0, 3)).toEqual(['196648', 'MDC_EVT_HI', 'MDC']);
    const hr = pyObx(start, '147842')[0]!;
    expect(hr.fields[2]?.[0]).toBe('NM');
    expect(hr.fields[5]?.[0]).toBe('130');
    expect(hr.fields[6]?.slice(0, 2)).toEqual(['264864', 'MDC_DIM_BEAT_PER_MIN']);
    expect(hr.fields[7]?.[0]).toBe('<120');
    expect(py(read[1]!, 'OBX', 5, 1, 3)).toBe('150');
    // The lost device: MDC_EVT_SENSOR_DISCONN, with the device as the alert source.
    const lost = read[5]!;
    expect(pyObx(lost, '196616').find((s) => s.fields[4]?.[0]?.endsWith('.1'))!.fields[5]!.slice(0, 2)).toEqual(['196916', 'MDC_EVT_SENSOR_DISCONN']);
    expect(pyObx(lost, '68480')[0]!.fields[5]?.[8]).toBe('wear-1');
    // OBR-29: the parent (the incident that groups this alarm's episode).
    expect(py(start, 'OBR', 29, 2)).toBe(`${events[0]!.incidentId}&WARDGATE`);
  });

  it('a latched alarm reset by a nurse is phase reset; an alarm of the gateway itself has no patient', () => {
    const e = createRulesEngine(testConfig({ profiles: { adult: { params: { hr: { high: [{ above: 140, priority: 'high' }], delaySeconds: 0, hysteresis: 5, latching: true } } } } } as never), { newId: seqIds('l-') });
    const out: AlarmEvent[] = [];
    out.push(...e.observe(obs('bed-2', 'hr', 150, T0)).alarms);
    out.push(...e.observe(obs('bed-2', 'hr', 80, T0 + 5000)).alarms);
    out.push(...e.acknowledge(out[0]!.id, 'staff:n2', T0 + 9000).alarms);
    const phases = out.map((a) => [a.transition, checkPcd04(parseHl7(encodeAlarmPcd04(a, ctx(`l${a.at}${a.transition}`, a.at)))).reading!.phase]);
    expect(phases[0]).toEqual(['raised', 'start']);
    const latched = out.find((a) => a.transition === 'latched');
    if (latched) expect(checkPcd04(parseHl7(encodeAlarmPcd04(latched, ctx('x', latched.at)))).reading!.state).toBe('latched');
    expect(phases[phases.length - 1]).toEqual(['cleared', 'reset']);
  });

  it('the watchdog: priority PN, the confirm timeout, inactive in the last one', () => {
    const alive = encodeWatchdogPcd04(ctx('w1', T0), { watchdogId: 'gw-7-watchdog', startedAt: T0 - 1000, confirmTimeoutSeconds: 5, final: false });
    const last = encodeWatchdogPcd04(ctx('w2', T0 + 1000), { watchdogId: 'gw-7-watchdog', startedAt: T0 - 1000, confirmTimeoutSeconds: 5, final: true });
    for (const raw of [alive, last]) expect(checkPcd04(parseHl7(raw)).errors).toEqual([]);
    const [a, l] = readWithPythonHl7([alive, last]);
    expect(pyObx(a!, '68484')[0]!.fields[5]?.[0]).toBe('PN');
    expect(pyObx(a!, '68482')[0]!.fields[5]?.[0]).toBe('active');
    expect(pyObx(a!, '68483')[0]!.fields[5]?.[0]).toBe('enabled');
    expect(pyObx(a!, '67860')[0]!.fields[5]?.[0]).toBe('5');
    expect(pyObx(a!, '67860')[0]!.fields[6]?.slice(0, 2)).toEqual(['264320', 'MDC_DIM_SEC']);
    expect(pyObx(l!, '68482')[0]!.fields[5]?.[0]).toBe('inactive');
    expect(py(a!, 'OBR', 3)).toBe(py(l!, 'OBR', 3));
  });

  it("sends a device's own alarm as the device said it: its asystole physiological with its text, its lead-off technical with its event", () => {
    const e = createRulesEngine(testConfig(), { newId: seqIds('dev-') });
    const out: AlarmEvent[] = [];
    const asystole = { kind: 'physiological', priority: 'high', text: 'Asystole', eventRef: 'MDC_EVT_ECG_ASYSTOLE' } as const;
    const vf = { kind: 'physiological', priority: 'high', text: 'VF' } as const;
    // As the Mindray eGateway capture reports it (test/fixtures/captures/mindray-egateway.hl7): 196680^MDC_EVT_LEAD_OFF, PL, ST.
    const leadOff = { kind: 'technical', priority: 'low', text: 'MDC_EVT_LEAD_OFF', eventCode: 196680, eventRef: 'MDC_EVT_LEAD_OFF' } as const;
    const list = (alarms: DeviceAlarmsInput['alarms'], at: number) => out.push(...e.deviceAlarms({ bed: 'bed-3', deviceId: 'mon-3', at, alarms }).alarms);
    list([asystole, leadOff], T0);
    list([asystole, vf, leadOff], T0 + 5_000);
    list([], T0 + 10_000);
    expect(out.map((a) => `${a.condition}:${a.transition}`)).toEqual([
      'device-alarm-high:raised', 'device-alarm-low:raised', 'device-alarm-high:retriggered', 'device-alarm-high:cleared', 'device-alarm-low:cleared',
    ]);
    const raws = out.map((a, i) => encodeAlarmPcd04(a, ctx(`d${i + 1}`, a.at)));
    const seq = new AlertSequences();
    const readings = raws.map((raw) => {
      const c = checkPcd04(parseHl7(raw));
      expect(c.errors, raw).toEqual([]);
      expect(seq.take(c.reading!, raw).errors).toEqual([]);
      return [c.reading!.eventCode, c.reading!.eventName, c.reading!.text, c.reading!.type, c.reading!.phase];
    });
    expect(readings).toEqual([
      ['', 'MDC_EVT_ECG_ASYSTOLE', 'Asystole', 'SP', 'start'],
      ['196680', 'MDC_EVT_LEAD_OFF', 'MDC_EVT_LEAD_OFF', 'ST', 'start'],
      // Two alarms at one priority are one alert: the generic event, both texts, still physiological.
      ['196616', 'MDC_EVT_ALARM', 'Asystole; VF', 'SP', 'update'],
      ['196616', 'MDC_EVT_ALARM', 'Asystole; VF', 'SP', 'end'],
      ['196680', 'MDC_EVT_LEAD_OFF', 'MDC_EVT_LEAD_OFF', 'ST', 'end'],
    ]);
    // python3-hl7 reads the asystole as sent: the event (CWE-2, MDC) with the device's text (CWE-9), type SP, priority PH.
    const [m] = readWithPythonHl7([raws[0]!]);
    const event = pyObx(m!, '196616').find((x) => x.fields[4]?.[0]?.endsWith('.1'))!;
    expect([event.fields[5]?.[1], event.fields[5]?.[2], event.fields[5]?.[8]]).toEqual(['MDC_EVT_ECG_ASYSTOLE', 'MDC', 'Asystole']);
    expect(pyObx(m!, '68485')[0]!.fields[5]?.[0]).toBe('SP');
    expect(pyObx(m!, '68484')[0]!.fields[5]?.[0]).toBe('PH');
    expect(pyObx(m!, '68480')[0]!.fields[5]?.[8]).toBe('mon-3');
  });

  it('escapes delimiters in free text so a reader gets the text back', () => {
    const a = { ...events[0]!, message: 'HR high | 150 ^ & ~ \\ check' };
    const raw = encodeAlarmPcd04(a, ctx('esc', a.at));
    expect(checkPcd04(parseHl7(raw)).reading!.text).toBe('HR high | 150 ^ & ~ \\ check');
    const [m] = readWithPythonHl7([raw]);
    expect(pyObx(m!, '196616').find((s) => s.fields[4]?.[0]?.endsWith('.1'))!.fields[5]?.[8]).toBe('HR high | 150 ^ & ~ \\ check');
  });
});
