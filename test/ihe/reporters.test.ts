import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputOutbox } from '../../gateway/store/output-outbox.js';
import { Store } from '../../gateway/store/store.js';
import { EhrSim } from '../../simulator/ihe/ehr.js';
import { makePki } from '../sync/helpers.js';
import { waitFor } from '../helpers/wait.js';
import { frame, MllpDeframer } from '../../sync/ihe/hl7.js';
import { MllpClient } from '../../sync/ihe/mllp-client.js';
import { EHR, ObservationReporter } from '../../sync/ihe/observation-reporter.js';
import { ALARM_MANAGER, AlarmReporter } from '../../sync/ihe/alarm-reporter.js';
import { AlarmManagerSim } from '../../simulator/ihe/alarm-manager.js';
import { encodeAlarmPcd04 } from '../../sync/ihe/pcd04.js';
import type { AlarmEvent } from '../../rules/types.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('observation reporter over a real store', () => {
  it('reports only validated values of configured beds and parameters, durably, and the EHR accepts them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-ihe-rep-'));
    const store = new Store(dir);
    cleanups.push(() => store.close());
    const outbox = new OutputOutbox(store.db);
    const ehr = new EhrSim({ host: '127.0.0.1', port: 0, behaviour: { delayMs: 0, dropEvery: 0, mute: false }, print: () => undefined });
    const port = await ehr.start();
    cleanups.push(() => ehr.stop());
    const reporter = new ObservationReporter({
      connection: { host: '127.0.0.1', port, connectTimeoutMs: 1000 }, source: outbox,
      identity: { gatewayId: 'gw', site: 's', ward: 'w' }, beds: ['bed-1'], patientOf: () => 'P-1', intervalMs: 3_600_000,
      parameters: ['hr', 'spo2'], freshMs: 900_000, answerTimeoutMs: 2000, retryMinMs: 50, retryMaxMs: 200, now: Date.now,
    });
    cleanups.push(() => reporter.stop());
    const o = (seq: number, bed: string, param: 'hr' | 'spo2' | 'temp', value: number, flags: string[] = []) => ({
      seq, bed, bedId: bed, deviceId: 'dev', gatewayId: 'gw', source: 'mqtt', param, value, unit: param === 'hr' ? '/min' : param === 'spo2' ? '%' : 'Cel', receivedAt: Date.now(), flags: flags as never,
    });
    for (const x of [o(1, 'bed-1', 'hr', 70), o(2, 'bed-1', 'spo2', 80, ['questionable']), o(3, 'bed-1', 'temp', 37), o(4, 'bed-2', 'hr', 99), o(5, 'bed-1', 'hr', 72), o(6, 'bed-1', 'spo2', 97, ['interference'])]) store.queueObservation({ ...x, seq: store.nextSeq() });
    store.flushObservations();
    expect(reporter.report()).toBe(1);
    expect(reporter.report()).toBe(0); // nothing new since: the mark moved with the message, in one transaction
    expect(outbox.pending(EHR)).toHaveLength(1);
    reporter.start();
    await waitFor(() => ehr.stats.messages === 1 && outbox.pending(EHR).length === 0, 5000, 'accepted');
    const r = ehr.receiver.received[0]!;
    expect(r.errors).toEqual([]);
    // hr: the latest (72); spo2: the questionable 80 never goes, the 97 with interference does; temp is filtered out.
    expect((r.reading as { values: Array<{ name: string; value: number }> }).values.map((v) => [v.name, v.value])).toEqual([['MDC_ECG_HEART_RATE', 72], ['MDC_PULS_OXIM_SAT_O2', 97]]);
  });

  it('a message survives a restart of the store and is sent after it with the same MSH-10', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-ihe-rep-'));
    const s1 = new Store(dir);
    new OutputOutbox(s1.db).enqueue([{ destination: 'alarm-manager', messageId: 'M-1', stream: 'a1', createdAt: 1, body: 'MSH|x' }]);
    s1.close();
    const s2 = new Store(dir);
    cleanups.push(() => s2.close());
    const ob = new OutputOutbox(s2.db);
    const [row] = ob.pending('alarm-manager');
    expect(row).toMatchObject({ messageId: 'M-1', body: 'MSH|x', attempts: 0 });
    ob.markFailed(row!.row, 2, 'no acknowledgment within 5000 ms');
    ob.insertWithin([{ destination: 'alarm-manager', messageId: 'M-1', stream: 'a1', createdAt: 3, body: 'other' }]); // same id: ignored
    expect(ob.pending('alarm-manager')).toEqual([{ ...row, attempts: 1 }]);
    ob.markAcked(row!.row, 4);
    expect(ob.pending('alarm-manager')).toEqual([]);
    expect(ob.stats('alarm-manager').depth).toBe(0);
  });
});

describe('MLLP client', () => {
  it('speaks MLLP over TLS with a client certificate, and names the refused certificate', async () => {
    const pki = makePki(mkdtempSync(join(tmpdir(), 'wg-ihe-pki-')));
    const server = createTlsServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey), ca: readFileSync(pki.ca), requestCert: true, rejectUnauthorized: true }, (s) => {
      const d = new MllpDeframer();
      s.on('data', (c: Buffer) => {
        for (const m of d.push(c)) s.write(frame(`MSH|^~\\&|AM||||20261204||ACK^R40^ACK|A1|P|2.6\rMSA|CA|${m.split('\r')[0]!.split('|')[9]}`));
      });
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as { port: number }).port;
    const client = new MllpClient({ host: '127.0.0.1', port, connectTimeoutMs: 2000, tls: { enabled: true, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, rejectUnauthorized: true } });
    cleanups.push(() => client.close());
    const ack = await client.request('MSH|^~\\&|WARDGATE||||20261204||ORU^R40^ORU_R40|C-1|P|2.6', 'C-1', 2000);
    expect(ack).toMatchObject({ kind: 'ack', code: 'CA', controlId: 'C-1' });
    const rogue = new MllpClient({ host: '127.0.0.1', port, connectTimeoutMs: 2000, tls: { enabled: true, ca: pki.rogueCa, rejectUnauthorized: true } });
    cleanups.push(() => rogue.close());
    await expect(rogue.request('MSH|x', 'C-2', 2000)).rejects.toThrow(/certificate/i);
  });
});

describe('alarm reporter against a misbehaving reference alarm manager', () => {
  it('a refused message (CE) and a dropped connection are retried with the same MSH-10, counted, and delivered in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-ihe-am-'));
    const store = new Store(dir);
    cleanups.push(() => store.close());
    const outbox = new OutputOutbox(store.db);
    const behaviour = { delayMs: 0, dropEvery: 0, mute: false, refuse: 'CE' as 'CE' | 'CR' | undefined };
    const am = new AlarmManagerSim({ host: '127.0.0.1', port: 0, behaviour, pages: 'none', pageDelayMs: 0, recipient: 'A B', device: 'd', print: () => undefined });
    const port = await am.start();
    cleanups.push(() => am.stop());
    const reachability: boolean[] = [];
    const reporter = new AlarmReporter({
      connection: { host: '127.0.0.1', port, connectTimeoutMs: 1000 }, queue: outbox, identity: { gatewayId: 'gw', site: 's', ward: 'w' },
      confirmTimeoutMs: 1000, watchdogIntervalMs: 60_000, retryMinMs: 50, retryMaxMs: 100, now: Date.now, onReachability: (r) => reachability.push(r),
    });
    cleanups.push(() => reporter.stop(false));
    const t = Date.now();
    const alarm = (transition: AlarmEvent['transition'], state: AlarmEvent['state'], at: number): AlarmEvent => ({
      id: 'A-1', bed: 'bed-1', condition: 'hr-high', kind: 'physiological', priority: 'high', state, transition, audible: state === 'active', latched: false, latching: true,
      escalated: false, param: 'hr', value: 150, unit: '/min', limit: 140, raisedAt: t, at, by: 'rules', incidentId: 'I-1', message: 'HR high',
    });
    const events = [alarm('raised', 'active', t), alarm('acknowledged', 'acknowledged', t + 1), alarm('cleared', 'cleared', t + 2)];
    outbox.enqueue(events.map((a, i) => ({ destination: ALARM_MANAGER, messageId: `M-${i}`, stream: a.id, createdAt: t, body: encodeAlarmPcd04(a, { gatewayId: 'gw', site: 's', ward: 'w', now: a.at, messageId: `M-${i}` }) })));
    reporter.start();
    await waitFor(() => reporter.counters.refused >= 2, 5000, 'refusals');
    expect(outbox.pending(ALARM_MANAGER)).toHaveLength(3); // a refusal is not a delivery
    behaviour.refuse = undefined;
    behaviour.dropEvery = 2; // now every second message: the connection closes without an answer
    await waitFor(() => outbox.pending(ALARM_MANAGER).length === 0, 10_000, 'all confirmed');
    expect(reporter.counters.retries).toBeGreaterThanOrEqual(3);
    const seen = am.receiver.received.filter((r) => !(r.reading as { watchdog?: boolean } | undefined)?.watchdog);
    const distinct = [...new Set(seen.map((r) => r.controlId))];
    expect(distinct).toEqual(['M-0', 'M-1', 'M-2']); // in order, each only ever under its own id
    expect(am.sequences.phases('A-1')).toEqual(['start', 'inactivate', 'end']);
    expect(seen.every((r) => r.errors.length === 0)).toBe(true);
    expect(reachability).toEqual([]); // it answered (refusing) all along: reachable, so no unreachable alarm
  });
});
