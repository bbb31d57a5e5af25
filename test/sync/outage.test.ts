import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Central } from '../../simulator/central/central.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { connectMqtt, gatewayConfig, orderViolations, WireTap } from './gateway-harness.js';
import { sleep, waitFor } from './helpers.js';

function outbox(dir: string): Array<{ id: string; delivered: number | null; incidentId: string; incidentSeq: number }> {
  const db = new Database(join(dir, 'data', 'wardgate.db'), { readonly: true });
  try {
    return db.prepare('SELECT id, delivered_at AS delivered, incident_id AS incidentId, incident_seq AS incidentSeq FROM outbox_deliveries ORDER BY gw_seq').all() as never;
  } finally {
    db.close();
  }
}

describe('upstream outage: a burst while mosquitto is down arrives once each, in per-incident order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-sync-outage-'));
  let upstream: Mosquitto;
  let central: Central;
  let tap: WireTap;
  let gw: GatewayProcess;
  const devices: MqttClient[] = [];

  beforeAll(async () => {
    upstream = await startMosquitto(join(dir, 'mosquitto'), { gw: 'gw-secret', central: 'central-secret', tap: 'tap-secret' });
    central = new Central({ url: upstream.url, username: 'central', password: 'central-secret', dbPath: join(dir, 'central.db'), clientId: 'central-outage', assignDelayMs: 100, progressDelayMs: 200 });
    await central.start();
    tap = await WireTap.start(upstream.url, 'tap', 'tap-secret');
    gw = await startGatewayProcess(gatewayConfig(dir, upstream, 'gw-outage'), { WARDGATE_CLOCK_SYNCED: '0' });
  });

  afterAll(async () => {
    for (const d of devices) d.end(true);
    await gw?.kill();
    tap?.stop();
    await central?.stop();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('assignment and later status come back down and reach the screen', async () => {
    const login = await fetch(`http://127.0.0.1:${gw.screenPort}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'n1', pin: '2468' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const device = await connectMqtt(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'wear-1', password: 'dev-secret', protocolVersion: 4 });
    devices.push(device);
    device.publish('vitals/wear-1', JSON.stringify({ seq: 1, hr: 150 }), { qos: 1 });
    const assigned = await gw.waitForLog((l) => l.msg === 'sync: centre update' && l.status === 'ASSIGNED', 10_000);
    expect(assigned.assignedTo).toMatch(/^rn-/); // a physiological alarm goes to a nurse
    await gw.waitForLog((l) => l.msg === 'sync: centre update' && l.status === 'IN_PROGRESS' && l.incidentId === assigned.incidentId, 10_000);
    const state = (await (await fetch(`http://127.0.0.1:${gw.screenPort}/api/state`, { headers: { cookie } })).json()) as { central: Array<{ incidentId: string; status: string; assignedTo?: { id: string } }> };
    expect(state.central.find((c) => c.incidentId === assigned.incidentId)).toMatchObject({ status: 'IN_PROGRESS', assignedTo: { id: assigned.assignedTo } });
  });

  it('an admission from the centre binds the patient to the bed on the screen and in the next incident', async () => {
    const login = await fetch(`http://127.0.0.1:${gw.screenPort}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'n1', pin: '2468' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const beds = async () => ((await (await fetch(`http://127.0.0.1:${gw.screenPort}/api/state`, { headers: { cookie } })).json()) as { beds: Array<{ id: string; patient?: { id?: string; name?: string; initials?: string } }> }).beds;
    const bed = (await beds())[1]!.id;
    const who = { gatewayId: 'gw-outage', site: 'test-site', ward: 'ward-s' };
    central.admission(who, 'admit', bed, { id: 'MRN-7731', name: 'Test Patient' });
    central.admission(who, 'admit', bed, { id: 'MRN-7731', name: 'Test Patient' }); // a duplicate changes nothing
    // the screen's state follows patientDisplay (initials by default): neither the name nor the id, the initials
    await waitFor(async () => (await beds()).find((b) => b.id === bed)?.patient?.initials === 'T. P.', 10_000, 'patient on the bed');
    expect((await beds()).find((b) => b.id === bed)?.patient).toEqual({ initials: 'T. P.' });
    const device = await connectMqtt(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'wear-2', password: 'dev-secret', protocolVersion: 4 });
    device.publish('vitals/wear-2', JSON.stringify({ seq: 1, hr: 32 }), { qos: 1 }, () => device.end());
    const db = () => new Database(join(dir, 'data', 'wardgate.db'), { readonly: true });
    await waitFor(() => {
      const d = db();
      try {
        const row = d.prepare("SELECT body FROM outbox WHERE body LIKE '%hr-low%' AND body LIKE '%MRN-7731%'").get();
        return row !== undefined;
      } finally {
        d.close();
      }
    }, 10_000, 'an incident carrying the patient');
    central.admission(who, 'discharge', bed);
    await waitFor(async () => (await beds()).find((b) => b.id === bed)?.patient === undefined, 10_000, 'bed freed on discharge');
  });

  it('stop the broker, raise a burst, start it: every outbox event arrives, de-duplicated, in order; every message matches its schema', async () => {
    await upstream.stop();
    await gw.waitForLog((l) => l.msg === 'upstream: offline; incidents stay in the outbox', 5000);
    const before = outbox(dir).length;
    for (let i = 1; i <= 4; i++) {
      const d = await connectMqtt(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: `wear-${i}`, password: 'dev-secret', protocolVersion: 4 });
      devices.push(d);
    }
    const cycle = [150, 80, 30, 80, 160, 75, 35];
    for (let k = 0; k < 40; k++) {
      devices.slice(1).forEach((d, i) => d.publish(`vitals/wear-${i + 1}`, JSON.stringify({ seq: 100 + k, hr: cycle[(k + i) % cycle.length] }), { qos: 1 }));
      await sleep(15);
    }
    await sleep(500);
    const burst = outbox(dir).filter((r) => r.delivered === null).length;
    expect(outbox(dir).length - before).toBeGreaterThanOrEqual(20);
    expect(burst).toBeGreaterThanOrEqual(20);
    await upstream.restart();
    await waitFor(() => outbox(dir).every((r) => r.delivered !== null), 20_000, 'outbox drained');
    const rows = outbox(dir);
    await waitFor(() => central.countEvents() >= rows.length, 10_000, 'central holds every event');
    const held = central.events();
    expect(held.length).toBe(rows.length);
    expect(new Set(held.map((e) => e.eventId))).toEqual(new Set(rows.map((r) => r.id)));
    expect(orderViolations(held)).toEqual([]);
    expect(central.gaps()).toEqual([]);
    // Heartbeats and status flowed too, and every message on the wire matches the contract.
    await waitFor(() => (tap.counts.heartbeat ?? 0) >= 2, 5000, 'heartbeats');
    expect(tap.counts.status).toBeGreaterThanOrEqual(1);
    expect(tap.counts['incident-status']).toBeGreaterThanOrEqual(3);
    expect(tap.invalid).toEqual([]);
    expect(tap.counts['unknown-topic']).toBeUndefined();
  });
});
