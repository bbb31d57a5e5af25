import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGatewayProcess, writeConfig, type GatewayProcess } from './helpers/gateway-process.js';
import { startMosquitto, type Mosquitto } from './helpers/mosquitto.js';
import { waitFor } from './helpers/wait.js';
import { connectMqtt, wardConfig } from './helpers/ward-config.js';

interface Received {
  eventId: string;
  gatewaySeq: number;
  incident: { incidentId: string; incidentSeq: number; type: string; bed: string; condition: string };
}

describe('gateway end to end: MQTT vitals -> alarm on alarms/# and WebSocket -> incident on mosquitto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-e2e-'));
  let upstream: Mosquitto;
  let central: MqttClient;
  const received: Received[] = [];
  let configPath: string;
  let gw: GatewayProcess;

  beforeAll(async () => {
    upstream = await startMosquitto(join(dir, 'mosquitto'), { 'gw-e2e': 'gw-secret', central: 'central-secret' });
    central = await connectMqtt(upstream.url, { username: 'central', password: 'central-secret', clientId: 'central-e2e', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 600 } });
    central.on('message', (_t, payload) => received.push(JSON.parse(payload.toString()) as Received));
    await central.subscribeAsync('wardgate/+/+/+/incidents', { qos: 1 });
    configPath = writeConfig(
      dir,
      wardConfig(dir, {
        gateway: { id: 'gw-e2e', site: 'test-site', ward: 'ward-e2e' },
        nurseCall: { username: 'nursecall', password: 'nc-secret' },
        beds: [{ id: 'bed-1', profile: 'adult', overrides: { hr: { delaySeconds: 0 } } }],
        devices: [{ id: 'wear-1', bed: 'bed-1', transport: 'mqtt', password: 'dev-secret', maxSilenceSeconds: 60 }],
        upstream: { url: upstream.url, username: 'gw-e2e', password: 'gw-secret' },
      }),
    );
    gw = await startGatewayProcess(configPath);
  });

  afterAll(async () => {
    await gw?.kill();
    central?.end(true);
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('raises the alarm on alarms/<bed> and the screen WebSocket, syncs the incident, survives a restart without loss or duplicates', async () => {
    const brokerUrl = `mqtt://127.0.0.1:${gw.brokerPort}`;
    const alarms: Array<Record<string, unknown>> = [];
    const subscriber = await connectMqtt(brokerUrl, { username: 'nursecall', password: 'nc-secret', protocolVersion: 4 });
    subscriber.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as Record<string, unknown>));
    await subscriber.subscribeAsync('alarms/#', { qos: 1 });

    const login = await fetch(`http://127.0.0.1:${gw.screenPort}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'n1', pin: '2468' }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly/);
    const wsMessages: Array<{ type: string; alarm?: Record<string, unknown> }> = [];
    const ws = new WebSocket(`ws://127.0.0.1:${gw.screenPort}/ws`, { headers: { cookie } });
    ws.on('message', (m) => wsMessages.push(JSON.parse(m.toString()) as { type: string }));
    await waitFor(() => wsMessages.find((m) => m.type === 'snapshot'), 5000, 'snapshot');

    const device = await connectMqtt(brokerUrl, { username: 'wear-1', password: 'dev-secret', protocolVersion: 4 });
    device.publish('vitals/wear-1', JSON.stringify({ t: Date.now(), seq: 1, hr: 150, spo2: 97, rr: 16 }), { qos: 1 });

    const alarm = await waitFor(() => alarms.find((a) => a.condition === 'hr-high' && a.state === 'active'), 10_000, 'hr-high on alarms/#');
    expect(alarm).toMatchObject({ bed: 'bed-1', priority: 'high', state: 'active', sourceSeq: 1 });
    for (const k of ['id', 'bed', 'condition', 'priority', 'state', 'sourceTs', 'sourceSeq', 'raisedAt']) expect(alarm).toHaveProperty(k);
    await waitFor(() => wsMessages.find((m) => m.type === 'alarm' && m.alarm?.id === alarm.id), 5000, 'alarm on WebSocket');
    const opened = await waitFor(() => received.find((r) => r.incident.condition === 'hr-high' && r.incident.type === 'opened'), 10_000, 'incident upstream');
    expect(opened.incident.bed).toBe('bed-1');
    expect(opened.incident.incidentId).toBe(alarm.incidentId);

    // A graceful restart: SIGTERM exits 0 within 5 s.
    ws.close();
    const t0 = Date.now();
    expect(await gw.stop('SIGTERM')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    gw = await startGatewayProcess(configPath);

    // The alarm is still active after the restart; a normal value clears it.
    const device2 = await connectMqtt(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'wear-1', password: 'dev-secret', protocolVersion: 4 });
    for (let i = 0; i < 3; i++) device2.publish('vitals/wear-1', JSON.stringify({ seq: 10 + i, hr: 80 }), { qos: 1 });
    await waitFor(() => received.find((r) => r.incident.incidentId === opened.incident.incidentId && r.incident.incidentSeq > 1), 15_000, 'a later event of the same incident');

    // Every outbox row reached the centre once; no eventId twice; per-incident sequences have no gap.
    await new Promise((r) => setTimeout(r, 500));
    const db = new Database(join(dir, 'data', 'wardgate.db'), { readonly: true });
    const rows = db.prepare('SELECT id, delivered_at FROM outbox_deliveries ORDER BY gw_seq').all() as Array<{ id: string; delivered_at: number | null }>;
    db.close();
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.every((r) => r.delivered_at !== null)).toBe(true);
    const ids = received.map((r) => r.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(rows.map((r) => r.id)));
    const byIncident = new Map<string, number[]>();
    for (const r of received) byIncident.set(r.incident.incidentId, [...(byIncident.get(r.incident.incidentId) ?? []), r.incident.incidentSeq]);
    for (const seqs of byIncident.values()) expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    subscriber.end(true);
    device.end(true);
    device2.end(true);
  });

  it('sends what was committed while the upstream was down, after a SIGKILL and restart', async () => {
    await upstream.stop();
    const device = await connectMqtt(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'wear-1', password: 'dev-secret', protocolVersion: 4 });
    device.publish('vitals/wear-1', JSON.stringify({ seq: 100, hr: 30 }), { qos: 1 });
    await gw.waitForLog((l) => l.msg === 'alarm' && l.condition === 'hr-low', 10_000);
    device.end(true);
    await gw.kill();
    await upstream.restart();
    gw = await startGatewayProcess(configPath);
    const got = await waitFor(() => received.find((r) => r.incident.condition === 'hr-low' && r.incident.type === 'opened'), 20_000, 'hr-low incident after restart');
    expect(got.incident.bed).toBe('bed-1');
  });

  it('drops bad payloads, unknown devices and foreign topics without affecting others', async () => {
    const url = `mqtt://127.0.0.1:${gw.brokerPort}`;
    await expect(connectMqtt(url, { username: 'wear-1', password: 'wrong', protocolVersion: 4, reconnectPeriod: 0 })).rejects.toThrow();
    const device = await connectMqtt(url, { username: 'wear-1', password: 'dev-secret', protocolVersion: 4 });
    device.publish('vitals/wear-1', 'not json', { qos: 1 });
    device.publish('vitals/wear-1', JSON.stringify({ hr: 'fast' }), { qos: 1 });
    await gw.waitForLog((l) => l.msg === 'ingest: bad frame dropped', 5000);
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish('vitals/other-device', JSON.stringify({ hr: 70 }), { qos: 1 });
    await closed;
    device.end(true);
  });
});

describe('a wearable reconnecting under a new client id', () => {
  it('MQTT sessions opening and closing change no device state and raise no alarm; data makes it connected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wardgate-sessions-'));
    const config = writeConfig(dir, {
      dataDir: join(dir, 'data'),
      broker: { port: 0, users: [{ username: 'nc', password: 'nc-pw', subscribe: ['alarms/#'] }] },
      screen: { port: 0 },
      beds: [{ id: 'bed-1' }],
      devices: [{ id: 'w1', bed: 'bed-1', transport: 'mqtt', password: 'pw' }],
      sync: { enabled: false },
    });
    const gw = await startGatewayProcess(config);
    try {
      const url = `mqtt://127.0.0.1:${gw.brokerPort}`;
      const a = await connectMqtt(url, { username: 'w1', password: 'pw', clientId: 'w1-a', protocolVersion: 4 });
      const b = await connectMqtt(url, { username: 'w1', password: 'pw', clientId: 'w1-b', protocolVersion: 4 });
      await new Promise<void>((r) => a.end(false, {}, () => r()));
      b.publish('vitals/w1', JSON.stringify({ hr: 72 }), { qos: 1 });
      await new Promise((r) => setTimeout(r, 500));
      const states = () => gw.logs.filter((l) => l.msg === 'device: connection state' && l.deviceId === 'w1').map((l) => l.state);
      expect(states()).toEqual(['connected']);
      expect(gw.logs.some((l) => l.msg === 'alarm' && l.condition === 'device-disconnected')).toBe(false);
      await new Promise<void>((r) => b.end(false, {}, () => r()));
      // its last session closed: still nothing (the device is lost only when its data stops, maxSilenceSeconds)
      await new Promise((r) => setTimeout(r, 500));
      expect(states()).toEqual(['connected']);
      expect(gw.logs.some((l) => l.msg === 'alarm')).toBe(false);
    } finally {
      await gw.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
