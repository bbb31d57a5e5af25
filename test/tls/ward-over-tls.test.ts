import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { pcd01Message } from '../../drivers/serial/hl7/fixtures.js';
import { encodeMllp } from '../../drivers/serial/hl7/mllp.js';
import { startGatewayProcess, writeConfig, type GatewayProcess } from '../helpers/gateway-process.js';
import { makeExpiredCertificate, makeWardPki, type WardPki } from '../helpers/tls-pki.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A ward over TLS with real clients: Debian's mosquitto_pub/mosquitto_sub on the MQTTS listener (password and client
 * certificate logins), curl on the HTTPS screen, a WSS screen client, MLLP over TLS; refusals (wrong CA, expired
 * certificates, TLS < 1.2, a sender outside the allowlist) each with a clear log line; a certificate reload on SIGHUP
 * that keeps every client on both listeners connected.
 */
describe('a ward over MQTTS, HTTPS/WSS and MLLP/TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-tls-'));
  let pki: WardPki;
  let other: WardPki;
  let gw: GatewayProcess;
  let mqttsPort = 0;
  let httpsPort = 0;
  let hl7Port = 0;
  const children: ChildProcess[] = [];
  const serverCert = join(dir, 'live-server.crt');
  const serverKey = join(dir, 'live-server.key');

  beforeAll(async () => {
    pki = makeWardPki(join(dir, 'pki'));
    other = makeWardPki(join(dir, 'other'), 'other');
    copyFileSync(pki.serverCert, serverCert);
    copyFileSync(pki.serverKey, serverKey);
    const tls = { host: '127.0.0.1', port: 0, cert: serverCert, key: serverKey };
    const config = writeConfig(dir, {
      gateway: { id: 'gw-tls', site: 's', ward: 'ward-tls' },
      dataDir: join(dir, 'data'),
      broker: { host: '127.0.0.1', port: 0, users: [{ username: 'nursecall', password: 'nc-secret', subscribe: ['alarms/#'] }], tls: { ...tls, clientCa: pki.ca } },
      screen: { host: '127.0.0.1', port: 0, staff: [{ id: 'n1', name: 'Nurse One', pin: '2468' }], tls: { ...tls, redirectPort: 0 } },
      hl7Listener: { enabled: true, host: '127.0.0.1', port: 0, tls: { cert: serverCert, key: serverKey } },
      beds: ['bed-1', 'bed-2', 'bed-h', 'bed-x'].map((id) => ({ id, profile: 'adult', overrides: { hr: { delaySeconds: 0 } } })),
      devices: [
        { id: 'wear-1', bed: 'bed-1', transport: 'mqtt', password: 'dev-secret' },
        { id: 'wear-2', bed: 'bed-2', transport: 'mqtt', clientCert: true },
        { id: 'mon-1', bed: 'bed-h', transport: 'hl7-tcp', hl7: { bed: 'BED-12', allowFrom: ['127.0.0.0/8'] } },
        { id: 'mon-2', bed: 'bed-x', transport: 'hl7-tcp', hl7: { bed: 'BED-13', allowFrom: ['10.20.0.0/16'] } },
      ],
      sync: { enabled: false },
    });
    gw = await startGatewayProcess(config);
    const portOf = (msg: string) => (gw.logs.find((l) => l.msg === msg)?.port as number) ?? 0;
    mqttsPort = portOf('broker: MQTTS listening');
    httpsPort = portOf('screen: HTTPS listening');
    hl7Port = (await gw.waitForLog((l) => l.msg === 'hl7: MLLP listener listening')).port as number;
  });

  afterAll(async () => {
    for (const c of children) c.kill();
    await gw?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const tlsArgs = (ca: string) => ['-h', 'localhost', '-p', String(mqttsPort), '--cafile', ca];
  const pub = (args: string[], payload: Record<string, unknown>, topic: string) =>
    spawnSync('mosquitto_pub', [...args, '-t', topic, '-q', '1', '-m', JSON.stringify({ t: Date.now(), ...payload })], { encoding: 'utf8', timeout: 10_000 });

  /** mosquitto_sub on alarms/#; resolves once subscribed (its -d output shows the SUBACK). */
  async function subscribe(args: string[]): Promise<{ child: ChildProcess; out: () => string }> {
    // stdbuf: mosquitto_sub's output is block-buffered on a pipe; the test reads it line by line.
    const child = spawn('stdbuf', ['-oL', 'mosquitto_sub', ...args, '-u', 'nursecall', '-P', 'nc-secret', '-t', 'alarms/#', '-q', '1', '-d', '-k', '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
    await waitFor(() => /received SUBACK/.test(out), 10_000, `mosquitto_sub subscribed (${out})`);
    return { child, out: () => out };
  }

  const alarmFor = (text: string, bed: string) =>
    text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((a) => a.bed === bed && a.condition === 'hr-high' && a.state === 'active');

  it('ingest and alarms over MQTTS: mosquitto_pub with a password and with a client certificate, mosquitto_sub sees both alarms', async () => {
    const sub = await subscribe(tlsArgs(pki.ca));
    const r1 = pub([...tlsArgs(pki.ca), '-u', 'wear-1', '-P', 'dev-secret'], { seq: 1, hr: 150 }, 'vitals/wear-1');
    expect(r1.stderr).toBe('');
    expect(r1.status).toBe(0);
    await waitFor(() => alarmFor(sub.out(), 'bed-1'), 10_000, 'hr-high for bed-1 on alarms/# over MQTTS');
    const cert = pki.device('wear-2');
    const r2 = pub([...tlsArgs(pki.ca), '--cert', cert.cert, '--key', cert.key], { seq: 1, hr: 155 }, 'vitals/wear-2');
    expect(r2.status).toBe(0);
    await waitFor(() => alarmFor(sub.out(), 'bed-2'), 10_000, 'hr-high for bed-2 (certificate login) on alarms/#');
  });

  it('refuses a client that does not trust the gateway, an expired client certificate, and a certificate for a device that does not allow certificate login, each with a clear log line', async () => {
    const wrongCa = pub([...tlsArgs(other.ca), '-u', 'wear-1', '-P', 'dev-secret'], { hr: 80 }, 'vitals/wear-1');
    expect(wrongCa.status).not.toBe(0);
    await gw.waitForLog((l) => /^broker: TLS handshake refused: the client does not trust the CA of this gateway's certificate/.test(String(l.msg)), 5000);

    const expired = makeExpiredCertificate(pki, 'wear-2', 'client');
    const exp = pub([...tlsArgs(pki.ca), '--cert', expired.cert, '--key', expired.key], { hr: 80 }, 'vitals/wear-2');
    expect(exp.status).not.toBe(0);
    await gw.waitForLog((l) => l.msg === 'broker: TLS client certificate refused: the certificate has expired (CERT_HAS_EXPIRED)', 5000);

    const foreign = other.device('wear-2');
    const untrusted = pub([...tlsArgs(pki.ca), '--cert', foreign.cert, '--key', foreign.key], { hr: 80 }, 'vitals/wear-2');
    expect(untrusted.status).not.toBe(0);
    await gw.waitForLog((l) => /^broker: TLS client certificate refused: the certificate is not issued by the trusted CA/.test(String(l.msg)), 5000);

    const notAllowed = pki.device('wear-1'); // wear-1 has no clientCert: true
    const byCert = pub([...tlsArgs(pki.ca), '--cert', notAllowed.cert, '--key', notAllowed.key], { hr: 80 }, 'vitals/wear-1');
    expect(byCert.status).not.toBe(0);
    await gw.waitForLog((l) => l.msg === 'broker: bad credentials', 5000);
  });

  it('screen: plain HTTP keeps /healthz, /readyz, /metrics and redirects the rest; HTTPS has HSTS, Secure cookies, WSS; TLS 1.2+ only (curl -v)', async () => {
    const plain = (path: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        request({ host: '127.0.0.1', port: gw.screenPort, path }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        }).on('error', reject).end();
      });
    expect((await plain('/healthz')).status).toBe(200);
    expect((await plain('/readyz')).status).toBe(200);
    const metrics = await plain('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^wardgate_certificate_expiry_seconds\{use="broker"\} \d+$/m);
    expect(metrics.body).toMatch(/^wardgate_certificate_expiry_seconds\{use="screen"\} \d+$/m);
    expect(metrics.body).toMatch(/^wardgate_broker_refused_total\{reason="tlsRefused"\} [1-9]\d*$/m); // the refusals of the test before
    const root = await plain('/api/session');
    expect(root.status).toBe(308);
    expect(root.headers.location).toBe(`https://127.0.0.1:${httpsPort}/api/session`);
    // the redirect-only listener (screen.tls.redirectPort) redirects everything and serves no data, not even /metrics
    const redirectPort = gw.logs.find((l) => l.msg === 'screen: HTTP redirect listening')?.port as number;
    const viaRedirect = (path: string) => fetch(`http://localhost:${redirectPort}${path}`, { redirect: 'manual' });
    const page = await viaRedirect('/');
    expect(page.status).toBe(308);
    expect(page.headers.get('location')).toBe(`https://localhost:${httpsPort}/`);
    expect((await viaRedirect('/metrics')).status).toBe(404);

    const curl = spawnSync('curl', ['-v', '-sS', '--cacert', pki.ca, '-H', 'Content-Type: application/json', '-d', '{"staffId":"n1","pin":"2468"}', '-D', '-', `https://localhost:${httpsPort}/api/login`], { encoding: 'utf8' });
    expect(curl.status).toBe(0);
    expect(curl.stderr).toMatch(/SSL connection using TLSv1\.[23]/);
    expect(curl.stdout).toMatch(/^HTTP\/1\.1 200/m);
    expect(curl.stdout).toMatch(/^Strict-Transport-Security: max-age=15552000/im);
    const setCookie = /^Set-Cookie: (.*)$/im.exec(curl.stdout)?.[1] ?? '';
    expect(setCookie).toMatch(/HttpOnly; SameSite=Strict;.*; Secure/);

    const old = spawnSync('curl', ['-v', '-sS', '--cacert', pki.ca, '--tlsv1', '--tls-max', '1.1', '--ciphers', 'DEFAULT@SECLEVEL=0', `https://localhost:${httpsPort}/healthz`], { encoding: 'utf8' });
    expect(old.status).not.toBe(0);
    expect(old.stderr).toMatch(/alert protocol version/);
    await gw.waitForLog((l) => /^screen: TLS handshake refused: the client offered only a TLS version older than 1\.2/.test(String(l.msg)), 5000);
    const tls12 = spawnSync('curl', ['-v', '-sS', '--cacert', pki.ca, '--tlsv1.2', '--tls-max', '1.2', `https://localhost:${httpsPort}/healthz`], { encoding: 'utf8' });
    expect(tls12.stderr).toMatch(/SSL connection using TLSv1\.2/);

    const cookie = setCookie.split(';')[0]!;
    const messages: Array<{ type: string; setup?: { security: unknown[] }; state?: { alarms: Array<{ bed: string }> } }> = [];
    const ws = new WebSocket(`wss://localhost:${httpsPort}/ws`, { headers: { cookie }, ca: readFileSync(pki.ca) });
    ws.on('message', (m) => messages.push(JSON.parse(m.toString()) as (typeof messages)[number]));
    const snap = await waitFor(() => messages.find((m) => m.type === 'snapshot'), 5000, 'snapshot over WSS');
    expect(snap.state?.alarms.some((a) => a.bed === 'bed-1')).toBe(true);
    expect(snap.setup?.security).toEqual([]);
    ws.close();
    const refused = await new Promise<string>((resolve) => {
      const p = new WebSocket(`ws://127.0.0.1:${gw.screenPort}/ws`, { headers: { cookie } });
      p.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      p.on('open', () => resolve('open'));
      p.on('error', (e) => resolve(e.message));
    });
    expect(refused).toBe('401');
  });

  it('HL7 over MLLP/TLS: an allowed sender gets AA and its values reach the ward; a sender outside the allowlist gets AR and nothing is delivered', async () => {
    const send = (message: string) =>
      new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: hl7Port, servername: 'localhost', ca: readFileSync(pki.ca) }, () => s.write(encodeMllp(message)));
        let got = '';
        s.setEncoding('utf8').on('data', (c: string) => {
          got += c;
          if (got.includes('\x1c\r')) {
            s.end();
            resolve(got);
          }
        });
        s.on('error', reject);
      });
    const hr33 = ['OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|33|264864^MDC_DIM_BEAT_PER_MIN^MDC|50-120|L|||F'];
    const ok = await send(pcd01Message({ controlId: 'TLS1', bed: 'BED-12', obx: hr33 }));
    expect(ok).toMatch(/MSA\|AA\|TLS1/);
    const refused = await send(pcd01Message({ controlId: 'TLS2', bed: 'BED-13', obx: hr33 }));
    expect(refused).toMatch(/MSA\|AR\|TLS2\|sender not allowed/);
    await gw.waitForLog((l) => l.codec === 'hl7-sender' && /message from 127\.0\.0\.1 refused: not an allowed sender for mon-2/.test(String(l.error)), 5000);
    const state = await new Promise<{ alarms: Array<{ bed: string; condition: string }> }>((resolve, reject) => {
      const messages: Array<{ type: string; state?: unknown }> = [];
      const ws = new WebSocket(`wss://localhost:${httpsPort}/ws`, { ca: readFileSync(pki.ca), headers: { cookie: loginCookie() } });
      ws.on('message', (m) => {
        messages.push(JSON.parse(m.toString()) as { type: string; state?: unknown });
        const s = messages.find((x) => x.type === 'snapshot');
        if (s) {
          ws.close();
          resolve(s.state as never);
        }
      });
      ws.on('error', reject);
    });
    expect(state.alarms.some((a) => a.bed === 'bed-h' && a.condition === 'hr-low')).toBe(true);
    expect(state.alarms.some((a) => a.bed === 'bed-x')).toBe(false);
  });

  it('SIGHUP swaps the certificate for new connections and keeps every client on both listeners; an expired certificate is refused by clients with a clear log line', async () => {
    const viaTls = await subscribe(tlsArgs(pki.ca));
    const viaPlain = await subscribe(['-h', '127.0.0.1', '-p', String(gw.brokerPort)]);
    const presented = () => {
      const r = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${mqttsPort}`, '-servername', 'localhost'], { input: '', encoding: 'utf8', timeout: 10_000 });
      return new X509Certificate(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(r.stdout)![0]).fingerprint256;
    };
    const before = presented();
    // a new server certificate (from a new CA: easy to tell apart) that expires in 20 days: inside the warning window
    const rotated = makeWardPki(join(dir, 'rotated'), 'rot', 20);
    copyFileSync(rotated.serverCert, serverCert);
    copyFileSync(rotated.serverKey, serverKey);
    const reloads = gw.logs.filter((l) => l.msg === 'security: certificates reloaded').length;
    gw.child.kill('SIGHUP');
    await waitFor(() => gw.logs.filter((l) => l.msg === 'security: certificates reloaded').length > reloads, 10_000, 'certificate reload');
    const after = presented();
    expect(after).not.toBe(before);
    expect(after).toBe(new X509Certificate(readFileSync(rotated.serverCert)).fingerprint256);
    // Both subscribers are still there: an alarm after the reload reaches each of them.
    const r = pub([...tlsArgs(rotated.ca), '-u', 'wear-1', '-P', 'dev-secret'], { seq: 2, hr: 40 }, 'vitals/wear-1');
    expect(r.status).toBe(0);
    const low = (text: string) => text.split('\n').filter((l) => l.startsWith('{')).some((l) => /"condition":"hr-low"/.test(l));
    await waitFor(() => low(viaTls.out()) && low(viaPlain.out()), 10_000, 'hr-low on both subscribers after the reload');
    expect(viaTls.child.exitCode).toBeNull();
    expect(viaPlain.child.exitCode).toBeNull();
    // 30 days ahead: the log, the screen's status line (WSS snapshot) and /metrics say so
    await gw.waitForLog((l) => /^security: screen certificate expires \d{4}-\d\d-\d\d \(20 d\)$/.test(String(l.msg)), 5000);
    const notices = await new Promise<Array<{ level: string; text: string }>>((resolve, reject) => {
      const ws = new WebSocket(`wss://localhost:${httpsPort}/ws`, { ca: readFileSync(rotated.ca), headers: { cookie: loginCookie(rotated.ca) } });
      ws.on('message', (m) => {
        const msg = JSON.parse(m.toString()) as { type: string; setup?: { security: Array<{ level: string; text: string }> } };
        if (msg.type !== 'snapshot') return;
        ws.close();
        resolve(msg.setup!.security);
      });
      ws.on('error', reject);
    });
    expect(notices).toContainEqual({ level: 'warn', text: expect.stringMatching(/^screen certificate expires \d{4}-\d\d-\d\d \(20 d\)$/) as unknown as string });
    const scrape = await fetch(`http://127.0.0.1:${gw.screenPort}/metrics`).then((r) => r.text());
    const left = Number(/^wardgate_certificate_expiry_seconds\{use="screen"\} (-?\d+)$/m.exec(scrape)?.[1]);
    expect(left).toBeGreaterThan(19 * 86_400);
    expect(left).toBeLessThanOrEqual(20 * 86_400);

    const expired = makeExpiredCertificate(pki, 'server', 'server');
    copyFileSync(expired.cert, serverCert);
    copyFileSync(expired.key, serverKey);
    gw.child.kill('SIGHUP');
    await gw.waitForLog((l) => l.msg === 'security: server certificate EXPIRED 2020-02-01' || /^security: broker certificate EXPIRED 2020-02-01/.test(String(l.msg)), 10_000);
    const refused = pub([...tlsArgs(pki.ca), '-u', 'wear-1', '-P', 'dev-secret'], { hr: 80 }, 'vitals/wear-1');
    expect(refused.status).not.toBe(0);
    await gw.waitForLog((l) => /^broker: TLS handshake refused: the client says this gateway's certificate has expired/.test(String(l.msg)), 5000);
  });

  let cookieCache = '';
  function loginCookie(ca = pki.ca): string {
    if (cookieCache) return cookieCache;
    const r = spawnSync('curl', ['-sS', '--cacert', ca, '-H', 'Content-Type: application/json', '-d', '{"staffId":"n1","pin":"2468"}', '-D', '-', '-o', '/dev/null', `https://localhost:${httpsPort}/api/login`], { encoding: 'utf8' });
    cookieCache = /^Set-Cookie: ([^;]+)/im.exec(r.stdout)?.[1] ?? '';
    return cookieCache;
  }
});
