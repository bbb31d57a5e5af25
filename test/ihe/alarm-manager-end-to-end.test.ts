import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMqtt } from '../sync/gateway-harness.js';
import { writeConfig } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { alertPhases, readRecord, screenSession, startDistGateway, startSim, type DistGateway, type Recorded, type SimProcess } from './harness.js';
import { py, pyObx, readWithPythonHl7 } from './python-hl7.js';

/**
 * The gateway (real daemon from dist/) against the reference alarm manager (`wardgate-sim alarm-manager`, also from
 * dist/), over real TCP. The outage lasts 60 s as the requirement states, unless WARDGATE_IHE_OUTAGE_S shortens it
 * for a local run; the behaviour under test (alarm within the confirm timeout, all messages after the return) does
 * not depend on the length.
 */
const OUTAGE_S = Number(process.env.WARDGATE_IHE_OUTAGE_S ?? 60);
const CONFIRM_S = 3;
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

interface AlarmMsg { id: string; bed: string; condition: string; priority: string; state: string; transition: string; audible: boolean; incidentId: string }

describe('IHE PCD-04 alarm reporter end to end against the reference alarm manager', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-ihe-'));
  const record = join(dir, 'am.ndjson');
  let amPort: number;
  let am: SimProcess;
  let gw: DistGateway;
  let configPath: string;
  let nursecall: MqttClient;
  const alarms: AlarmMsg[] = [];

  async function connectGateway(): Promise<void> {
    for (const c of wearables.values()) c.end(true);
    wearables.clear();
    nursecall?.end(true);
    nursecall = await connectMqtt(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'nursecall', password: 'nc-secret', protocolVersion: 4 });
    nursecall.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as AlarmMsg));
    await nursecall.subscribeAsync('alarms/#', { qos: 1 });
  }

  /** The wearables stay connected (a disconnect is itself a technical alarm), reconnected after a gateway restart. */
  const wearables = new Map<string, MqttClient>();
  async function vitals(device: string, values: Record<string, number>): Promise<void> {
    let c = wearables.get(device);
    if (!c) {
      c = await connectMqtt(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: device, password: 'dev-secret', protocolVersion: 4, reconnectPeriod: 0 });
      wearables.set(device, c);
    }
    await c.publishAsync(`vitals/${device}`, JSON.stringify({ t: Date.now(), ...values }), { qos: 1 });
  }

  const rec = () => readRecord(record);
  const phasesOf = (alertId: string) => alertPhases(rec()).get(alertId) ?? [];
  const alarmOf = (bed: string, condition: string, transition = 'raised') => alarms.find((a) => a.bed === bed && a.condition === condition && a.transition === transition);

  beforeAll(async () => {
    amPort = await freePort();
    am = await startSim('alarm-manager', amPort, ['--record', record, '--pages', 'accept', '--page-delay-ms', '150']);
    configPath = writeConfig(dir, {
      gateway: { id: 'gw-ihe', site: 'st-mary', ward: 'ward-4b' },
      dataDir: join(dir, 'data'),
      broker: { host: '127.0.0.1', port: 0, users: [{ username: 'nursecall', password: 'nc-secret', subscribe: ['alarms/#'] }] },
      screen: { host: '127.0.0.1', port: 0, staff: [{ id: 'n1', name: 'Nurse One', pin: '2468' }] },
      beds: [
        { id: 'bed-1', patientId: 'MRN-0001', overrides: { hr: { delaySeconds: 0 } } },
        { id: 'bed-2', overrides: { hr: { delaySeconds: 0 } } },
      ],
      devices: [
        { id: 'wear-1', bed: 'bed-1', transport: 'mqtt', password: 'dev-secret', maxSilenceSeconds: 3600 },
        { id: 'wear-2', bed: 'bed-2', transport: 'mqtt', password: 'dev-secret', maxSilenceSeconds: 3600 },
      ],
      rules: { lifecycle: { escalateAfterSeconds: 600 }, news2: { enabled: false } },
      sync: { enabled: false },
      buzzer: { backend: 'record' },
      outputs: {
        alarmManager: {
          enabled: true, host: '127.0.0.1', port: amPort, confirmTimeoutSeconds: CONFIRM_S, watchdogSeconds: 1,
          retryMinMs: 100, retryMaxMs: 1000, receivingApplication: 'AM', receivingFacility: 'ST-MARY',
        },
      },
    });
    gw = await startDistGateway(configPath);
    await connectGateway();
  }, 60_000);

  afterAll(async () => {
    nursecall?.end(true);
    for (const c of wearables.values()) c.end(true);
    await gw?.kill();
    await am?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a deteriorating bed: start, escalation, acknowledgement and end, in order, one stable alert id; pages shown and noted on the incident', async () => {
    await vitals('wear-1', { hr: 130 });
    const raised = await waitFor(() => alarmOf('bed-1', 'hr-high'), 10_000, 'hr-high raised');
    await vitals('wear-1', { hr: 155 });
    await waitFor(() => alarmOf('bed-1', 'hr-high', 'escalated'), 10_000, 'escalated');
    // The simulated phone accepts the page (PCD-05) before the nurse at the bedside acknowledges.
    await waitFor(() => gw.logs.find((l) => l.msg === 'alarm manager: page status' && l.alarmId === raised.id && l.status === 'accepted'), 10_000, 'page accepted');
    const nurse = await screenSession(gw.screenPort, 'n1', '2468');
    expect((await nurse.post(`/api/alarms/${raised.id}/ack`)).status).toBe(200);
    await vitals('wear-1', { hr: 80 });
    await waitFor(() => alarmOf('bed-1', 'hr-high', 'cleared'), 10_000, 'cleared');
    const phases = await waitFor(() => (phasesOf(raised.id).includes('end') ? phasesOf(raised.id) : undefined), 15_000, 'end at the alarm manager');
    expect(phases).toEqual(['start', 'escalate', 'inactivate', 'end']);

    const mine = rec().filter((r) => r.reading?.alertId === raised.id);
    for (const r of mine) expect(r.errors, r.raw).toEqual([]);
    // python3-hl7 reads every one with the same OBR-3, the bed, the patient and the lifecycle values.
    const read = readWithPythonHl7([...new Map(mine.map((r) => [r.controlId, r.raw])).values()]);
    expect(read.map((m) => py(m, 'OBR', 3))).toEqual([raised.id, raised.id, raised.id, raised.id]);
    expect(read.map((m) => pyObx(m, '68481')[0]?.fields[5]?.[0])).toEqual(['start', 'escalate', 'inactivate', 'end']);
    expect(read.map((m) => pyObx(m, '68484')[0]?.fields[5]?.[0])).toEqual(['PM', 'PH', 'PH', 'PH']);
    expect(read.map((m) => pyObx(m, '68483')[0]?.fields[5]?.[0])).toEqual(['enabled', 'enabled', 'alert-acknowledged', 'enabled']);
    for (const m of read) {
      expect(m.type).toBe('ORU^R40^ORU_R40');
      expect([py(m, 'MSH', 5), py(m, 'MSH', 6)]).toEqual(['AM', 'ST-MARY']);
      expect(py(m, 'PID', 3)).toBe('MRN-0001');
      expect(py(m, 'PV1', 3, 3)).toBe('bed-1');
      expect(pyObx(m, '68485')[0]?.fields[5]?.[0]).toBe('SP');
    }
    expect(pyObx(read[0]!, '147842')[0]?.fields[5]?.[0]).toBe('130');
    expect(pyObx(read[1]!, '147842')[0]?.fields[5]?.[0]).toBe('155');

    // PCD-05 from the simulated phone: delivered, read, accepted by Ada Lovelace; shown on the screen beside the
    // alarm while it was live, and noted on the incident (the upstream incident events).
    const db = new Database(join(dir, 'data', 'wardgate.db'), { readonly: true });
    try {
      const statuses = await waitFor(() => {
        const rows = db.prepare('SELECT status, recipient, device FROM alert_delivery WHERE alarm_id = ? ORDER BY row').all(raised.id) as Array<{ status: string; recipient: string; device: string }>;
        return rows.length >= 3 ? rows : undefined;
      }, 10_000, 'PCD-05 statuses stored');
      expect(statuses.map((s) => s.status)).toEqual(['delivered', 'read', 'accepted']);
      expect(statuses[2]).toMatchObject({ recipient: 'Ada Lovelace', device: 'phone-12' });
      const notes = db.prepare(`SELECT body FROM outbox WHERE kind = 'incident-event' AND incident_id = ?`).all(raised.incidentId) as Array<{ body: string }>;
      expect(notes.some((n) => /page accepted by Ada Lovelace \(phone-12\)/.test(n.body))).toBe(true);
    } finally {
      db.close();
    }
  }, 60_000);

  it('the page status appears on the screen beside a live alarm', async () => {
    await vitals('wear-2', { hr: 150 });
    const a = await waitFor(() => alarmOf('bed-2', 'hr-high'), 10_000, 'bed-2 alarm');
    const nurse = await screenSession(gw.screenPort, 'n1', '2468');
    const page = await waitFor(async () => {
      const s = (await nurse.get('/api/state')) as { pages?: Array<{ alarmId: string; status: string; text: string }> };
      return s.pages?.find((p) => p.alarmId === a.id && p.status === 'accepted');
    }, 10_000, 'page on the screen');
    expect(page.text).toMatch(/^accepted by Ada Lovelace \(phone-12\) \d\d:\d\d$/);
    // And in the browser: Debian's chromium shows it on the alarm's row of the ward screen.
    if (existsSync(CHROMIUM)) {
      const context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        const tab = context.pages()[0] ?? (await context.newPage());
        await tab.goto(`http://127.0.0.1:${gw.screenPort}/`);
        await tab.fill('#staff-id', 'n1');
        await tab.fill('#pin', '2468');
        await tab.click('#login-form button[type=submit]');
        const row = tab.locator(`li.alarm[data-alarm="${a.id}"] .page`);
        await row.waitFor({ state: 'visible', timeout: 10_000 });
        expect(await row.textContent()).toMatch(/^Page: accepted by Ada Lovelace \(phone-12\) \d\d:\d\d$/);
        expect(await row.getAttribute('data-page')).toBe('accepted');
      } finally {
        await context.close();
      }
    }
    expect((await nurse.post(`/api/alarms/${a.id}/ack`)).status).toBe(200); // high priority latches until acknowledged
    await vitals('wear-2', { hr: 80 });
    await waitFor(() => phasesOf(a.id).includes('end'), 10_000, 'bed-2 end');
  }, 30_000);

  it('kill -9 mid-episode loses no message and duplicates none beyond the same MSH-10 resent', async () => {
    am.toggleMute(); // the manager receives but does not confirm: messages stay queued at the gateway
    const seen = alarms.length;
    await vitals('wear-2', { hr: 125 });
    const a = await waitFor(() => alarms.slice(seen).find((x) => x.bed === 'bed-2' && x.transition === 'raised'), 10_000, 'bed-2 raised');
    await vitals('wear-2', { hr: 160 });
    await waitFor(() => alarms.find((x) => x.id === a.id && x.transition === 'escalated'), 10_000, 'escalated');
    await waitFor(() => rec().some((r) => r.reading?.alertId === a.id), 10_000, 'the start reached the manager (unconfirmed)');
    const unreachable = await waitFor(() => alarms.slice(seen).find((x) => x.condition === 'alarm-manager-unreachable' && x.transition === 'raised'), 10_000, 'unreachable before the kill');
    await gw.kill(); // SIGKILL mid-episode, with messages sent but never confirmed
    am.toggleMute();
    gw = await startDistGateway(configPath);
    await connectGateway();
    const nurse = await screenSession(gw.screenPort, 'n1', '2468');
    expect((await nurse.post(`/api/alarms/${a.id}/ack`)).status).toBe(200); // the alarm survived the kill
    await vitals('wear-2', { hr: 80 });
    const phases = await waitFor(() => (phasesOf(a.id).includes('end') ? phasesOf(a.id) : undefined), 20_000, 'end after the restart');
    expect(phases).toEqual(['start', 'escalate', 'inactivate', 'end']);
    // The unreachable alarm restored from before the kill is cleared by the manager's first confirmation (possibly
    // before this test's subscriber was back, so read from the store).
    const store = new Database(join(dir, 'data', 'wardgate.db'), { readonly: true });
    try {
      await waitFor(() => (store.prepare('SELECT state FROM alarms WHERE id = ?').get(unreachable.id) as { state: string }).state === 'cleared', 10_000, 'restored unreachable alarm cleared');
    } finally {
      store.close();
    }
    const mine = rec().filter((r) => r.reading?.alertId === a.id);
    for (const r of mine) expect(r.errors).toEqual([]);
    expect(mine.some((r) => r.resend)).toBe(true); // the unconfirmed start came again, with its MSH-10
    // Each control id always carried the same message; every queued row was confirmed.
    const byId = new Map<string, Set<string>>();
    for (const r of rec()) byId.set(r.controlId, (byId.get(r.controlId) ?? new Set()).add(r.raw));
    for (const [id, bodies] of byId) expect(bodies.size, id).toBe(1);
    const db = new Database(join(dir, 'data', 'wardgate.db'), { readonly: true });
    try {
      await waitFor(() => (db.prepare(`SELECT COUNT(*) AS n FROM output_outbox WHERE acked_at IS NULL`).get() as { n: number }).n === 0, 10_000, 'outbox drained');
      const rows = db.prepare(`SELECT message_id AS id FROM output_outbox WHERE stream = ?`).all(a.id) as Array<{ id: string }>;
      expect(new Set(mine.map((r) => r.controlId))).toEqual(new Set(rows.map((r) => r.id)));
    } finally {
      db.close();
    }
  }, 60_000);

  it('watchdogs are confirmed; a missed one raises "alarm manager unreachable", cleared when it answers again', async () => {
    const before = rec().filter((r) => r.reading?.watchdog).length;
    await new Promise((r) => setTimeout(r, 2500));
    const wd = rec().filter((r) => r.reading?.watchdog);
    expect(wd.length - before).toBeGreaterThanOrEqual(2);
    for (const r of wd) expect(r.errors).toEqual([]);
    const read = readWithPythonHl7([wd.at(-1)!.raw]);
    expect(pyObx(read[0]!, '68484')[0]?.fields[5]?.[0]).toBe('PN');
    expect(pyObx(read[0]!, '67860')[0]?.fields[5]?.[0]).toBe(String(CONFIRM_S));
    const mutedAt = Date.now();
    am.toggleMute();
    const raised = await waitFor(() => alarms.find((x) => x.bed === 'gateway' && x.condition === 'alarm-manager-unreachable' && x.state === 'active' && x.transition === 'raised' && (x as unknown as { at: number }).at >= mutedAt - 50), 15_000, 'unreachable alarm');
    expect(raised).toMatchObject({ priority: 'medium', audible: true, kind: 'technical' });
    expect(gw.logs.some((l) => l.msg === 'alarm manager: watchdog not confirmed')).toBe(true);
    am.toggleMute();
    await waitFor(() => alarms.find((x) => x.id === raised.id && x.state === 'cleared'), 15_000, 'unreachable cleared');
  }, 40_000);

  it(`the manager stopped for ${OUTAGE_S} s: the local technical alarm within the confirm timeout, every message after it returns`, async () => {
    const stopped = await am.stop();
    expect(stopped.code, (stopped.stdout.match(/FAIL[^\n]*(\n {7}[^\n]*)*/g) ?? []).join('\n')).toBe(0); // its verdict so far: PASS
    expect(stopped.stdout).toMatch(/alarm manager verdict: PASS/);
    const downAt = Date.now();
    const raised = await waitFor(() => alarms.find((x) => x.condition === 'alarm-manager-unreachable' && x.transition === 'raised' && (x as unknown as { at: number }).at >= downAt), (CONFIRM_S + 2) * 1000, 'unreachable alarm');
    const detectedMs = (raised as unknown as { at: number }).at - downAt;
    // Silent for the confirm timeout since its last confirmation, which came before it stopped (100 ms for timers on
    // a loaded test machine).
    expect(detectedMs).toBeLessThanOrEqual(CONFIRM_S * 1000 + 100);
    // The buzzer sounds it: the only alarm of the ward at this moment, medium priority (record backend).
    const buzzer = () => readFileSync(join(dir, 'data', 'buzzer.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { at: number; sounding?: string | null });
    await waitFor(() => buzzer().some((l) => l.at >= downAt && l.sounding === 'medium'), 5_000, 'the buzzer sounding medium');
    // Alarms during the outage reach nurses locally and queue for the manager.
    const seen = alarms.length;
    await vitals('wear-1', { hr: 150 });
    const a = await waitFor(() => alarms.slice(seen).find((x) => x.bed === 'bed-1' && x.transition === 'raised'), 10_000, 'outage alarm');
    const nurse = await screenSession(gw.screenPort, 'n1', '2468');
    expect((await nurse.post(`/api/alarms/${a.id}/ack`)).status).toBe(200);
    await vitals('wear-1', { hr: 80 });
    await waitFor(() => alarms.find((x) => x.id === a.id && x.state === 'cleared'), 10_000, 'cleared locally');
    const rest = downAt + OUTAGE_S * 1000 - Date.now();
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    am = await startSim('alarm-manager', amPort, ['--record', record, '--pages', 'none']);
    await waitFor(() => alarms.find((x) => x.id === raised.id && x.state === 'cleared'), 20_000, 'unreachable cleared on return');
    const phases = await waitFor(() => (phasesOf(a.id).includes('end') ? phasesOf(a.id) : undefined), 20_000, 'outage messages delivered');
    expect(phases).toEqual(['start', 'inactivate', 'end']);
    for (const r of rec().filter((x) => x.reading?.alertId === a.id)) expect(r.errors).toEqual([]);
    console.log(`manager unreachable detected ${detectedMs} ms after it stopped (confirm timeout ${CONFIRM_S} s); outage ${OUTAGE_S} s`);
  }, 120_000 + OUTAGE_S * 1000);

  it('a clean shutdown ends with an inactive watchdog, and every message of the run passed the manager\'s checks', async () => {
    expect(await gw.stop()).toBe(0);
    const last = rec().filter((r: Recorded) => r.reading?.watchdog).at(-1)!;
    expect(last.reading?.state).toBe('inactive');
    const failing = rec().filter((r) => !r.ok);
    expect(failing.map((r) => r.errors)).toEqual([]);
    // Every message of the run read back by python3-hl7, agreeing field by field with the manager's own reading.
    const all = rec();
    const read = readWithPythonHl7(all.map((r) => r.raw));
    read.forEach((m, i) => {
      const r = all[i]!.reading!;
      expect(m.type).toBe('ORU^R40^ORU_R40');
      expect(m.controlId).toBe(all[i]!.controlId);
      expect(py(m, 'OBR', 3)).toBe(r.alertId);
      expect(py(m, 'PV1', 3, 3)).toBe(r.bed);
      expect(pyObx(m, '68481')[0]?.fields[5]?.[0]).toBe(r.phase);
      expect(pyObx(m, '68482')[0]?.fields[5]?.[0]).toBe(r.state);
      expect(pyObx(m, '68484')[0]?.fields[5]?.[0]).toBe(r.priority);
    });
    console.log(`${all.length} PCD-04 messages (${all.filter((r) => r.reading?.watchdog).length} watchdogs, ${all.filter((r) => r.resend).length} resent) checked by the reference manager and python3-hl7`);
    const v = await am.stop();
    expect(v.stdout).toMatch(/final inactive watchdog received/);
    expect(v.code).toBe(0);
  }, 30_000);
});
