import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Central } from '../../simulator/central/central.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { BEDS, connectMqtt, gatewayConfig } from './gateway-harness.js';
import { sleep, waitFor } from './helpers.js';

const KILLS = 20;

describe(`SIGKILL the gateway at random moments under load, ${KILLS} times`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-sync-kill-'));
  let upstream: Mosquitto;
  let central: Central;
  let gw: GatewayProcess | undefined;
  /** incidentId of every alarm the gateway published on alarms/#. */
  const alarmIncidents = new Set<string>();
  let alarmsSeen = 0;

  beforeAll(async () => {
    upstream = await startMosquitto(join(dir, 'mosquitto'), { gw: 'gw-secret', central: 'central-secret' });
    central = new Central({ url: upstream.url, username: 'central', password: 'central-secret', dbPath: join(dir, 'central.db'), clientId: 'central-kill', assignDelayMs: 50, progressDelayMs: 100 });
    await central.start();
  });

  afterAll(async () => {
    await gw?.kill();
    await central?.stop();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function runUnderLoad(g: GatewayProcess, ms: number): Promise<void> {
    const url = `mqtt://127.0.0.1:${g.brokerPort}`;
    const clients: MqttClient[] = [];
    try {
      const listener = await connectMqtt(url, { username: 'nursecall', password: 'nc-secret', protocolVersion: 4, reconnectPeriod: 0 });
      clients.push(listener);
      listener.on('message', (_t, p) => {
        alarmsSeen += 1;
        alarmIncidents.add((JSON.parse(p.toString()) as { incidentId: string }).incidentId);
      });
      await listener.subscribeAsync('alarms/#', { qos: 1 });
      for (let i = 0; i < BEDS.length; i++) clients.push(await connectMqtt(url, { username: `wear-${i + 1}`, password: 'dev-secret', protocolVersion: 4, reconnectPeriod: 0 }));
      const cycle = [150, 80, 30, 80, 160, 75, 35, 90];
      const until = Date.now() + ms;
      let k = 0;
      while (Date.now() < until) {
        clients.slice(1).forEach((d, i) => d.publish(`vitals/wear-${i + 1}`, JSON.stringify({ seq: k, hr: cycle[(k + i * 3) % cycle.length] }), { qos: 1 }));
        k += 1;
        await sleep(5);
      }
    } catch {
      // the gateway may already be gone; the kill is the point
    } finally {
      for (const c of clients) c.end(true);
    }
  }

  it('the centre ends up holding every event published or committed, with no gap, and the database is intact', async () => {
    const configPath = gatewayConfig(dir, upstream, 'gw-kill');
    for (let i = 0; i < KILLS; i++) {
      gw = await startGatewayProcess(configPath);
      const g = gw;
      const loadMs = 150 + Math.floor(Math.random() * 600);
      const killAt = 50 + Math.floor(Math.random() * loadMs);
      setTimeout(() => void g.kill(), killAt);
      await runUnderLoad(g, loadMs);
      await g.kill();
    }
    gw = await startGatewayProcess(configPath);
    const dbPath = join(dir, 'data', 'wardgate.db');
    const undelivered = () => {
      const db = new Database(dbPath, { readonly: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM outbox_deliveries WHERE delivered_at IS NULL').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    await waitFor(() => undelivered() === 0, 20_000, 'outbox drained after the last restart');
    expect(await gw.stop('SIGTERM')).toBe(0);
    gw = undefined;

    const db = new Database(dbPath);
    const rows = db.prepare('SELECT id, incident_id AS incidentId FROM outbox ORDER BY gw_seq').all() as Array<{ id: string; incidentId: string }>;
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    expect(alarmsSeen).toBeGreaterThan(KILLS);
    expect(rows.length).toBeGreaterThan(KILLS);
    await waitFor(() => central.countEvents() >= rows.length, 10_000, 'central caught up');
    const held = central.events();
    const heldIds = new Set(held.map((e) => e.eventId));
    expect(rows.filter((r) => !heldIds.has(r.id))).toEqual([]);
    expect(held.length).toBe(rows.length); // nothing the gateway did not commit
    const heldIncidents = new Set(held.map((e) => e.incidentId));
    expect([...alarmIncidents].filter((id) => !heldIncidents.has(id))).toEqual([]);
    expect(central.gaps()).toEqual([]);
  }, 110_000);
});
