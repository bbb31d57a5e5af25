/**
 * 30 days before the upstream client certificate expires, the gateway says so in /metrics
 * (wardgate_upstream_client_cert_expiring 1, the notAfter timestamp) and on the ward screen (a notice in the health
 * data every screen receives); a renewed certificate clears it without a restart. An unsynchronised clock puts
 * the "what to do" sentence on the screen the same way. Certificates are made by openssl.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOCK_NOTICE, operatorNotices, watchClientCertificate } from '../gateway/health/operator-notices.js';
import { startGatewayProcess, writeConfig, type GatewayProcess } from './helpers/gateway-process.js';
import { freePort } from './helpers/ports.js';

const dir = mkdtempSync(join(tmpdir(), 'wg-cert-warn-'));
const pki = join(dir, 'pki');

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: pki, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

beforeAll(() => {
  mkdirSync(pki, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '400', '-subj', '/CN=hospital-ca']);
  for (const [name, days] of [['short', 12], ['long', 400]] as const) {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=gw-7a-1']);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', String(days)]);
  }
  copyFileSync(join(pki, 'short.crt'), join(pki, 'client.crt'));
  copyFileSync(join(pki, 'short.key'), join(pki, 'client.key'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('client certificate expiry watch', () => {
  it('gauges and a notice from 30 days before expiry; a renewed file clears them at the next scrape', async () => {
    const registry = new Registry();
    const path = join(dir, 'watched.crt');
    copyFileSync(join(pki, 'short.crt'), path);
    const watch = watchClientCertificate(path, registry);
    const scrape = async () => registry.metrics();
    expect(await scrape()).toMatch(/^wardgate_upstream_client_cert_expiring 1$/m);
    const ts = Number(/^wardgate_upstream_client_cert_expiry_timestamp_seconds (\d+)$/m.exec(await scrape())![1]);
    expect(ts * 1000 - Date.now()).toBeGreaterThan(11 * 86400_000);
    expect(ts * 1000 - Date.now()).toBeLessThan(13 * 86400_000);
    expect(operatorNotices('synchronised', watch)).toEqual([expect.stringMatching(/^Upstream client certificate expires on \d{4}-\d\d-\d\d \((11|12) days\): ask the central team/)]);
    copyFileSync(join(pki, 'long.crt'), path);
    expect(await scrape()).toMatch(/^wardgate_upstream_client_cert_expiring 0$/m);
    expect(operatorNotices('synchronised', watch)).toEqual([]);
    expect(operatorNotices('unsynchronised', watch)).toEqual([CLOCK_NOTICE]);
    // Expired: still 1, and the sentence says the link fails.
    expect(operatorNotices('synchronised', watch, Date.now() + 500 * 86400_000)[0]).toMatch(/EXPIRED on/);
    // No certificate configured: no gauge values, no notice.
    const none = new Registry();
    watchClientCertificate(undefined, none);
    expect(await none.metrics()).not.toMatch(/wardgate_upstream_client_cert/);
  });
});

describe('the running gateway', () => {
  let gw: GatewayProcess | undefined;
  afterAll(async () => gw?.kill());

  it('shows the certificate warning in /metrics and, with the clock advice, in the health data the screen gets', async () => {
    const config = writeConfig(dir, {
      gateway: { id: 'gw-7a-1', site: 'st-marys', ward: 'ward-7a' },
      dataDir: join(dir, 'data'),
      broker: { port: 0 },
      screen: { port: 0, readOnlyView: true },
      beds: [{ id: 'bed-1' }],
      devices: [{ id: 'w1', bed: 'bed-1', transport: 'mqtt', password: 'w1-pw' }],
      // Nothing listens there: the link stays offline, which changes nothing about the warning.
      sync: { enabled: true, mqtt: { url: `mqtts://127.0.0.1:${await freePort()}`, ca: join(pki, 'ca.crt'), cert: join(pki, 'client.crt'), key: join(pki, 'client.key') } },
      buzzer: { backend: 'none' },
    });
    gw = await startGatewayProcess(config, { WARDGATE_CLOCK_SYNCED: '0' });
    const metrics = await (await fetch(`http://127.0.0.1:${gw.screenPort}/metrics`)).text();
    expect(metrics).toMatch(/^wardgate_upstream_client_cert_expiring 1$/m);
    expect(metrics).toMatch(/^wardgate_upstream_client_cert_expiry_timestamp_seconds \d+$/m);

    const ws = new WebSocket(`ws://127.0.0.1:${gw.screenPort}/ws`);
    const snapshot = await new Promise<{ state: { health: { notices: string[]; clock: string } } }>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data: Buffer) => {
        const msg = JSON.parse(data.toString()) as { type: string };
        if (msg.type === 'snapshot') resolve(msg as never);
      });
    });
    ws.close();
    expect(snapshot.state.health.clock).toBe('unsynchronised');
    expect(snapshot.state.health.notices).toEqual([expect.stringMatching(/^Upstream client certificate expires on .*ask the central team/), CLOCK_NOTICE]);
  });
});
