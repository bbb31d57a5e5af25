import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers/wait.js';
import { startNotifyListener, type NotifyListener } from './systemd/notify-listener.js';
import { REPO, startGatewayProcess, writeConfig, type GatewayProcess } from './helpers/gateway-process.js';

const baseConfig = (dir: string, hrHigh: number) => ({
  gateway: { id: 'gw-ops', site: 's', ward: 'w' },
  dataDir: join(dir, 'data'),
  broker: { port: 0, users: [{ username: 'nc', password: 'nc-pw', subscribe: ['alarms/#'] }] },
  screen: { port: 0 },
  beds: [{ id: 'bed-1', overrides: { hr: { delaySeconds: 0, high: [{ above: hrHigh, priority: 'medium' }] } } }],
  devices: [{ id: 'w1', bed: 'bed-1', transport: 'mqtt', password: 'w1-pw' }],
  sync: { enabled: false },
});

describe('running as a ward appliance', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-ops-'));
  let gw: GatewayProcess | undefined;
  let listener: NotifyListener | undefined;

  afterAll(async () => {
    await gw?.kill();
    await listener?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints its version and schema version', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'gateway/cli.ts'), '--version'], { encoding: 'utf8' });
    expect(r.stdout.trim()).toMatch(new RegExp(`^${pkg.version.replaceAll('.', '\\.')} \\(schema \\d+\\)$`));
  });

  it('tells systemd READY=1 once serving, sends WATCHDOG=1 while healthy, STOPPING=1 on SIGTERM', async () => {
    listener = await startNotifyListener(join(dir, 'notify.sock'));
    const config = writeConfig(dir, baseConfig(dir, 120), 'notify.yaml');
    gw = await startGatewayProcess(config, { NOTIFY_SOCKET: listener.socket, WATCHDOG_USEC: '1000000' });
    await listener.waitFor((all) => all.some((d) => d.msg.includes('READY=1')), 10_000);
    const health = await fetch(`http://127.0.0.1:${gw.screenPort}/readyz`);
    expect(health.status).toBe(200);
    await listener.waitFor((all) => all.filter((d) => d.msg.includes('WATCHDOG=1')).length >= 2, 10_000);
    expect(await gw.stop('SIGTERM')).toBe(0);
    await listener.waitFor((all) => all.some((d) => d.msg.includes('STOPPING=1')), 5000);
    const order = listener.messages().map((d) => d.msg);
    expect(order.findIndex((m) => m.includes('READY=1'))).toBeLessThan(order.findIndex((m) => m.includes('STOPPING=1')));
    gw = undefined;
  });

  it('serves /healthz, /readyz and Prometheus /metrics with observation and alarm counts', async () => {
    const config = writeConfig(dir, baseConfig(dir, 120), 'metrics.yaml');
    gw = await startGatewayProcess(config);
    const base = `http://127.0.0.1:${gw.screenPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = (await (await fetch(`${base}/readyz`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(ready)).toMatch(/broker/);
    const dev = mqtt.connect(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'w1', password: 'w1-pw', protocolVersion: 4 });
    await new Promise<void>((r) => dev.once('connect', () => r()));
    dev.publish('vitals/w1', JSON.stringify({ hr: 130, spo2: 97 }), { qos: 1 });
    dev.publish('vitals/w1', 'garbage', { qos: 1 });
    const intruder = mqtt.connect(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'w1', password: 'not-it', protocolVersion: 4, reconnectPeriod: 0 });
    intruder.on('error', () => undefined);
    await gw.waitForLog((l) => l.msg === 'broker: bad credentials');
    intruder.end(true);
    await gw.waitForLog((l) => l.msg === 'alarm' && l.condition === 'hr-high');
    await gw.waitForLog((l) => l.msg === 'ingest: bad frame dropped');
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+\-]+(Inf)?$|^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (NaN|[+-]Inf)$/);
    }
    expect(text).toMatch(/wardgate_observations_total\{[^}]*param="hr"[^}]*\} 1/);
    expect(text).toMatch(/wardgate_decode_errors_total\{codec="mqtt-vitals"\} 1/);
    expect(text).toMatch(/wardgate_alarms_total\{[^}]*priority="medium"[^}]*\} 1/);
    expect(text).toMatch(/^wardgate_alarm_commit_seconds_count [1-9]/m); // the alarm's durable commit, timed
    expect(text).toMatch(/nodejs_eventloop_lag_seconds/);
    expect(text).toMatch(/wardgate_build_info\{/);
    expect(text).toMatch(/wardgate_broker_refused_total\{reason="authFailures"\} 1/);
    dev.end(true);
  });

  it('SIGHUP applies new limits without dropping connections, and refuses a bad config keeping the old one', async () => {
    const path = join(dir, 'metrics.yaml');
    const alarms: Array<{ condition: string; state: string; value?: number }> = [];
    const sub = mqtt.connect(`mqtt://127.0.0.1:${gw!.brokerPort}`, { username: 'nc', password: 'nc-pw', protocolVersion: 4 });
    sub.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as { condition: string; state: string }));
    await new Promise<void>((r) => sub.once('connect', () => r()));
    await sub.subscribeAsync('alarms/#', { qos: 1 });
    const dev = mqtt.connect(`mqtt://127.0.0.1:${gw!.brokerPort}`, { username: 'w1', password: 'w1-pw', protocolVersion: 4 });
    await new Promise<void>((r) => dev.once('connect', () => r()));
    let devClosed = false;
    dev.on('close', () => (devClosed = true));

    dev.publish('vitals/w1', JSON.stringify({ hr: 90 }), { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    writeConfig(dir, baseConfig(dir, 100), 'metrics.yaml');
    gw!.child.kill('SIGHUP');
    await gw!.waitForLog((l) => l.msg === 'config: reloaded');
    dev.publish('vitals/w1', JSON.stringify({ hr: 110 }), { qos: 1 });
    await waitFor(() => alarms.some((a) => a.condition === 'hr-high' && a.state === 'active' && a.value === 110), 5000, 'hr-high at 110 under the reloaded limit');

    writeFileSync(path, 'beds: [ { id: "" } ]\n');
    gw!.child.kill('SIGHUP');
    const refused = await gw!.waitForLog((l) => l.msg === 'config: reload refused; keeping the running configuration');
    expect(String(refused.err)).toMatch(/beds\[0\]\.id/);
    expect((await fetch(`http://127.0.0.1:${gw!.screenPort}/healthz`)).status).toBe(200);
    expect(devClosed).toBe(false);
    // Secrets never reach the logs (a bad login attempt logs the username only, at most once per 10 s per account,
    // and is always counted).
    const refusals = async () => Number(/authFailures"\} (\d+)/.exec(await (await fetch(`http://127.0.0.1:${gw!.screenPort}/metrics`)).text())?.[1] ?? 0);
    const before = await refusals();
    const bad = mqtt.connect(`mqtt://127.0.0.1:${gw!.brokerPort}`, { username: 'w1', password: 'wrong-secret-xyz', protocolVersion: 4, reconnectPeriod: 0 });
    bad.on('error', () => undefined);
    await waitFor(async () => (await refusals()) === before + 1, 5000, 'the bad login counted');
    expect(gw!.logs.some((l) => l.msg === 'broker: bad credentials' && l.username === 'w1')).toBe(true);
    bad.end(true);
    const all = JSON.stringify(gw!.logs) + gw!.stderr.join('');
    for (const secret of ['w1-pw', 'nc-pw', 'wrong-secret-xyz']) expect(all).not.toContain(secret);
    sub.end(true);
    dev.end(true);
  });
});
