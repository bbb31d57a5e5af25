import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REPO, startGatewayProcess, writeConfig, type GatewayProcess } from './helpers/gateway-process.js';
import { waitFor } from './helpers/wait.js';
import { startNotifyListener, type NotifyListener } from './systemd/notify-listener.js';

interface ReadyBody {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string }>;
  degraded?: Array<{ family: string; detail: string }>;
}

/**
 * Two driver families that cannot run, each for a run-time reason and not a configuration error: BlueZ is
 * unreachable (the D-Bus system bus address points to a socket that does not exist) and the HL7 listener's port is
 * taken by another process. The daemon must still come up READY, keep MQTT ingest and alarms working, name both
 * families on /readyz (which stays 200) and raise a `driver-degraded` technical alarm for each on bed `gateway`.
 */
describe('a driver family that fails at run time degrades the gateway without stopping it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-degraded-'));
  let gw: GatewayProcess | undefined;
  let listener: NotifyListener | undefined;
  let squatter: Server | undefined;

  afterAll(async () => {
    await gw?.kill();
    await listener?.close();
    await new Promise<void>((r) => (squatter ? squatter.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('stays READY with /readyz 200 naming ble and hl7-listener, raises driver-degraded, and still alarms on MQTT vitals', async () => {
    squatter = createServer();
    const hl7Port = await new Promise<number>((resolve) => squatter!.listen(0, '127.0.0.1', () => resolve((squatter!.address() as { port: number }).port)));
    listener = await startNotifyListener(join(dir, 'notify.sock'));
    const config = writeConfig(dir, {
      gateway: { id: 'gw-degraded', site: 's', ward: 'w' },
      dataDir: join(dir, 'data'),
      broker: { host: '127.0.0.1', port: 0, users: [{ username: 'nc', password: 'nc-pw', subscribe: ['alarms/#'] }] },
      screen: { host: '127.0.0.1', port: 0, staff: [{ id: 'n1', name: 'Nurse One', pin: '2468' }] },
      hl7Listener: { enabled: true, host: '127.0.0.1', port: hl7Port },
      beds: [{ id: 'bed-1', overrides: { hr: { delaySeconds: 0 } } }, { id: 'bed-2' }],
      devices: [
        { id: 'w1', bed: 'bed-1', transport: 'mqtt', password: 'w1-pw' },
        { id: 'oxi-1', bed: 'bed-2', transport: 'ble', ble: { address: 'AA:BB:CC:DD:EE:01', profiles: ['pulse-oximeter'] } },
      ],
      sync: { enabled: false },
    });
    const missingBus = join(dir, 'no-such-dir', 'system_bus_socket');
    gw = await startGatewayProcess(config, { NOTIFY_SOCKET: listener.socket, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${missingBus}` });
    await listener.waitFor((all) => all.some((d) => d.msg.includes('READY=1')), 10_000);
    expect(gw.child.exitCode).toBeNull();

    const base = `http://127.0.0.1:${gw.screenPort}`;
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    const ready = (await res.json()) as ReadyBody;
    expect(ready.status).toBe('ready');
    const families = (ready.degraded ?? []).map((d) => d.family).sort();
    expect(families).toEqual(['ble', 'hl7-listener']);
    expect(ready.degraded!.find((d) => d.family === 'ble')!.detail).toContain(missingBus);
    expect(ready.degraded!.find((d) => d.family === 'hl7-listener')!.detail).toMatch(/EADDRINUSE/);
    expect(ready.checks.drivers!.detail).toMatch(/degraded: .*ble/);

    // The nurse-call side and the screen, both connected before the wearable publishes.
    const alarms: Array<Record<string, unknown>> = [];
    const nc = mqtt.connect(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'nc', password: 'nc-pw', protocolVersion: 4 });
    nc.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as Record<string, unknown>));
    await new Promise<void>((r) => nc.once('connect', () => r()));
    await nc.subscribeAsync('alarms/#', { qos: 1 });
    const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'n1', pin: '2468' }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const ws = new WebSocket(`ws://127.0.0.1:${gw.screenPort}/ws`, { headers: { cookie } });
    const wsMessages: Array<{ type: string; alarm?: Record<string, unknown>; state?: { health?: { degraded?: Array<{ family: string }> }; beds?: Array<{ id: string; alarms?: Array<Record<string, unknown>> }> } }> = [];
    ws.on('message', (m) => wsMessages.push(JSON.parse(m.toString()) as (typeof wsMessages)[number]));
    const snapshot = await waitFor(() => wsMessages.find((m) => m.type === 'snapshot'), 5000, 'snapshot');
    expect((snapshot.state?.health?.degraded ?? []).map((d) => d.family).sort()).toEqual(['ble', 'hl7-listener']);

    // The gateway's own technical alarms: one driver-degraded per family, medium, on bed gateway. They were raised
    // during start-up, before any client could subscribe (alarms are not retained), so they are read from the
    // daemon's alarm log and from the screen's snapshot, which carries the active alarms.
    const raised = gw.logs.filter((l) => l.msg === 'alarm' && l.condition === 'driver-degraded' && l.state === 'active');
    expect(raised.map((l) => l.bed)).toEqual(['gateway', 'gateway']);
    expect(raised.every((l) => l.priority === 'medium')).toBe(true);
    expect(JSON.stringify(snapshot.state)).toMatch(/driver-degraded/);

    const wearable = mqtt.connect(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'w1', password: 'w1-pw', protocolVersion: 4 });
    await new Promise<void>((r) => wearable.once('connect', () => r()));
    wearable.publish('vitals/w1', JSON.stringify({ seq: 1, hr: 150, spo2: 97 }), { qos: 1 });
    const alarm = await waitFor(() => alarms.find((a) => a.bed === 'bed-1' && a.condition === 'hr-high' && a.state === 'active'), 10_000, 'hr-high on alarms/#');
    await waitFor(() => wsMessages.find((m) => m.type === 'alarm' && m.alarm?.id === alarm.id), 5000, 'hr-high on the screen WebSocket');

    // The BLE device itself is reported disconnected (its driver keeps retrying), not silently forgotten.
    await gw.waitForLog((l) => l.msg === 'device: connection state' && l.deviceId === 'oxi-1' && l.state === 'disconnected', 15_000);

    ws.close();
    wearable.end(true);
    nc.end(true);
    expect(await gw.stop('SIGTERM')).toBe(0);
    gw = undefined;
  }, 60_000);

  it('a configuration error a driver family finds at start still stops start-up with exit 78 naming the field', () => {
    const config = writeConfig(
      dir,
      {
        gateway: { id: 'gw-bad', site: 's', ward: 'w' },
        dataDir: join(dir, 'data-bad'),
        broker: { host: '127.0.0.1', port: 0 },
        screen: { host: '127.0.0.1', port: 0 },
        beds: [{ id: 'bed-1' }],
        // The schema accepts a USB id instead of a path; an IntelliVue session needs the path itself.
        devices: [{ id: 'mx-1', bed: 'bed-1', transport: 'serial', serial: { vendorId: '0403', productId: '6001', dialect: 'intellivue' } }],
        sync: { enabled: false },
      },
      'bad.yaml',
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'gateway/cli.ts'), 'run', '--config', config], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, WARDGATE_LOG_JSON: '1' } });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/devices\[0\]\.serial\.path: required for an IntelliVue/);
  }, 40_000);
});
