/**
 * The upgrade that moved delivery marks into their own table (migration 7): a store of the release before, with
 * delivered and undelivered incident events, sends exactly the undelivered ones to mosquitto after the upgrade,
 * each once, in gateway order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/store/database.js';
import { MIGRATIONS } from '../../gateway/store/migrations.js';
import { Store } from '../../gateway/store/store.js';
import { MqttUpstream } from '../../sync/mqtt-upstream.js';
import { upstreamTopics } from '../../sync/wire.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { connectMqtt } from './gateway-harness.js';
import { captureLogger, commitIncidents, sleep, waitFor } from './helpers.js';

const who = { gatewayId: 'gw-upgrade', site: 'site', ward: 'ward', version: 'test' };

describe('upgrade to delivery marks in their own table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-sync-upgrade-'));
  let broker: Mosquitto;
  let sub: MqttClient;
  let upstream: MqttUpstream | undefined;
  let store: Store | undefined;

  beforeAll(async () => {
    broker = await startMosquitto(join(dir, 'mosquitto'), { [who.gatewayId]: 'gw-secret', central: 'central-secret' });
  });

  afterAll(async () => {
    await upstream?.stop();
    store?.close();
    sub?.end(true);
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a release-6 store with delivered and undelivered events drains exactly the undelivered ones', async () => {
    // Real incident-event bodies, written by this release into a scratch store ...
    const scratch = new Store(join(dir, 'scratch'));
    commitIncidents(scratch, who, 12, 3);
    const rows = scratch.db.prepare('SELECT gw_seq, id, kind, incident_id, incident_seq, created_at, body FROM outbox ORDER BY gw_seq').all() as Array<Record<string, unknown>>;
    scratch.close();
    // ... copied into a store of the release before, which had delivered every third one (and the first four).
    const old = openDatabase(join(dir, 'gw'), 'wardgate.db', MIGRATIONS.filter((m) => m.version <= 6));
    const insert = old.db.prepare('INSERT INTO outbox (gw_seq, id, kind, incident_id, incident_seq, created_at, body, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const undelivered: string[] = [];
    rows.forEach((r, i) => {
      const delivered = i < 4 || i % 3 === 0;
      insert.run(r.gw_seq, r.id, r.kind, r.incident_id, r.incident_seq, r.created_at, r.body, delivered ? 1000 + i : null);
      if (!delivered) undelivered.push(String(r.id));
    });
    old.db.prepare("INSERT INTO meta (key, value) VALUES ('seq', ?)").run(String(rows.at(-1)!.gw_seq));
    old.db.close();
    expect(undelivered).toHaveLength(6);

    const received: string[] = [];
    sub = await connectMqtt(broker.url, { username: 'central', password: 'central-secret', protocolVersion: 5 });
    sub.on('message', (_t, p) => received.push((JSON.parse(p.toString()) as { eventId: string }).eventId));
    await sub.subscribeAsync('wardgate/+/+/+/incidents', { qos: 1 });

    store = new Store(join(dir, 'gw'));
    expect(store.migrated).toEqual([7]);
    expect(store.outboxStats().depth).toBe(6);
    const { log } = captureLogger();
    const topics = upstreamTopics('wardgate', who);
    upstream = new MqttUpstream({
      url: broker.url, username: who.gatewayId, password: 'gw-secret', clientId: 'gw-upgrade',
      topics: { incidents: topics.incidents, status: topics.status, heartbeat: topics.heartbeat, down: topics.down },
      outbox: store.outbox, maxInFlight: 2, batchSize: 2, retryMinMs: 200, retryMaxMs: 1000, log, onDownlink: () => undefined, statusPayload: (s) => JSON.stringify({ s }),
    });
    upstream.start();
    await waitFor(() => store!.outboxStats().depth === 0, 10_000, 'drained');
    await waitFor(() => received.length >= undelivered.length, 5000, 'all received');
    await sleep(300); // anything sent twice, or sent though delivered before, would arrive by now
    expect(received).toEqual(undelivered);
    // The new marks went to the narrow table; the release before would see these as pending (see docs/operations.md).
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM outbox_delivered').get()).toEqual({ n: 12 });
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM outbox_deliveries WHERE delivered_at IS NULL').get()).toEqual({ n: 0 });
  });
});
