import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../gateway/store/store.js';
import { MqttUpstream } from '../../sync/mqtt-upstream.js';
import { upstreamTopics } from '../../sync/wire.js';
import { freePort } from '../helpers/ports.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { connectMqtt } from './gateway-harness.js';
import { captureLogger, commitIncidents, makePki, waitFor, type TestPki } from './helpers.js';

const who = { gatewayId: 'gw-tls', site: 'site', ward: 'ward', version: 'test' };

describe('mutual TLS to mosquitto with certificates made by openssl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-sync-tls-'));
  let pki: TestPki;
  let broker: Mosquitto;
  let tlsPort: number;
  const upstreams: MqttUpstream[] = [];
  const stores: Store[] = [];

  beforeAll(async () => {
    pki = makePki(join(dir, 'pki'));
    tlsPort = await freePort();
    broker = await startMosquitto(join(dir, 'mosquitto'), { 'gw-tls': 'gw-secret', central: 'central-secret' }, [
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${pki.ca}`,
      `certfile ${pki.serverCert}`,
      `keyfile ${pki.serverKey}`,
      'require_certificate true',
    ].join('\n'));
  });

  afterAll(async () => {
    for (const u of upstreams) await u.stop();
    for (const s of stores) s.close();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function upstream(name: string, tls: { ca: string; cert: string; key: string }) {
    const store = new Store(join(dir, name));
    stores.push(store);
    const { log, lines } = captureLogger();
    const topics = upstreamTopics('wardgate', who);
    const u = new MqttUpstream({
      url: `mqtts://localhost:${tlsPort}`, username: 'gw-tls', password: 'gw-secret', clientId: `gw-tls-${name}`, ...tls,
      topics: { incidents: topics.incidents, status: topics.status, heartbeat: topics.heartbeat, down: topics.down },
      outbox: store.outbox,
      maxInFlight: 10, retryMinMs: 200, retryMaxMs: 1000, log, onDownlink: () => undefined, statusPayload: (s) => JSON.stringify({ s }),
    });
    upstreams.push(u);
    return { store, u, lines };
  }

  it('with the right client certificate, incidents are delivered over TLS', async () => {
    const received: string[] = [];
    const sub = await connectMqtt(broker.url, { username: 'central', password: 'central-secret', protocolVersion: 5 });
    sub.on('message', (_t, p) => received.push((JSON.parse(p.toString()) as { eventId: string }).eventId));
    await sub.subscribeAsync('wardgate/+/+/+/incidents', { qos: 1 });
    const { store, u, lines } = upstream('good', { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
    commitIncidents(store, who, 5, 2);
    u.start();
    await waitFor(() => store.outboxStats().depth === 0, 10_000, 'delivered over TLS');
    await waitFor(() => received.length >= 5, 5000, 'subscriber got them');
    expect(lines.some((l) => l.msg === 'upstream: connected')).toBe(true);
    sub.end(true);
  });

  it('a client certificate from another CA is refused by the broker, with a clear log line, and nothing is marked delivered', async () => {
    const { store, u, lines } = upstream('rogue', { ca: pki.ca, cert: pki.rogueCert, key: pki.rogueKey });
    commitIncidents(store, who, 3, 1);
    u.start();
    const line = await waitFor(() => lines.find((l) => l.msg === 'upstream: TLS certificate refused'), 10_000, 'refusal log line');
    expect(line).toMatchObject({ refusedBy: 'server', level: 50 });
    expect(String(line.reason)).toMatch(/client certificate refused/);
    expect(store.outboxStats().depth).toBe(3);
    expect(lines.some((l) => l.msg === 'upstream: connected')).toBe(false);
  });

  it('a server certificate the gateway does not trust is refused by the gateway, with a clear log line', async () => {
    const { store, u, lines } = upstream('untrusted', { ca: pki.rogueCa, cert: pki.clientCert, key: pki.clientKey });
    commitIncidents(store, who, 2, 1);
    u.start();
    const line = await waitFor(() => lines.find((l) => l.msg === 'upstream: TLS certificate refused'), 10_000, 'refusal log line');
    expect(line).toMatchObject({ refusedBy: 'gateway' });
    expect(String(line.reason)).toMatch(/server certificate not trusted/);
    expect(store.outboxStats().depth).toBe(2);
  });
});
