import { execFile } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcd01Message } from '../../drivers/serial/hl7/fixtures.js';
import { encodeMllp } from '../../drivers/serial/hl7/mllp.js';
import { PtyPair } from '../../drivers/serial/testing/pty-pair.js';
import { startGatewayProcess, writeConfig, type GatewayProcess } from '../helpers/gateway-process.js';
import { waitFor } from '../helpers/wait.js';
import { connectMqtt } from '../helpers/ward-config.js';

const run = promisify(execFile);

interface Alarm {
  bed: string;
  condition: string;
  transition: string;
  state: string;
  priority: string;
  deviceId?: string;
  raisedAt: number;
  at: number;
  message: string;
}

/** Every device's silence bound here; rules.technical.noDataSeconds is far shorter and must not apply. */
const SILENCE_S = 6;
const NO_DATA_S = 1;
const MARGIN_MS = 50; // the gateway and the test read the same clock; this only absorbs rounding

/**
 * No-data and no-valid-data by each device's own maxSilenceSeconds, through the real daemon, with real clients:
 * mosquitto_pub for the MQTT wearables, python3-hl7's mllp_send for the HL7 monitor, a socat PTY for the serial
 * oximeter. rules.technical.noDataSeconds is 1 s and every device's maxSilenceSeconds 6 s: nothing may come at 1 s.
 */
describe('silence bounds: each device by its maxSilenceSeconds, from start-up on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-silence-'));
  const pty = new PtyPair(join(dir, 'pty'));
  let gw: GatewayProcess;
  let nurse: MqttClient;
  let hl7Port = 0;
  let spawnedAt = 0;
  let tty = -1;
  let oximeter: NodeJS.Timeout | undefined;
  const alarms: Alarm[] = [];
  const on = (bed: string) => alarms.filter((a) => a.bed === bed);
  /** Every alarm transition the daemon logged, from its first second (before any subscriber could connect). */
  const logged = (bed: string) => gw.logs.filter((l) => l.msg === 'alarm' && l.bed === bed).map((l) => `${String(l.condition)} ${String(l.transition)}`);

  const pub = (user: string, payload: object) =>
    run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(gw.brokerPort), '-u', user, '-P', `pw-${user}`, '-t', `vitals/${user}`, '-m', JSON.stringify(payload), '-q', '1', '-V', 'mqttv311'], { timeout: 10_000 });
  const mllp = async (name: string, message: string) => {
    const file = join(dir, `${name}.hl7`);
    writeFileSync(file, encodeMllp(message));
    return (await run('mllp_send', ['-p', String(hl7Port), '-f', file, '127.0.0.1'], { timeout: 10_000 })).stdout;
  };
  /** Calls `send(i)` about once a second for `seconds`; returns once the first was sent, `done` with when the last was. */
  async function everySecond(seconds: number, send: (i: number) => Promise<unknown>): Promise<{ first: number; done: Promise<number> }> {
    const first = Date.now();
    await send(0);
    const done = (async () => {
      for (let i = 1; i < seconds; i++) {
        await new Promise((r) => setTimeout(r, Math.max(0, first + i * 1000 - Date.now())));
        await send(i);
      }
      return Date.now();
    })();
    return { first, done };
  }

  beforeAll(async () => {
    mkdirSync(join(dir, 'pty'), { recursive: true });
    await pty.start();
    const mqttDevice = (id: string, bed: string) => ({ id, bed, transport: 'mqtt', password: `pw-${id}`, maxSilenceSeconds: SILENCE_S });
    const config = writeConfig(dir, {
      gateway: { id: 'gw-silence', site: 's', ward: 'w' },
      dataDir: join(dir, 'data'),
      broker: { port: 0, users: [{ username: 'nc', password: 'nc-pw', subscribe: ['alarms/#'] }] },
      screen: { port: 0, staff: [{ id: 's1', name: 'Staff', pin: '1357' }] },
      hl7Listener: { enabled: true, port: 0 },
      beds: ['bed-never', 'bed-stops', 'bed-invalid', 'bed-demo', 'bed-serial'].map((id) => ({ id })),
      devices: [
        mqttDevice('wear-never', 'bed-never'),
        mqttDevice('wear-stops', 'bed-stops'),
        mqttDevice('wear-invalid', 'bed-invalid'),
        { id: 'mon-demo', bed: 'bed-demo', transport: 'hl7-tcp', hl7: { bed: 'DEMO-2' }, maxSilenceSeconds: SILENCE_S },
        { id: 'rad8', bed: 'bed-serial', transport: 'serial', maxSilenceSeconds: SILENCE_S, disconnectGraceSeconds: 2, serial: { path: pty.b, baudRate: 9600, dialect: 'masimo' } },
      ],
      rules: { technical: { noDataSeconds: NO_DATA_S } },
      sync: { enabled: false },
    });
    // The serial oximeter sends a normal line every 200 ms until the test unplugs it.
    tty = openSync(pty.a, 'w');
    oximeter = setInterval(() => writeSync(tty, '02/01/24 10:15:00 SN=0000012345 SPO2=097% BPM=072 PI=02.10% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000000\r\n'), 200);
    spawnedAt = Date.now();
    gw = await startGatewayProcess(config);
    hl7Port = (await gw.waitForLog((l) => l.msg === 'hl7: MLLP listener listening')).port as number;
    nurse = await connectMqtt(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'nc', password: 'nc-pw', protocolVersion: 4 });
    nurse.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as Alarm));
    await nurse.subscribeAsync('alarms/#', { qos: 1 });
  }, 30_000);

  afterAll(async () => {
    clearInterval(oximeter);
    nurse?.end(true);
    await gw?.kill();
    await pty.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`runs every device at once: start-up grace, silence, invalid and demo data, a serial unplug`, { timeout: 90_000 }, async () => {
    // --- wear-stops sends normal samples for 8 s, then stops; wear-invalid only implausible values (SpO2 300);
    //     mon-demo only OBX-8 DEMO values. All three keep the device "sending" well past noDataSeconds.
    const stops = await everySecond(8, (i) => pub('wear-stops', { seq: i + 1, hr: 72, spo2: 97 }));
    const invalid = await everySecond(12, (i) => pub('wear-invalid', { seq: i + 1, spo2: 300 }));
    const demoMsg = (i: number) =>
      pcd01Message({ bed: 'DEMO-2', controlId: `D${i}`, obx: ['OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1|70|262688^MDC_DIM_PERCENT^MDC||DEMO|||R'] });
    const demo = await everySecond(12, (i) => mllp(`demo-${i}`, demoMsg(i)));

    // --- A configured MQTT device that never sends: nothing before its maxSilenceSeconds of uptime, then no-data.
    const never = await waitFor(() => on('bed-never').find((a) => a.condition === 'no-data' && a.transition === 'raised'), 20_000, () => `no-data on bed-never; logged: ${logged('bed-never').join(', ')}`);
    expect(never.raisedAt).toBeGreaterThanOrEqual(spawnedAt + SILENCE_S * 1000 - MARGIN_MS);
    expect(never.message).toContain(`no data for ${SILENCE_S} s`);
    expect(logged('bed-never')[0]).toBe('no-data raised'); // the first alarm of the bed, and none at noDataSeconds

    // --- Sending only invalid (MQTT) or demo (HL7) values: no-valid-data after the device's own bound, not before,
    //     and never no-data (the device is not silent).
    for (const [bed, started] of [['bed-invalid', invalid.first], ['bed-demo', demo.first]] as const) {
      const nv = await waitFor(() => on(bed).find((a) => a.condition === 'no-valid-data' && a.transition === 'raised'), 20_000, () => `no-valid-data on ${bed}; logged: ${logged(bed).join(', ')}`);
      expect(nv.raisedAt - started, bed).toBeGreaterThanOrEqual(SILENCE_S * 1000 - MARGIN_MS);
      expect(nv).toMatchObject({ priority: 'medium', state: 'active' });
      expect(nv.message).toContain(`data received for ${SILENCE_S} s, none of it scorable`);
    }
    await Promise.all([invalid.done, demo.done]);
    expect(logged('bed-invalid')).toEqual(['no-valid-data raised']);
    expect(logged('bed-demo')).toEqual(['no-valid-data raised']);

    // --- A device silent past maxSilenceSeconds still raises no-data, counted from its last sample.
    const lastSample = await stops.done;
    const stopped = await waitFor(() => on('bed-stops').find((a) => a.condition === 'no-data' && a.transition === 'raised'), 20_000, () => `no-data on bed-stops; logged: ${logged('bed-stops').join(', ')}`);
    // lastSample is when the last mosquitto_pub returned: the gateway had the sample a little earlier
    expect(stopped.raisedAt - lastSample).toBeGreaterThanOrEqual(SILENCE_S * 1000 - 500);
    expect(logged('bed-stops')).toEqual(['no-data raised']);
    await pub('wear-stops', { seq: 100, hr: 72 });
    await waitFor(() => on('bed-stops').find((a) => a.condition === 'no-data' && a.transition === 'cleared'), 10_000, 'no-data cleared on bed-stops');

    // --- Serial: the link-down grace is unchanged (disconnectGraceSeconds), and a streaming oximeter raised nothing.
    expect(logged('bed-serial')).toEqual([]);
    clearInterval(oximeter);
    closeSync(tty);
    const unplugged = Date.now();
    await pty.kill();
    const lost = await waitFor(() => on('bed-serial').find((a) => a.condition === 'device-disconnected' && a.transition === 'raised'), 20_000, 'device-disconnected on bed-serial');
    expect(lost.raisedAt - unplugged).toBeGreaterThanOrEqual(2000 - MARGIN_MS);
    expect(lost.raisedAt - unplugged).toBeLessThan(SILENCE_S * 1000);
  });
});
