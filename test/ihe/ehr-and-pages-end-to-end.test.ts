import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMqtt } from '../sync/gateway-harness.js';
import { writeConfig } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { readRecord, screenSession, startDistGateway, startSim, type DistGateway, type SimProcess } from './harness.js';
import { py, pyObx, readWithPythonHl7 } from './python-hl7.js';

interface AlarmMsg { id: string; bed: string; condition: string; state: string; transition: string; priority: string }

/**
 * PCD-01 to the reference EHR (`wardgate-sim ehr` from dist/) from the real daemon (dist/): at once when a NEWS2 set
 * completes, periodically, only the configured parameters, retried while the EHR does not answer; and PCD-05 statuses
 * sent to the gateway's own listener by python3-hl7's `mllp_send`, a rejected page escalating on the ward.
 */
describe('IHE PCD-01 observation reporter and PCD-05 listener end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-ihe-ehr-'));
  const ehrRecord = join(dir, 'ehr.ndjson');
  let ehr: SimProcess;
  let am: SimProcess;
  let gw: DistGateway;
  let statusPort: number;
  let wear: MqttClient;
  let nursecall: MqttClient;
  const alarms: AlarmMsg[] = [];
  const INTERVAL_S = 12;

  beforeAll(async () => {
    const ehrPort = await freePort();
    const amPort = await freePort();
    statusPort = await freePort();
    ehr = await startSim('ehr', ehrPort, ['--record', ehrRecord]);
    am = await startSim('alarm-manager', amPort, ['--pages', 'none', '--record', join(dir, 'am.ndjson')]);
    const configPath = writeConfig(dir, {
      gateway: { id: 'gw-ehr', site: 'st-mary', ward: 'ward-4b' },
      dataDir: join(dir, 'data'),
      broker: { host: '127.0.0.1', port: 0, users: [{ username: 'nursecall', password: 'nc-secret', subscribe: ['alarms/#'] }] },
      screen: { host: '127.0.0.1', port: 0, staff: [{ id: 'n1', name: 'Nurse One', pin: '2468' }] },
      beds: [{ id: 'bed-1', patientId: 'MRN-0001', overrides: { hr: { delaySeconds: 0 }, spo2: { delaySeconds: 0 } } }],
      devices: [{ id: 'wear-1', bed: 'bed-1', transport: 'mqtt', password: 'dev-secret', maxSilenceSeconds: 3600 }],
      sync: { enabled: false },
      outputs: {
        alarmManager: { enabled: true, host: '127.0.0.1', port: amPort, confirmTimeoutSeconds: 3, watchdogSeconds: 1, statusListener: { enabled: true, port: statusPort }, acceptWithinSeconds: 2 },
        ehr: { enabled: true, host: '127.0.0.1', port: ehrPort, intervalSeconds: INTERVAL_S, parameters: ['hr', 'spo2', 'rr', 'temp', 'sbp'], retryMinMs: 100, retryMaxMs: 500, answerTimeoutSeconds: 2 },
      },
    });
    gw = await startDistGateway(configPath);
    wear = await connectMqtt(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'wear-1', password: 'dev-secret', protocolVersion: 4 });
    nursecall = await connectMqtt(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'nursecall', password: 'nc-secret', protocolVersion: 4 });
    nursecall.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as AlarmMsg));
    await nursecall.subscribeAsync('alarms/#', { qos: 1 });
  }, 60_000);

  afterAll(async () => {
    wear?.end(true);
    nursecall?.end(true);
    await gw?.kill();
    await ehr?.kill();
    await am?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const received = () => readRecord(ehrRecord).filter((r) => !r.resend);

  it('a completed NEWS2 set goes at once, with only the configured parameters, passing the EHR checks and python3-hl7', async () => {
    const nurse = await screenSession(gw.screenPort, 'n1', '2468');
    expect((await nurse.post('/api/beds/bed-1/manual', { acvpu: 'A', o2: false })).status).toBe(200);
    const sentAt = Date.now();
    await wear.publishAsync('vitals/wear-1', JSON.stringify({ t: sentAt, hr: 88, spo2: 95, rr: 18, temp: 37.2, sbp: 118, dbp: 76 }), { qos: 1 });
    const first = await waitFor(() => received()[0], 5_000, 'the at-once report');
    expect(first.at - sentAt).toBeLessThan(INTERVAL_S * 1000 / 2); // not the periodic one
    expect(first.errors).toEqual([]);
    const [m] = readWithPythonHl7([first.raw]);
    expect(m!.type).toBe('ORU^R01^ORU_R01');
    expect(py(m!, 'MSH', 21)).toBe('IHE PCD ORU-R01 2006');
    expect(py(m!, 'PID', 3)).toBe('MRN-0001');
    expect(py(m!, 'PV1', 3, 3)).toBe('bed-1');
    const value = (code: string) => pyObx(m!, code)[0]?.fields[5]?.[0];
    expect([value('147842'), value('150456'), value('151562'), value('150364'), value('150021')]).toEqual(['88', '95', '18', '37.2', '118']);
    expect(value('150022')).toBeUndefined(); // dbp is not in the filter
    for (const row of m!.segments.filter((s) => s.name === 'OBX' && s.fields[2]?.[0] === 'NM')) {
      expect(row.fields[11]?.[0]).toBe('R');
      expect(row.fields[18]?.[0]).toBe('wear-1');
      expect(row.fields[18]?.[3]).toBe('EUI-64');
    }
  }, 30_000);

  it('the periodic report carries what arrived since, and is retried until the EHR answers', async () => {
    const before = received().length;
    ehr.toggleMute(); // the interface engine hangs
    await wear.publishAsync('vitals/wear-1', JSON.stringify({ hr: 91 }), { qos: 1 });
    const periodic = await waitFor(() => received()[before], (INTERVAL_S + 5) * 1000, 'the periodic report');
    ehr.toggleMute();
    await waitFor(() => readRecord(ehrRecord).some((r) => r.resend && r.controlId === periodic.controlId), 10_000, 'the same message resent');
    const [m] = readWithPythonHl7([periodic.raw]);
    expect(pyObx(m!, '147842')[0]?.fields[5]?.[0]).toBe('91');
    expect(m!.segments.filter((s) => s.name === 'OBX' && s.fields[2]?.[0] === 'NM')).toHaveLength(1);
    const db = new Database(join(dir, 'data', 'wardgate.db'), { readonly: true });
    try {
      await waitFor(() => (db.prepare(`SELECT COUNT(*) AS n FROM output_outbox WHERE destination = 'ehr' AND acked_at IS NULL`).get() as { n: number }).n === 0, 10_000, 'ehr queue drained');
      const row = db.prepare(`SELECT attempts FROM output_outbox WHERE message_id = ?`).get(periodic.controlId) as { attempts: number };
      expect(row.attempts).toBeGreaterThan(1);
    } finally {
      db.close();
    }
    for (const r of readRecord(ehrRecord)) expect(r.errors).toEqual([]);
    // The retries are counted where an operator looks: /metrics.
    const metrics = await (await fetch(`http://127.0.0.1:${gw.screenPort}/metrics`)).text();
    const retried = /wardgate_output_messages_total\{destination="ehr",outcome="retried"\} (\d+)/.exec(metrics);
    expect(Number(retried?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/wardgate_output_queue_depth\{destination="ehr"\} 0/);
    expect(metrics).toMatch(/wardgate_alarm_manager_reachable 1/);
  }, 60_000);

  it('PCD-05 by mllp_send to the status listener: a rejected page escalates on the ward; accepted, it clears', async () => {
    await wear.publishAsync('vitals/wear-1', JSON.stringify({ hr: 150 }), { qos: 1 });
    const a = await waitFor(() => alarms.find((x) => x.bed === 'bed-1' && x.condition === 'hr-high' && x.transition === 'raised'), 10_000, 'alarm');
    const ora = (status: string, id: string) =>
      [
        `MSH|^~\\&|AM|ST-MARY|WARDGATE|st-mary|20261204160200||ORA^R41^ORA_R41|${id}|P|2.6|||AL|NE`,
        `OBR|1||${a.id}^WARDGATE|196616^MDC_EVT_ALARM^MDC`,
        `PRT|1|UC|${status}^${status}^L|RCP^Alert recipient^HL70912|grace.hopper^Hopper^Grace|||||pager-7|20261204160200`,
      ].join('\r');
    const send = (msg: string) => {
      const file = join(dir, 'ora.hl7');
      writeFileSync(file, `${msg.replace(/\r/g, '\n')}\n`);
      return execFileSync('/usr/bin/mllp_send', ['--loose', '-p', String(statusPort), '--file', file, '127.0.0.1'], { encoding: 'utf8' });
    };
    const reply = send(ora('rejected', 'ORA-1'));
    expect(reply).toMatch(/MSA\|CA\|ORA-1/);
    const escalated = await waitFor(() => alarms.find((x) => x.bed === 'bed-1' && x.condition === 'page-not-accepted' && x.state === 'active'), 5_000, 'local escalation');
    expect(escalated.priority).toBe('medium');
    expect(send(ora('accepted', 'ORA-2'))).toMatch(/MSA\|CA\|ORA-2/);
    await waitFor(() => alarms.find((x) => x.id === escalated.id && x.state === 'cleared'), 5_000, 'escalation cleared');
    const nurse = await screenSession(gw.screenPort, 'n1', '2468');
    const state = (await nurse.get('/api/state')) as { pages: Array<{ alarmId: string; text: string }> };
    expect(state.pages.find((p) => p.alarmId === a.id)?.text).toMatch(/^accepted by Grace Hopper \(pager-7\) 16:02$/);
    // Something that is not an ORA^R41 is refused, never silently taken.
    expect(send('MSH|^~\\&|AM|X|WARDGATE|Y|20261204160200||ADT^A01^ADT_A01|ADT-1|P|2.6\rPID|1')).toMatch(/MSA\|CR\|ADT-1/);
    // The nurse acknowledges what the bed still shows (HR high, and the NEWS2 alarm it raised, whose page nobody took).
    const live = ((await nurse.get('/api/state')) as { alarms: Array<{ id: string; bed: string; state: string }> }).alarms.filter((x) => x.bed === 'bed-1' && x.state === 'active');
    for (const x of live) expect((await nurse.post(`/api/alarms/${x.id}/ack`)).status).toBe(200);
  }, 30_000);

  it('a page nobody accepts within acceptWithinSeconds escalates on the ward until a nurse acknowledges the alarm', async () => {
    const t0 = Date.now();
    await wear.publishAsync('vitals/wear-1', JSON.stringify({ spo2: 84 }), { qos: 1 });
    const a = await waitFor(() => alarms.find((x) => x.condition === 'spo2-low' && x.transition === 'raised'), 10_000, 'spo2 alarm');
    const escalated = await waitFor(() => alarms.find((x) => x.condition === 'page-not-accepted' && x.transition === 'raised' && (x as unknown as { at: number }).at >= t0), 6_000, 'escalation');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    expect((escalated as unknown as { message: string }).message).toMatch(/not accepted within 2 s/);
    const nurse = await screenSession(gw.screenPort, 'n1', '2468');
    const live = ((await nurse.get('/api/state')) as { alarms: Array<{ id: string; bed: string; state: string; kind: string }> }).alarms.filter((x) => x.bed === 'bed-1' && x.state === 'active' && x.kind === 'physiological');
    expect(live.map((x) => x.id)).toContain(a.id);
    for (const x of live) expect((await nurse.post(`/api/alarms/${x.id}/ack`)).status).toBe(200);
    await waitFor(() => alarms.find((x) => x.id === escalated.id && x.state === 'cleared'), 5_000, 'escalation cleared by the acknowledgement');
  }, 30_000);

  it('both reference counterparts give a PASS verdict for the whole run', async () => {
    expect(await gw.stop()).toBe(0);
    // Every PCD-01 of the run read back by python3-hl7, value for value as the EHR counterpart read it.
    const all = readRecord(ehrRecord);
    expect(all.length).toBeGreaterThanOrEqual(2);
    readWithPythonHl7(all.map((r) => r.raw)).forEach((m, i) => {
      const values = (all[i]!.reading as unknown as { values: Array<{ code: string; value: number; sub: string }> }).values;
      expect(m.controlId).toBe(all[i]!.controlId);
      const rows = m.segments.filter((s) => s.name === 'OBX' && s.fields[2]?.[0] === 'NM');
      expect(rows.map((s) => [s.fields[3]?.[0], Number(s.fields[5]?.[0]), s.fields[4]?.[0]])).toEqual(values.map((v) => [v.code, v.value, v.sub]));
    });
    const e = await ehr.stop();
    expect(e.stdout).toMatch(/ehr verdict: PASS/);
    expect(e.code).toBe(0);
    const a = await am.stop();
    expect(a.stdout).toMatch(/alarm manager verdict: PASS/);
    expect(a.code).toBe(0);
  }, 30_000);
});
