/**
 * The production connection examples, for real: config/examples/*.yaml pass `wardgate config check`, and
 * `wardgate sync check` with the MQTT example (only the broker URL and the certificate paths changed) against
 * Debian's mosquitto with mutual TLS, `use_identity_as_username` and the ACL from config/examples: a good
 * certificate publishes and reports the round trip; one expiring within 30 days warns (exit 2); a gateway the ACL
 * does not cover is refused (exit 1); a certificate from another CA is refused at the handshake (exit 1).
 * The HTTPS example is checked against a real HTTPS server with the bearer token.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type Mosquitto } from './helpers/mosquitto.js';
import { freePort } from './helpers/ports.js';

const REPO = new URL('..', import.meta.url).pathname;
const CLI = join(REPO, 'dist/gateway/cli.js');
const EXAMPLES = join(REPO, 'config/examples');

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A CA and leaf certificates signed by it, each valid for `days`. */
function pki(dir: string) {
  mkdirSync(dir, { recursive: true });
  const ca = (name: string) =>
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '400', '-subj', `/CN=${name}`], dir);
  const leaf = (name: string, caName: string, cn: string, days: number, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', String(days), '-extfile', `${name}.ext`], dir);
  };
  const client = 'extendedKeyUsage=clientAuth\n';
  ca('hospital-ca');
  ca('rogue-ca');
  leaf('server', 'hospital-ca', 'localhost', 400, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('gw', 'hospital-ca', 'gw-7a-1', 400, client);
  leaf('gw-short', 'hospital-ca', 'gw-7a-1', 10, client);
  leaf('gw-other', 'hospital-ca', 'gw-9z-9', 400, client);
  leaf('gw-rogue', 'rogue-ca', 'gw-7a-1', 400, client);
  leaf('central', 'hospital-ca', 'central-dispatch', 400, client);
  return (f: string) => join(dir, f);
}

async function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WARDGATE_CLOCK_SYNCED: '1' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('close', r));
  return { code, out };
}

/**
 * An example as shipped, except that the ward-network TLS files it names (/etc/wardgate/ward-tls/) are made here the
 * way its comment says (`wardgate cert init`), in a temporary directory: config check reads them.
 */
const wardTls = mkdtempSync(join(tmpdir(), 'wg-ward-tls-'));
let wardTlsMade = false;
async function example(name: string): Promise<string> {
  if (!wardTlsMade) {
    const made = await cli(['cert', 'init', '--dir', wardTls, '--names', 'localhost,127.0.0.1']);
    if (made.code !== 0) throw new Error(`wardgate cert init: ${made.out}`);
    wardTlsMade = true;
  }
  return readFileSync(join(EXAMPLES, name), 'utf8').replaceAll('/etc/wardgate/ward-tls/', `${wardTls}/`);
}
afterAll(() => rmSync(wardTls, { recursive: true, force: true }));

describe('config/examples pass `wardgate config check`', () => {
  it('every example config is valid', async () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(['central-https.yaml', 'central-mqtt-mtls.yaml']);
    const dir = mkdtempSync(join(tmpdir(), 'wg-examples-'));
    for (const f of files) {
      writeFileSync(join(dir, f), await example(f));
      const r = await cli(['config', 'check', join(dir, f)]);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/: ok \(/);
    }
    // ...and the check can fail: a broken copy names the bad field and exits 78.
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, (await example('central-mqtt-mtls.yaml')).replace('url: mqtts://', 'url: tcp://'));
    const bad = await cli(['config', 'check', broken]);
    expect(bad.code).toBe(78);
    expect(bad.out).toMatch(/sync\.mqtt\.url/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('wardgate sync check against mosquitto with mutual TLS and the example ACL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wg-sync-check-'));
  let p: (f: string) => string;
  let broker: Mosquitto;
  let tlsPort: number;

  beforeAll(async () => {
    p = pki(join(dir, 'pki'));
    tlsPort = await freePort();
    broker = await startMosquitto(join(dir, 'mosquitto'), {}, [
      'per_listener_settings false',
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${p('hospital-ca.crt')}`,
      `certfile ${p('server.crt')}`,
      `keyfile ${p('server.key')}`,
      'require_certificate true',
      'use_identity_as_username true',
      `acl_file ${join(EXAMPLES, 'central-mosquitto.acl')}`,
    ].join('\n'));
  });
  afterAll(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The MQTT example with only the URL and the three file paths changed. */
  async function config(name: string, cert: string): Promise<string> {
    const text = (await example('central-mqtt-mtls.yaml'))
      .replaceAll('mqtts://central-broker.hospital.example:8883', `mqtts://localhost:${tlsPort}`)
      .replaceAll('/etc/wardgate/tls/central-ca.pem', p('hospital-ca.crt'))
      .replaceAll('/etc/wardgate/tls/gw-7a-1.crt', p(`${cert}.crt`))
      .replaceAll('/etc/wardgate/tls/gw-7a-1.key', p(`${cert}.key`));
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, text);
    return path;
  }

  it('connects, publishes a test status the centre receives, reports round trip and certificate expiry', async () => {
    const central = await mqtt.connectAsync(`mqtts://localhost:${tlsPort}`, {
      protocolVersion: 5, ca: readFileSync(p('hospital-ca.crt')), cert: readFileSync(p('central.crt')), key: readFileSync(p('central.key')), reconnectPeriod: 0,
    });
    const got: Array<{ topic: string; body: Record<string, unknown>; retain: boolean }> = [];
    central.on('message', (topic, payload, packet) => got.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown>, retain: packet.retain }));
    await central.subscribeAsync('wardgate/+/+/+/status', { qos: 1 });

    const r = await cli(['sync', 'check', '--config', await config('good', 'gw')]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/MQTT 5\) as client wardgate-gw-7a-1-check/);
    expect(r.out).toMatch(/client cert +CN=gw-7a-1, expires \d{4}-\d\d-\d\d \((399|400) days\)\n/);
    expect(r.out).toMatch(/server cert +CN=localhost, expires/);
    expect(r.out).toMatch(/connect +ok in \d+ ms/);
    expect(r.out).toMatch(/publish +wardgate\/st-marys\/ward-7a\/gw-7a-1\/status \(QoS 1, not retained\): acknowledged, round trip \d+ ms/);
    expect(r.out).toMatch(/result: ok\n$/);
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((res) => setTimeout(res, 50));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ topic: 'wardgate/st-marys/ward-7a/gw-7a-1/status', retain: false, body: { schema: 'wardgate/status', gatewayId: 'gw-7a-1', state: 'online', clockSynced: true } });
    await central.endAsync();
  });

  it('warns (exit 2) when the client certificate expires within 30 days', async () => {
    const r = await cli(['sync', 'check', '--config', await config('short', 'gw-short')]);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/client cert +CN=gw-7a-1, expires \S+ \((9|10) days\) +WARNING: renew within 30 days/);
    expect(r.out).toMatch(/result: ok, with warnings: client cert expires in (9|10) days/);
  });

  it('fails (exit 1) with the reason when the ACL does not cover the gateway, or the certificate is from another CA', async () => {
    const other = await cli(['sync', 'check', '--config', await config('other', 'gw-other')]);
    expect(other.code, other.out).toBe(1);
    expect(other.out).toMatch(/REFUSED \(not authorized: the broker ACL must allow this account to publish here\)/);
    const rogue = await cli(['sync', 'check', '--config', await config('rogue', 'gw-rogue')]);
    expect(rogue.code, rogue.out).toBe(1);
    expect(rogue.out).toMatch(/connect +FAILED after \d+ ms: /);
    expect(rogue.out).toMatch(/result: FAILED/);
  });
});

describe('wardgate sync check over HTTPS with the example', () => {
  it('POSTs a status with the bearer token, trusts the configured CA, and reports a refused token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-sync-https-'));
    const p = pki(join(dir, 'pki'));
    const seen: Array<{ url: string; auth: string | undefined; body: Record<string, unknown> }> = [];
    const server: Server = createServer({ cert: readFileSync(p('server.crt')), key: readFileSync(p('server.key')) }, (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(body) as Record<string, unknown> });
        const ok = req.headers.authorization === 'Bearer REPLACE-WITH-THE-TOKEN-FROM-THE-CENTRAL-TEAM';
        res.writeHead(ok ? 202 : 401).end(ok ? '{}' : '{"error":"bad token"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const text = (await example('central-https.yaml'))
      .replaceAll('https://dispatch.hospital.example/wardgate', `https://localhost:${port}/wardgate`)
      .replaceAll('/etc/wardgate/tls/hospital-ca.pem', p('hospital-ca.crt'));
    writeFileSync(join(dir, 'good.yaml'), text);
    writeFileSync(join(dir, 'bad-token.yaml'), text.replace('REPLACE-WITH-THE-TOKEN-FROM-THE-CENTRAL-TEAM', 'stale'));
    try {
      const good = await cli(['sync', 'check', '--config', join(dir, 'good.yaml')]);
      expect(good.code, good.out).toBe(0);
      expect(good.out).toMatch(/POST +\/wardgate\/v1\/status: 202, round trip \d+ ms/);
      expect(good.out).toMatch(/server cert +CN=localhost/);
      expect(seen[0]).toMatchObject({ url: '/wardgate/v1/status', body: { schema: 'wardgate/status', gatewayId: 'gw-7a-1' } });
      const bad = await cli(['sync', 'check', '--config', join(dir, 'bad-token.yaml')]);
      expect(bad.code, bad.out).toBe(1);
      expect(bad.out).toMatch(/FAILED 401 \(token refused/);
      expect(bad.out).not.toContain('stale'); // the token is never printed
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
