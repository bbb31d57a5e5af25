/**
 * 30 days before the upstream client certificate (the central link's, mutual TLS) expires, the running gateway says
 * so in /metrics (wardgate_certificate_expiry_seconds{use="upstream-client"}, gateway/tls/expiry.ts) and on the ward
 * screen's status line; an unsynchronised clock puts the "what to do" sentence in the health data the screen shows.
 * Certificates are made by openssl.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOCK_NOTICE, operatorNotices } from '../gateway/health/operator-notices.js';
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

describe('clock notice', () => {
  it('is shown only while the clock is not synchronised', () => {
    expect(operatorNotices('synchronised')).toEqual([]);
    expect(operatorNotices('unsynchronised')).toEqual([CLOCK_NOTICE]);
    expect(CLOCK_NOTICE).toMatch(/timedatectl timesync-status/);
  });
});

describe('the running gateway', () => {
  let gw: GatewayProcess | undefined;
  afterAll(async () => gw?.kill());

  it('shows the upstream certificate warning in /metrics and on the screen, and the clock advice in the health data', async () => {
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
    const left = Number(/^wardgate_certificate_expiry_seconds\{use="upstream-client"\} (-?\d+)$/m.exec(metrics)?.[1]);
    expect(left).toBeGreaterThan(11 * 86400);
    expect(left).toBeLessThan(30 * 86400);

    const ws = new WebSocket(`ws://127.0.0.1:${gw.screenPort}/ws`);
    const snapshot = await new Promise<{ setup: { security: Array<{ text: string }> }; state: { health: { notices: string[]; clock: string } } }>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data: Buffer) => {
        const msg = JSON.parse(data.toString()) as { type: string };
        if (msg.type === 'snapshot') resolve(msg as never);
      });
    });
    ws.close();
    expect(snapshot.setup.security.map((n) => n.text)).toContainEqual(expect.stringMatching(/^upstream-client certificate expires \d{4}-\d\d-\d\d \((12|13) d\)$/));
    expect(snapshot.state.health.clock).toBe('unsynchronised');
    expect(snapshot.state.health.notices).toEqual([CLOCK_NOTICE]);
  });
});
