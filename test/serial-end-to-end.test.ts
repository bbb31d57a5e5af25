import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcd01Message } from '../drivers/serial/hl7/fixtures.js';
import { encodeMllp } from '../drivers/serial/hl7/mllp.js';
import { PtyPair } from '../drivers/serial/testing/pty-pair.js';
import { IntellivueEmulator } from '../simulator/intellivue/emulator.js';
import { startGatewayProcess, writeConfig, type GatewayProcess } from './helpers/gateway-process.js';
import { waitFor } from './helpers/wait.js';

type Alarm = { bed: string; condition: string; priority: string; state: string; kind: string; deviceId?: string };

/** Opens the monitor's end of a PTY pair and writes to it like a bedside monitor would. */
async function openMonitor(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('error', () => undefined);
  return port;
}

const noDelay = { delaySeconds: 0 };

describe('bedside monitors over real PTYs, end to end to alarms/#', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-serial-e2e-'));
  const pty = { masimo: new PtyPair(join(dir, 'masimo')), hl7: new PtyPair(join(dir, 'hl7')), ndjson: new PtyPair(join(dir, 'ndjson')), iv: new PtyPair(join(dir, 'iv')) };
  let gw: GatewayProcess;
  let sub: MqttClient;
  const alarms: Alarm[] = [];
  let emulator: IntellivueEmulator;

  beforeAll(async () => {
    for (const [name, p] of Object.entries(pty)) {
      mkdirSync(join(dir, name), { recursive: true });
      await p.start();
    }
    const config = writeConfig(dir, {
      gateway: { id: 'gw-serial', site: 's', ward: 'w' },
      dataDir: join(dir, 'data'),
      broker: { port: 0, users: [{ username: 'nc', password: 'nc-pw', subscribe: ['alarms/#'] }] },
      screen: { port: 0, staff: [{ id: 's1', name: 'Staff', pin: '1357' }] },
      hl7Listener: { enabled: true, port: 0 },
      beds: ['bed-m', 'bed-h', 'bed-n', 'bed-i', 'bed-t'].map((id) => ({ id, overrides: { spo2: noDelay, pr: noDelay, hr: noDelay } })),
      devices: [
        { id: 'rad8', bed: 'bed-m', transport: 'serial', maxSilenceSeconds: 3, disconnectGraceSeconds: 1, serial: { path: pty.masimo.b, baudRate: 9600, dialect: 'masimo' } },
        { id: 'oru', bed: 'bed-h', transport: 'serial', maxSilenceSeconds: 30, serial: { path: pty.hl7.b, baudRate: 9600, dialect: 'hl7' } },
        { id: 'diy', bed: 'bed-n', transport: 'serial', maxSilenceSeconds: 30, serial: { path: pty.ndjson.b, baudRate: 9600, dialect: 'ndjson' } },
        { id: 'central-bed12', bed: 'bed-t', transport: 'hl7-tcp', hl7: { bed: 'BED-12' } },
        { id: 'mx450', bed: 'bed-i', transport: 'serial', maxSilenceSeconds: 30, serial: { path: pty.iv.b, baudRate: 115200, dialect: 'intellivue' } },
      ],
      sync: { enabled: false },
    });
    gw = await startGatewayProcess(config);
    sub = mqtt.connect(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'nc', password: 'nc-pw', protocolVersion: 4 });
    sub.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as Alarm));
    await new Promise<void>((r) => sub.once('connect', () => r()));
    await sub.subscribeAsync('alarms/#', { qos: 1 });
  });

  afterAll(async () => {
    sub?.end(true);
    await emulator?.stop();
    await gw?.kill();
    for (const p of Object.values(pty)) await p.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Masimo ASCII lines raise SpO2 alarms; unplugging raises device-disconnected; re-plugging recovers by itself', async () => {
    let monitor = await openMonitor(pty.masimo.a);
    const write = (spo2: number, bpm: number) => monitor.write(`02/01/24 10:15:00 SN=0000012345 SPO2=${String(spo2).padStart(3, '0')}% BPM=${String(bpm).padStart(3, '0')} PI=02.10% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000000\r\n`);
    write(82, 88);
    const desat = await waitFor(() => alarms.find((a) => a.bed === 'bed-m' && a.condition === 'spo2-low' && a.state === 'active'), 10_000, 'spo2-low on bed-m');
    expect(desat.priority).toBe('high');

    // The oximeter's own alarm (ALARM 0x12: alarm active, SpO2 below its low limit) reaches the ward as the device's
    // alarm at the Rad-8's priority for low saturation (high), and clears when the device's bits clear.
    const withAlarm = (bits: string) => `02/01/24 10:15:01 SN=0000012345 SPO2=082% BPM=088 PI=02.10% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=${bits} EXC=000000\r\n`;
    monitor.write(withAlarm('0012'));
    const own = await waitFor(() => alarms.find((a) => a.bed === 'bed-m' && a.condition === 'device-alarm-high' && a.state === 'active'), 10_000, "the device's own alarm on bed-m");
    expect([own.priority, own.deviceId]).toEqual(['high', 'rad8']);
    monitor.write(withAlarm('0000'));
    await waitFor(() => alarms.find((a) => a.bed === 'bed-m' && a.condition === 'device-alarm-high' && a.state === 'cleared'), 10_000, "the device's own alarm cleared on bed-m");

    monitor.close();
    await pty.masimo.kill();
    const lost = await waitFor(() => alarms.find((a) => a.bed === 'bed-m' && a.condition === 'device-disconnected' && a.state === 'active'), 10_000, 'device-disconnected on bed-m');
    expect(lost.kind).toBe('technical');

    await pty.masimo.start();
    monitor = await openMonitor(pty.masimo.a);
    const writer = setInterval(() => write(97, 72), 200);
    try {
      await waitFor(() => alarms.find((a) => a.bed === 'bed-m' && a.condition === 'device-disconnected' && a.state === 'cleared'), 20_000, 'device-disconnected cleared after re-plug');
    } finally {
      clearInterval(writer);
      monitor.close();
    }
  });

  it('HL7 ORU^R01 over MLLP raises an alarm and gets its ACK', async () => {
    const monitor = await openMonitor(pty.hl7.a);
    const acks: Buffer[] = [];
    monitor.on('data', (b: Buffer) => acks.push(b));
    const msg = pcd01Message({ controlId: 'CTRL42', obx: ['OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|152|264864^MDC_DIM_BEAT_PER_MIN^MDC|50-120|H|||F'] });
    monitor.write(encodeMllp(msg));
    const a = await waitFor(() => alarms.find((x) => x.bed === 'bed-h' && x.condition === 'hr-high' && x.state === 'active'), 10_000, 'hr-high on bed-h');
    expect(a.priority).toBe('high');
    await waitFor(() => Buffer.concat(acks).toString('latin1').includes('MSA|AA|CTRL42') || undefined, 5000, 'MSA|AA ack');
    monitor.close();
  });

  it('HL7 over TCP (MLLP listener): a message for a configured bed raises its alarm and is ACKed; split frames reassemble', async () => {
    const port = (await gw.waitForLog((l) => l.msg === 'hl7: MLLP listener listening')).port as number;
    const socket = connect(port, '127.0.0.1');
    const acks: Buffer[] = [];
    socket.on('data', (b) => acks.push(b));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const framed = encodeMllp(pcd01Message({ controlId: 'TCP7', bed: 'BED-12', obx: ['OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|33|264864^MDC_DIM_BEAT_PER_MIN^MDC|50-120|L|||F'] }));
    socket.write(framed.subarray(0, 17));
    await new Promise((r) => setTimeout(r, 50));
    socket.write(framed.subarray(17));
    const a = await waitFor(() => alarms.find((x) => x.bed === 'bed-t' && x.condition === 'hr-low' && x.state === 'active'), 10_000, 'hr-low on bed-t');
    expect(a.priority).toBe('high');
    await waitFor(() => Buffer.concat(acks).toString('latin1').includes('MSA|AA|TCP7') || undefined, 5000, 'MSA|AA over TCP');
    socket.destroy();
  });

  it('NDJSON lines from a DIY device raise an alarm', async () => {
    const monitor = await openMonitor(pty.ndjson.a);
    monitor.write('{"hr":72,"spo2":97}\n{"spo2":83}\n');
    const a = await waitFor(() => alarms.find((x) => x.bed === 'bed-n' && x.condition === 'spo2-low' && x.state === 'active'), 10_000, 'spo2-low on bed-n');
    expect(a.priority).toBe('high');
    monitor.close();
  });

  it('an emulated Philips IntelliVue drives vitals and an alarm over MIB/RS232', async () => {
    emulator = new IntellivueEmulator({ path: pty.iv.a, values: { hr: 155, spo2: 96, pr: 150, rr: 16 }, reportEveryMs: 500 });
    await emulator.start();
    const a = await waitFor(() => alarms.find((x) => x.bed === 'bed-i' && x.condition === 'hr-high' && x.state === 'active'), 20_000, 'hr-high on bed-i');
    expect(a.priority).toBe('high');
    expect(emulator.stats.associations).toBeGreaterThanOrEqual(1);

    // The monitor's own alarm list is shown on the bed, apart from the gateway's alarms.
    emulator.alarms = [{ list: 'physiological', source: 0x4182, code: 0x0100, type: 0x0400, state: 0x0008, textId: 1, text: '***HR HIGH' }];
    const login = await fetch(`http://127.0.0.1:${gw.screenPort}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 's1', pin: '1357' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    let texts: string[] = [];
    for (let i = 0; i < 100 && texts.length === 0; i++) {
      const state = (await (await fetch(`http://127.0.0.1:${gw.screenPort}/api/state`, { headers: { cookie } })).json()) as { beds: Array<{ id: string; deviceAlarms?: Record<string, Array<{ text: string; priority: string }>> }> };
      texts = Object.values(state.beds.find((b) => b.id === 'bed-i')?.deviceAlarms ?? {}).flat().map((a) => `${a.priority}:${a.text}`);
      if (texts.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(texts).toContain('high:***HR HIGH');
  });
});
