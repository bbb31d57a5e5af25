import { describe, expect, it } from 'vitest';
import { createRulesEngine } from '../../rules/engine.js';
import { obs, seqIds, testConfig } from '../../rules/test-helpers.js';
import type { AlarmEvent } from '../../rules/types.js';
import { DeviceAlertList } from '../../drivers/core/device-alarm-list.js';
import { decodeHl7Message } from '../../drivers/serial/hl7/oru.js';
import { encodeAlarmPcd04, encodeWatchdogPcd04 } from '../../sync/ihe/pcd04.js';

const T0 = Date.UTC(2026, 11, 4, 16, 0, 0);
const ctx = (messageId: string, now: number) => ({ gatewayId: 'gw-7', site: 'st-mary', ward: 'ward-4b', patientId: 'MRN-001', now, messageId });

/**
 * Another alarm reporter's PCD-04 read back by the inbound decoder: the gateway's own encoder (which passes the
 * profile checks in pcd04.test.ts) driven by a real rules-engine lifecycle, as an upstream wardgate or any IHE ACM
 * Alarm Reporter would send it to this gateway's MLLP listener.
 */
describe('ORU^R40 from an IHE PCD-04 Alarm Reporter, read back as device alarms', () => {
  it("follows an alert's start, escalation, inactivation and end, and a technical alert of its own", () => {
    const e = createRulesEngine(testConfig({ lifecycle: { escalateAfterSeconds: 60, audioPauseSeconds: 120 } }), { newId: seqIds('alarm-') });
    const events: AlarmEvent[] = [];
    const take = (o: { alarms: AlarmEvent[] }) => events.push(...o.alarms);
    take(e.observe(obs('bed-1', 'hr', 130, T0)));
    take(e.observe(obs('bed-1', 'hr', 150, T0 + 5_000)));
    take(e.acknowledge(events[0]!.id, 'staff:n1', T0 + 20_000));
    take(e.technical({ bed: 'bed-1', deviceId: 'wear-1', condition: 'device-disconnected', active: true, at: T0 + 25_000, detail: 'mqtt client disconnected' }));
    take(e.observe(obs('bed-1', 'hr', 80, T0 + 30_000)));
    take(e.tick(T0 + 31_000));
    take(e.technical({ bed: 'bed-1', deviceId: 'wear-1', condition: 'device-disconnected', active: false, at: T0 + 50_000 }));

    const list = new DeviceAlertList();
    const seen = events.map((a, i) => {
      const d = decodeHl7Message(encodeAlarmPcd04(a, ctx(`m${i + 1}`, a.at)));
      expect(d.verdict).toBe('accept');
      expect(d.result.items).toEqual([]); // the alert's measured value is context, not a reading
      const alarms = list.apply(d) ?? [];
      return `${a.condition}:${a.transition} -> ${alarms.map((x) => `${x.priority}/${x.kind}`).join(',') || 'none'}`;
    });
    expect(seen).toEqual([
      'hr-high:raised -> medium/physiological',
      'hr-high:escalated -> high/physiological',
      'hr-high:acknowledged -> high/physiological', // acknowledged at the reporter: the condition is still there
      'device-disconnected:raised -> high/physiological,medium/technical',
      'hr-high:cleared -> medium/technical',
      'device-disconnected:cleared -> none',
    ]);
    // The alert's text is the reporter's own (OBX-5 CWE-9 original text).
    const first = decodeHl7Message(encodeAlarmPcd04(events[0]!, ctx('m1', T0)));
    expect(first.alertEvents?.[0]?.alarm.text).toBe(events[0]!.message);
  });

  it('takes a watchdog (priority PN with MDC_ATTR_CONFIRM_TIMEOUT) as no alarm, and answers it', () => {
    const d = decodeHl7Message(encodeWatchdogPcd04(ctx('w1', T0), { watchdogId: 'gw-7-watchdog', startedAt: T0, confirmTimeoutSeconds: 5, final: false }));
    expect(d.verdict).toBe('accept');
    expect(d.alertEvents).toEqual([]);
    expect(d.ack).toMatch(/MSA\|CA\|w1/);
    expect(new DeviceAlertList().apply(d)).toEqual([]);
  });
});
