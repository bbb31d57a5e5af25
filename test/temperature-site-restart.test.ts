import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { pcd01Message } from '../drivers/serial/hl7/fixtures.js';
import { encodeMllp } from '../drivers/serial/hl7/mllp.js';
import { startGatewayProcess, writeConfig, type GatewayProcess } from './helpers/gateway-process.js';
import { waitFor } from './helpers/wait.js';

type Vital = { value: number; site?: string };
type State = { beds: Array<{ id: string; vitals: Record<string, Vital> }> };

/**
 * The site of a temperature survives a restart: it is stored with the reading in the real SQLite file and read back
 * from there (the devices are silent after the restart, so what the screen shows can only come from the store).
 */
describe('temperature site through the store and a restart of the daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-temp-site-'));
  const dataDir = join(dir, 'data');
  let gw: GatewayProcess | undefined;
  const config = writeConfig(dir, {
    gateway: { id: 'gw-site', site: 's', ward: 'w' },
    dataDir,
    broker: { port: 0, users: [] },
    screen: { port: 0, staff: [{ id: 'n1', name: 'Nurse', role: 'nurse', pin: '2468' }] },
    hl7Listener: { enabled: true, port: 0, maxSilenceSeconds: 120 },
    beds: [{ id: 'bed-patch' }, { id: 'bed-mon' }],
    devices: [
      // A skin patch: its temperatures are skin temperatures (tskin), never body temperature.
      { id: 'patch-1', bed: 'bed-patch', transport: 'mqtt', password: 'patch-secret', temperatureSite: 'skin', maxSilenceSeconds: 120 },
      { id: 'mon-1', bed: 'bed-mon', transport: 'hl7-tcp', hl7: { bed: 'MON-1' }, maxSilenceSeconds: 120 },
    ],
    sync: { enabled: false },
    buzzer: { backend: 'none' },
  });

  async function state(port: number): Promise<State> {
    const base = `http://127.0.0.1:${port}`;
    const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'n1', pin: '2468' }) });
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    return (await (await fetch(`${base}/api/state`, { headers: { cookie } })).json()) as State;
  }

  const vital = (s: State, bed: string, param: string): Vital | undefined => s.beds.find((b) => b.id === bed)?.vitals[param];

  afterAll(async () => {
    await gw?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a skin temperature and an oral one keep their sites after the gateway restarts', async () => {
    gw = await startGatewayProcess(config);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'patch-1', password: 'patch-secret', protocolVersion: 4 });
    await client.publishAsync('vitals/patch-1', JSON.stringify({ t: Date.now(), seq: 1, hr: 72, temp: 33.4 }), { qos: 1 });
    await client.endAsync();
    const hl7Port = (await gw.waitForLog((l) => l.msg === 'hl7: MLLP listener listening')).port as number;
    const socket = connect(hl7Port, '127.0.0.1');
    const acks: Buffer[] = [];
    socket.on('data', (b) => acks.push(b));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(encodeMllp(pcd01Message({ bed: 'MON-1', controlId: 'ORAL1', obx: ['OBX|1|NM|188424^MDC_TEMP_ORAL^MDC|1.1.1|37.2|268192^MDC_DIM_DEGC^MDC|||||R'] })));
    await waitFor(() => Buffer.concat(acks).toString('latin1').includes('MSA|AA|ORAL1') || undefined, 5000, 'ACK of the oral temperature');
    socket.destroy();

    const port1 = gw.screenPort;
    const before = await waitFor(async () => {
      const s = await state(port1);
      return vital(s, 'bed-patch', 'tskin') && vital(s, 'bed-mon', 'temp') ? s : undefined;
    }, 10_000, 'both temperatures on the screen');
    expect(vital(before, 'bed-patch', 'tskin')).toMatchObject({ value: 33.4, site: 'skin' });
    expect(vital(before, 'bed-patch', 'temp')).toBeUndefined(); // a skin temperature is never body temperature
    expect(vital(before, 'bed-mon', 'temp')).toMatchObject({ value: 37.2, site: 'oral' });
    expect(await gw.stop()).toBe(0);
    gw = undefined;

    // In the file: one row per reading in the view, with its site.
    const db = new Database(join(dataDir, 'wardgate.db'), { readonly: true });
    const temps = db.prepare("SELECT device, param, value, site FROM observation_readings WHERE param IN ('temp', 'tskin') ORDER BY seq").all();
    db.close();
    expect(temps).toEqual([
      { device: 'patch-1', param: 'tskin', value: 33.4, site: 'skin' },
      { device: 'mon-1', param: 'temp', value: 37.2, site: 'oral' },
    ]);

    gw = await startGatewayProcess(config);
    const after = await state(gw.screenPort);
    expect(vital(after, 'bed-patch', 'tskin')).toMatchObject({ value: 33.4, site: 'skin' });
    expect(vital(after, 'bed-patch', 'temp')).toBeUndefined();
    expect(vital(after, 'bed-mon', 'temp')).toMatchObject({ value: 37.2, site: 'oral' });
  }, 60_000);
});
