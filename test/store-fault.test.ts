import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers/wait.js';
import { parseConfig } from '../config/load.js';
import { Gateway } from '../gateway/daemon.js';

describe('a failing store never silences an alarm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-storefault-'));
  const config = parseConfig(
    {
      gateway: { id: 'gw-sf' },
      dataDir: join(dir, 'data'),
      broker: { port: 0, users: [{ username: 'nc', password: 'nc-pw', subscribe: ['alarms/#'] }] },
      screen: { port: 0 },
      beds: [{ id: 'bed-1', overrides: { spo2: { delaySeconds: 0 } } }],
      devices: [{ id: 'w1', bed: 'bed-1', transport: 'mqtt', password: 'pw' }],
      sync: { enabled: false },
    },
    'test',
  );
  const gw = new Gateway({ config, log: pino({ level: 'silent' }) });

  afterAll(async () => {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the physiological alarm and raises store-fault on alarms/gateway; clears it when the store recovers', async () => {
    await gw.start();
    const alarms: Array<{ bed: string; condition: string; state: string; kind: string }> = [];
    const sub = mqtt.connect(`mqtt://127.0.0.1:${gw.broker.port}`, { username: 'nc', password: 'nc-pw', protocolVersion: 4 });
    sub.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as never));
    await new Promise<void>((r) => sub.once('connect', () => r()));
    await sub.subscribeAsync('alarms/#', { qos: 1 });
    const dev = mqtt.connect(`mqtt://127.0.0.1:${gw.broker.port}`, { username: 'w1', password: 'pw', protocolVersion: 4 });
    await new Promise<void>((r) => dev.once('connect', () => r()));

    const real = gw.store.commitAlarmChange.bind(gw.store);
    gw.store.commitAlarmChange = () => {
      throw new Error('SQLITE_IOERR: disk I/O error');
    };
    dev.publish('vitals/w1', JSON.stringify({ spo2: 80 }), { qos: 1 });
    await waitFor(() => alarms.some((a) => a.bed === 'bed-1' && a.condition === 'spo2-low' && a.state === 'active'), 5000, 'spo2-low active');
    await waitFor(() => alarms.some((a) => a.bed === 'gateway' && a.condition === 'store-fault' && a.state === 'active' && a.kind === 'technical'), 5000, 'store-fault active');
    expect(gw.counters.storeFailures).toBeGreaterThan(0);

    gw.store.commitAlarmChange = real;
    dev.publish('vitals/w1', JSON.stringify({ spo2: 97 }), { qos: 1 });
    await waitFor(() => alarms.some((a) => a.condition === 'store-fault' && a.state !== 'active'), 5000, 'store-fault no longer active');
    sub.end(true);
    dev.end(true);
  });

  it('a full disk (SQLITE_FULL) never crashes the daemon; what could not be committed is committed once space is back', async () => {
    const alarms: Array<{ id: string; bed: string; condition: string; state: string; incidentId: string }> = [];
    const sub = mqtt.connect(`mqtt://127.0.0.1:${gw.broker.port}`, { username: 'nc', password: 'nc-pw', protocolVersion: 4 });
    sub.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as never));
    await new Promise<void>((r) => sub.once('connect', () => r()));
    await sub.subscribeAsync('alarms/#', { qos: 1 });
    const dev = mqtt.connect(`mqtt://127.0.0.1:${gw.broker.port}`, { username: 'w1', password: 'pw', protocolVersion: 4 });
    await new Promise<void>((r) => dev.once('connect', () => r()));
    const db = gw.store.db;
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`); // the disk is full from now on
    for (let i = 0; i < 120; i++) dev.publish('vitals/w1', JSON.stringify({ spo2: 97, hr: 70 + (i % 5), rr: 15, temp: 36.8, sbp: 120, dbp: 80 }), { qos: 0 });
    dev.publish('events/w1', JSON.stringify({ event: 'fall' }), { qos: 1 });
    await waitFor(() => alarms.some((a) => a.condition === 'fall' && a.state === 'active'), 5000, 'fall active');
    await waitFor(() => alarms.some((a) => a.condition === 'store-fault' && a.state === 'active'), 5000, 'store-fault active');
    const raised = alarms.find((a) => a.condition === 'fall' && a.state === 'active')!;
    expect(db.prepare('SELECT COUNT(*) AS n FROM alarms WHERE id = ?').get(raised.id)).toEqual({ n: 0 });

    db.pragma('max_page_count = 1073741823'); // space is back
    await waitFor(() => alarms.some((a) => a.condition === 'store-fault' && a.state !== 'active'), 8000, 'store-fault no longer active');
    expect(db.prepare('SELECT state FROM alarms WHERE id = ?').get(raised.id)).toEqual({ state: 'active' });
    expect((db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE incident_id = ?').get(raised.incidentId) as { n: number }).n).toBeGreaterThan(0);
    expect(gw.isReady).toBe(true);
    sub.end(true);
    dev.end(true);
  });
});
