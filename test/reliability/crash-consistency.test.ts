/**
 * Crash consistency: the real daemon under MQTT load is SIGKILLed at random moments
 * (RELIABILITY.crashKills times: 10 short, 50 long) and restarted on the same ports, and the upstream mosquitto
 * is stopped and started again RELIABILITY.crashOutages times (2 short, 10 long), each outage spanning a kill and
 * restart. After every restart:
 *  - PRAGMA integrity_check on data/wardgate.db is ok;
 *  - every alarm that had been published on alarms/# (collected by a subscriber) is in alarm_events (same id,
 *    transition and time) and in alarms;
 *  - its incident is in the outbox (pending) or already delivered upstream. The upstream is Debian mosquitto
 *    (test/helpers/mosquitto.ts) with a central subscriber on a persistent session: at the end, once the outbox
 *    has drained, every delivered outbox row was received by the central.
 * At the end the load turns normal and a nurse acknowledges what is still shown, so every alarm episode ends:
 * every incident is closed in the store, every alarm in alarm_events has incident events at the central, each
 * incident's events there run 1..last_seq with no gap, its closing event arrived, and integrity_check is ok.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, writeConfig, type GatewayProcess } from '../helpers/gateway-process.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { acknowledgeEverything, beds, collectAlarms, connectMqtt, enterManualInputs, gatewayConfig, sleep, type AlarmMessage } from './live-gateway.js';
import { figure, RELIABILITY } from './profile.js';

const KILLS = RELIABILITY.crashKills;
const OUTAGES = RELIABILITY.crashOutages;
/** Start-up on a loaded box (load average 20 on 2 cores seen) can take tens of seconds: a slow start is not a loss. */
const START_TIMEOUT_MS = 90_000;
const BEDS = 6;
/** Per device: under the broker's 50 messages/s limit so that every sample is taken. */
const SAMPLES_PER_SECOND = 25;

describe(`crash consistency: ${KILLS} SIGKILLs of the real gateway under load`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wg-crash-'));
  const list = beds(BEDS);
  let upstream: Mosquitto | undefined;
  let central: MqttClient | undefined;
  let gw: GatewayProcess | undefined;
  const devices: MqttClient[] = [];
  let observer: MqttClient | undefined;
  let running = true;
  /** Once set, every device sends normal vitals so that every alarm episode can end. */
  let settling = false;

  afterAll(async () => {
    running = false;
    for (const d of devices) d.end(true);
    observer?.end(true);
    central?.end(true);
    await gw?.kill();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the database intact and every published alarm and its incident across every kill', async () => {
    upstream = await startMosquitto(join(dir, 'mosquitto'), { 'gw-rel': 'gw-secret', central: 'central-secret' });
    const received = new Set<string>();
    const events = new Map<string, { incidentId: string; incidentSeq: number; type: string; alarmId: string }>();
    central = mqtt.connect(upstream.url, { username: 'central', password: 'central-secret', clientId: 'central-crash', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 200 });
    await new Promise<void>((resolve, reject) => {
      central!.once('connect', () => resolve());
      central!.once('error', reject);
    });
    central.on('message', (_t, p) => {
      const m = JSON.parse(p.toString()) as { eventId?: string; incident?: { incidentId: string; incidentSeq: number; type: string; alarmId: string }; events?: Array<{ eventId: string }> };
      if (m.eventId) received.add(m.eventId);
      if (m.eventId && m.incident) events.set(m.eventId, m.incident);
      for (const e of m.events ?? []) received.add(e.eventId);
    });
    await central.subscribeAsync('wardgate/+/+/+/incidents', { qos: 1 });

    const brokerPort = await freePort();
    const screenPort = await freePort();
    const config = gatewayConfig(dir, list, {
      broker: { port: brokerPort },
      sync: { enabled: true, transport: 'mqtt', mqtt: { url: upstream.url, username: 'gw-rel', password: 'gw-secret', protocolVersion: 5 }, retryMinMs: 100, retryMaxMs: 1000 },
    });
    (config.screen as Record<string, unknown>).port = screenPort;
    // An incident closes 2 s after its alarms clear, so that episodes end within the run.
    config.rules = { incidents: { rejoinWindowSeconds: 2 } };
    const configPath = writeConfig(dir, config);
    const dbPath = join(dir, 'data', 'wardgate.db');
    const bedIds = list.map((b) => b.bed);

    gw = await startGatewayProcess(configPath, {}, START_TIMEOUT_MS);
    await enterManualInputs(screenPort, bedIds);
    let alarms: AlarmMessage[];
    ({ client: observer, alarms } = await collectAlarms(brokerPort));

    // Load: every device sends SAMPLES_PER_SECOND samples/s; each bed's heart rate goes high for a while and back,
    // so alarms raise, latch, retrigger and clear all through the run.
    let sent = 0;
    for (const b of list) {
      const c = await connectMqtt(brokerPort, { username: b.device, password: b.password, clientId: b.device, reconnectPeriod: 100 });
      devices.push(c);
      const phase = Math.floor(Math.random() * 40);
      let n = 0;
      const loop = async () => {
        while (running) {
          n += 1;
          const high = !settling && (n + phase) % 40 < 12;
          if (c.connected) {
            c.publish(`vitals/${b.device}`, JSON.stringify({ t: Date.now(), seq: n, hr: high ? 160 : 75, spo2: high ? 86 : 97, rr: 16, temp: 36.8, sbp: 122, dbp: 78 }), { qos: 1 });
            sent += 1;
          }
          await sleep(1000 / SAMPLES_PER_SECOND);
        }
      };
      void loop();
    }

    const restartMs: number[] = [];
    const killedAfterMs: number[] = [];
    let checkedAlarms = 0;
    let outages = 0;
    const outageMs: number[] = [];
    const outageEvery = Math.max(1, Math.floor(KILLS / OUTAGES));
    for (let k = 0; k < KILLS; k++) {
      // The upstream goes away before this kill and comes back after the restart: the outbox holds what was
      // committed meanwhile, across the crash.
      const outage = outages < OUTAGES && k % outageEvery === Math.floor(outageEvery / 2);
      const outageStart = performance.now();
      if (outage) {
        outages += 1;
        await upstream.stop();
      }
      const after = 200 + Math.floor(Math.random() * 1300);
      killedAfterMs.push(after);
      await sleep(after);
      await gw.kill();
      const t0 = performance.now();
      gw = await startGatewayProcess(configPath, {}, START_TIMEOUT_MS);
      restartMs.push(performance.now() - t0);
      await enterManualInputs(screenPort, bedIds);
      if (outage) {
        await sleep(500);
        await upstream.restart();
        outageMs.push(performance.now() - outageStart);
      }

      const db = new Database(dbPath, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true }), `integrity after kill ${k + 1}`).toBe('ok');
        const events = new Set((db.prepare('SELECT alarm_id, transition, at FROM alarm_events').all() as Array<{ alarm_id: string; transition: string; at: number }>).map((r) => `${r.alarm_id} ${r.transition} ${r.at}`));
        const alarmIds = new Set((db.prepare('SELECT id FROM alarms').all() as Array<{ id: string }>).map((r) => r.id));
        const outbox = new Map<string, Array<{ id: string; delivered: boolean }>>();
        for (const r of db.prepare('SELECT id, incident_id, delivered_at FROM outbox_deliveries').all() as Array<{ id: string; incident_id: string; delivered_at: number | null }>) {
          outbox.set(r.incident_id, [...(outbox.get(r.incident_id) ?? []), { id: r.id, delivered: r.delivered_at !== null }]);
        }
        const seen = [...alarms];
        for (const a of seen) {
          expect(events.has(`${a.id} ${a.transition} ${(a as unknown as { at: number }).at}`), `alarm ${a.id} ${a.transition} published before kill ${k + 1} is in alarm_events`).toBe(true);
          expect(alarmIds.has(a.id), `alarm ${a.id} in alarms`).toBe(true);
          expect(outbox.get(a.incidentId)?.length ?? 0, `incident ${a.incidentId} in the outbox`).toBeGreaterThan(0);
        }
        checkedAlarms = seen.length;
      } finally {
        db.close();
      }
    }

    // Settle: normal vitals, the nurse acknowledges what is still shown, every incident closes and the outbox
    // empties to mosquitto; the central then holds every delivered event exactly as written.
    settling = true;
    const pending = () => {
      const db = new Database(dbPath, { readonly: true });
      try {
        const p = (db.prepare('SELECT COUNT(*) AS n FROM outbox_deliveries WHERE delivered_at IS NULL').get() as { n: number }).n;
        const open = (db.prepare("SELECT COUNT(*) AS n FROM incidents WHERE status <> 'closed'").get() as { n: number }).n;
        return { undelivered: p, openIncidents: open };
      } finally {
        db.close();
      }
    };
    await waitFor(async () => {
      await acknowledgeEverything(screenPort);
      const s = pending();
      return s.undelivered === 0 && s.openIncidents === 0;
    }, 180_000, () => `every incident to close and the outbox to drain: ${JSON.stringify(pending())}`);
    const db = new Database(dbPath, { readonly: true });
    const delivered = (db.prepare('SELECT id FROM outbox_deliveries WHERE delivered_at IS NOT NULL').all() as Array<{ id: string }>).map((r) => r.id);
    const alarmRows = (db.prepare('SELECT COUNT(*) AS n FROM alarm_events').get() as { n: number }).n;
    const storedAlarmIds = [...new Set((db.prepare('SELECT alarm_id FROM alarm_events').all() as Array<{ alarm_id: string }>).map((r) => r.alarm_id))];
    const incidents = db.prepare('SELECT id, status, last_seq FROM incidents').all() as Array<{ id: string; status: string; last_seq: number }>;
    const observations = (db.prepare('SELECT COUNT(*) AS n FROM observation_readings').get() as { n: number }).n;
    const integrity = db.pragma('integrity_check', { simple: true });
    db.close();
    await waitFor(() => delivered.every((id) => received.has(id)), 60_000, 'the central to hold every delivered event');

    const seqs = new Map<string, Set<number>>();
    const closedUpstream = new Set<string>();
    for (const e of events.values()) {
      seqs.set(e.incidentId, (seqs.get(e.incidentId) ?? new Set()).add(e.incidentSeq));
      if (e.type === 'closed') closedUpstream.add(e.incidentId);
    }
    const alarmIdsUpstream = new Set([...events.values()].map((e) => e.alarmId));
    const withGap = incidents.filter((i) => Array.from({ length: i.last_seq }, (_, j) => j + 1).some((q) => !seqs.get(i.id)?.has(q))).map((i) => i.id);
    const lostClosing = incidents.filter((i) => !closedUpstream.has(i.id)).map((i) => i.id);
    const alarmsNotUpstream = storedAlarmIds.filter((id) => !alarmIdsUpstream.has(id));

    const sorted = [...restartMs].sort((a, b) => a - b);
    figure('crash: kills', KILLS);
    figure('crash: samples offered', sent);
    figure('crash: observations stored', observations);
    figure('crash: alarms published on alarms/# and found in the store', checkedAlarms);
    figure('crash: alarm_events rows', alarmRows);
    figure('crash: outbox rows delivered to mosquitto and received by the central', delivered.length);
    figure('crash: restart to ready median', sorted[Math.floor(sorted.length / 2)]!, 'ms');
    figure('crash: restart to ready max', sorted[sorted.length - 1]!, 'ms');
    figure('crash: upstream outages (each across a kill) / longest', `${outages} / ${Math.round(Math.max(0, ...outageMs))} ms`);
    figure('crash: incidents (all closed) / incident events at the central', `${incidents.length} / ${events.size}`);
    figure('crash: incidents with a gap upstream / without their closing event upstream / alarms with no event upstream', `${withGap.length} / ${lostClosing.length} / ${alarmsNotUpstream.length}`);
    figure('crash: final integrity_check', String(integrity));
    expect(integrity).toBe('ok');
    expect(outages).toBe(OUTAGES);
    expect(checkedAlarms).toBeGreaterThan(KILLS);
    expect(delivered.length).toBeGreaterThan(0);
    expect(incidents.length).toBeGreaterThan(KILLS / 2);
    expect(withGap).toEqual([]);
    expect(lostClosing).toEqual([]);
    expect(alarmsNotUpstream).toEqual([]);
  }, 300_000 + KILLS * 30_000);
});
