import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../gateway/store/store.js';
import { MqttUpstream } from '../../sync/mqtt-upstream.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { captureLogger, waitFor } from './helpers.js';

describe('an event the broker will not take', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-refused-'));
  let broker: Mosquitto | undefined;
  afterAll(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is never skipped or marked delivered: the gateway reconnects with backoff and resends from it until the broker takes it', async () => {
    broker = await startMosquitto(join(dir, 'mosquitto'), { gw: 'gw-pw', central: 'c-pw' }, 'message_size_limit 2000');
    const received: string[] = [];
    const central = mqtt.connect(broker.url, { username: 'central', password: 'c-pw', protocolVersion: 5, clientId: 'c-refused', clean: false, properties: { sessionExpiryInterval: 600 } });
    central.on('message', (_t, p) => received.push((JSON.parse(p.toString()) as { n: string }).n));
    await new Promise<void>((r) => central.once('connect', () => r()));
    await central.subscribeAsync('t/incidents', { qos: 1 });

    const store = new Store(join(dir, 'gw'));
    const sizes = [10, 10, 5000, 10, 10]; // the third is over the broker's limit
    store.commitAlarmChange([], [], sizes.map((size, i) => ({ id: `e${i}`, kind: 'incident-event', createdAt: i, body: () => JSON.stringify({ n: `e${i}`, pad: 'x'.repeat(size) }) })));
    const { log, lines } = captureLogger();
    const u = new MqttUpstream({
      url: broker.url, username: 'gw', password: 'gw-pw', clientId: 'gw-refused', protocolVersion: 5,
      topics: { incidents: 't/incidents', status: 't/status', heartbeat: 't/hb', down: 't/down/#' },
      outbox: store.outbox,
      maxInFlight: 10, retryMinMs: 100, retryMaxMs: 400, ackTimeoutMs: 1500, log, onDownlink: () => undefined, statusPayload: (s) => JSON.stringify({ s }),
    });
    u.start();
    await waitFor(() => lines.some((l) => l.msg === 'upstream: delivery stuck; reconnecting to resend from the oldest undelivered event'), 10_000, 'the stuck delivery noticed');
    await new Promise((r) => setTimeout(r, 1000));
    // Events pipelined behind it may have reached the centre (it orders by incidentSeq and de-duplicates on
    // eventId), but the refused one is still undelivered and keeps being resent, never skipped.
    expect(received).not.toContain('e2');
    expect(store.pendingOutbox(10).map((r) => r.id)[0]).toBe('e2');
    const reconnects = lines.filter((l) => l.msg === 'upstream: delivery stuck; reconnecting to resend from the oldest undelivered event').length;
    expect(reconnects).toBeGreaterThanOrEqual(1);

    // The broker's limit is raised: everything goes through, in order, the first two once each or again.
    await broker.stop();
    const conf = join(broker.dir, 'mosquitto.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace('message_size_limit 2000', 'message_size_limit 0'));
    await broker.restart();
    await waitFor(() => store.pendingOutbox(10).length === 0, 15_000, 'all delivered');
    await waitFor(() => received.includes('e2'), 10_000, 'e2 at the centre');
    expect(new Set(received)).toEqual(new Set(['e0', 'e1', 'e2', 'e3', 'e4']));
    expect(received.filter((n) => n === 'e0')).toHaveLength(1);
    await u.stop();
    central.end(true);
    store.close();
  });
});
