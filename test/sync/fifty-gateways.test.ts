import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../gateway/store/store.js';
import { Central } from '../../simulator/central/central.js';
import { MqttUpstream } from '../../sync/mqtt-upstream.js';
import { statusMessage, upstreamTopics } from '../../sync/wire.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { captureLogger, commitIncidents, waitFor } from './helpers.js';
import { orderViolations } from './gateway-harness.js';

const GATEWAYS = 50;
const EVENTS = 40;

/**
 * 50 gateways at once against one mosquitto. They run in this one process (50 processes with a broker, a
 * screen and tsx each are too heavy for a 2-core CI runner): each has its own SQLite store, its own
 * MqttUpstream with its own MQTT 5 persistent session, client id, credentials-free topic prefix and backlog.
 */
describe(`${GATEWAYS} gateways syncing to one mosquitto at once`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-sync-50-'));
  let broker: Mosquitto;
  let central: Central;
  const stores: Store[] = [];
  const upstreams: MqttUpstream[] = [];

  afterAll(async () => {
    await Promise.all(upstreams.map((u) => u.stop()));
    for (const s of stores) s.close();
    await central?.stop();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every event of every gateway arrives once, in per-incident order', async () => {
    broker = await startMosquitto(join(dir, 'mosquitto'), { gw: 'gw-secret', central: 'central-secret' });
    central = new Central({ url: broker.url, username: 'central', password: 'central-secret', dbPath: join(dir, 'central.db'), clientId: 'central-50', assignDelayMs: 60_000 });
    await central.start();
    const { log } = captureLogger();
    for (let g = 0; g < GATEWAYS; g++) {
      const who = { gatewayId: `gw-${String(g).padStart(2, '0')}`, site: 'site', ward: `ward-${g % 10}`, version: 'test' };
      const store = new Store(join(dir, who.gatewayId));
      stores.push(store);
      commitIncidents(store, who, EVENTS, 8);
      const topics = upstreamTopics('wardgate', who);
      upstreams.push(new MqttUpstream({
        url: broker.url, username: 'gw', password: 'gw-secret', clientId: `wardgate-${who.gatewayId}`,
        topics: { incidents: topics.incidents, status: topics.status, heartbeat: topics.heartbeat, down: topics.down },
        outbox: store.outbox,
        maxInFlight: 20, retryMinMs: 100, retryMaxMs: 1000, log, onDownlink: () => undefined,
        statusPayload: (s) => JSON.stringify(statusMessage(who, s, { gatewaySeq: store.lastSeq, wallTime: Date.now(), clockSynced: true })),
      }));
    }
    for (const u of upstreams) u.start();
    await waitFor(() => stores.every((s) => s.outboxStats().depth === 0), 30_000, 'every outbox drained');
    await waitFor(() => central.countEvents() >= GATEWAYS * EVENTS, 10_000, 'central holds all');
    const held = central.events();
    expect(held.length).toBe(GATEWAYS * EVENTS);
    expect(new Set(held.map((e) => e.gatewayId)).size).toBe(GATEWAYS);
    expect(orderViolations(held)).toEqual([]);
    expect(central.gaps()).toEqual([]);
  });
});
