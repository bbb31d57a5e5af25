import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pcd01Message, pcd04Message } from './hl7/fixtures.js';
import { encodeMllp, MllpFramer } from './hl7/mllp.js';
import { MllpListener } from '../tcp/mllp-listener.js';
import { SerialDriver, type SerialPortConfig } from './serial-driver.js';
import { registerSerialDialect } from './dialects.js';
import { PtyPair } from './testing/pty-pair.js';
import { ACK, ETX, NAK, STX, stxEtxDialect } from './testing/stx-etx-dialect.js';
import { RecordingSink } from './testing/recording-sink.js';

const MASIMO_OK = '12/01/05 11:56:29 SN=0123456789 SPO2=098% BPM=072 PI=02.23% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ALARM=0000 EXC=000800\r\n';
const MASIMO_OFF = '12/01/05 11:56:30 SN=0123456789 SPO2=---% BPM=--- PI=--.--% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ALARM=0000 EXC=000820\r\n';

/** The simulator's end of the PTY. */
async function openSim(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  port.on('error', () => undefined);
  return port;
}
const write = (p: SerialPort, data: string | Buffer) => new Promise<void>((res, rej) => p.write(data, (e) => (e ? rej(e) : p.drain(() => res()))));
const close = (p: SerialPort) => new Promise<void>((res) => (p.isOpen ? p.close(() => res()) : res()));

let dir: string;
let pty: PtyPair;
let driver: SerialDriver | undefined;
let sim: SerialPort | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wardgate-pty-'));
  pty = new PtyPair(dir);
  await pty.start();
});

afterEach(async () => {
  if (sim) await close(sim);
  sim = undefined;
  await driver?.stop();
  driver = undefined;
  await pty.kill();
  rmSync(dir, { recursive: true, force: true });
});

function config(dialect: SerialPortConfig['dialect'], extra: Partial<SerialPortConfig> = {}): SerialPortConfig {
  return { deviceId: `dev-${dialect}`, path: pty.b, baudRate: 9600, dialect, maxSilenceMs: 1500, backoffMinMs: 100, backoffMaxMs: 400, ...extra };
}

/** A driver on `port` with a recording sink, started and connected, and the simulated device's end of the PTY. */
async function connectedDriver(port: SerialPortConfig): Promise<[RecordingSink, SerialPort]> {
  const sink = new RecordingSink();
  driver = new SerialDriver({ ports: [port], sink });
  await driver.start();
  await sink.waitFor('connected', () => sink.lastState(port.deviceId) === 'connected');
  return [sink, await openSim(pty.a)];
}

describe('SerialDriver over a real PTY (socat)', () => {
  it('masimo: readings and conditions flow; unplug -> disconnected; replug -> reconnects by itself', async () => {
    const sink = new RecordingSink();
    driver = new SerialDriver({ ports: [config('masimo')], sink });
    await driver.start();
    await sink.waitFor('connected', () => sink.lastState('dev-masimo') === 'connected');

    sim = await openSim(pty.a);
    await write(sim, MASIMO_OK + MASIMO_OFF);
    await sink.waitFor('3 readings', () => sink.readings.length >= 3);
    expect(sink.readings.map((r) => [r.deviceId, r.reading.param, r.reading.value, r.reading.unit])).toEqual([
      ['dev-masimo', 'spo2', 98, '%'],
      ['dev-masimo', 'pr', 72, '/min'],
      ['dev-masimo', 'pi', 2.23, '%'],
    ]);
    await sink.waitFor('sensor-off', () => sink.conditions.some((c) => c.report.condition === 'sensor-off' && c.report.active));
    expect(sink.readings).toHaveLength(3); // the placeholder line gave no readings

    // Unplug: kill socat.
    await close(sim);
    sim = undefined;
    await pty.kill();
    await sink.waitFor('disconnected', () => sink.lastState('dev-masimo') === 'disconnected');
    const down = sink.connections.filter((c) => c.state === 'disconnected').at(-1)!;
    expect(down.reason).toMatch(/^port disappeared/); // serialport: close with err.disconnected

    // Replug: socat again; the driver reopens on its own and values flow again.
    await pty.start();
    await sink.waitFor('reconnected', () => sink.lastState('dev-masimo') === 'connected', 10_000);
    sim = await openSim(pty.a);
    const before = sink.readings.length;
    await write(sim, MASIMO_OK);
    await sink.waitFor('readings after reconnect', () => sink.readings.length >= before + 3);
    expect(driver.stats('dev-masimo')!.opens).toBeGreaterThanOrEqual(2);
  });

  it("masimo: the ALARM field's limit bits reach the sink as the device's alarm list, passed on only when it changes", async () => {
    const [sink, opened] = await connectedDriver(config('masimo'));
    sim = opened;
    const lowSpo2 = MASIMO_OK.replace('SPO2=098%', 'SPO2=084%').replace('ALARM=0000', 'ALARM=0012');
    await write(sim, MASIMO_OK + MASIMO_OK + lowSpo2 + lowSpo2 + MASIMO_OK);
    await sink.waitFor('5 lines', () => sink.readings.length >= 15);
    // first line: the (empty) list; then only the changes: the SpO2 low alarm, and its end
    expect(sink.alarmLists.map((l) => [l.deviceId, l.alarms.map((a) => `${a.priority}:${a.kind}:${a.text}`)])).toEqual([
      ['dev-masimo', []],
      ['dev-masimo', ['high:physiological:SpO2 low limit']],
      ['dev-masimo', []],
    ]);
  });

  it('goes quiet after maxSilenceMs without valid frames (noise does not count) and recovers on data', async () => {
    const [sink, opened] = await connectedDriver(config('masimo', { maxSilenceMs: 600 }));
    sim = opened;
    await write(sim, MASIMO_OK);
    await sink.waitFor('reading', () => sink.readings.length >= 3);
    const t0 = Date.now();
    await write(sim, '\u00ff\u00fe garbage at the wrong baud \u0001\r\n');
    await sink.waitFor('quiet', () => sink.lastState('dev-masimo') === 'quiet', 3000);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(sink.errors.some((e) => e.codec === 'masimo' && e.deviceId === 'dev-masimo')).toBe(true);
    await write(sim, MASIMO_OK);
    await sink.waitFor('connected again', () => sink.lastState('dev-masimo') === 'connected');
    expect(sink.connections.at(-1)!.reason).toBe('data resumed');
  });

  it('drops an overlong line and keeps going', async () => {
    const [sink, opened] = await connectedDriver(config('masimo'));
    sim = opened;
    await write(sim, `SPO2=097% ${'X'.repeat(5000)}\r\n` + MASIMO_OK);
    await sink.waitFor('reading', () => sink.readings.length >= 3);
    expect(sink.errors.some((e) => /longer than 512 bytes/.test(e.error))).toBe(true);
    expect(driver!.stats('dev-masimo')!.overlong).toBe(1);
  });

  it('ndjson: readings with t and seq', async () => {
    const [sink, opened] = await connectedDriver(config('ndjson'));
    sim = opened;
    await write(sim, '{"hr":72,"spo2":97,"t":1700000000000,"seq":1}\n{"hr":"bad"}\n{"rr":18,"temp":37.5}\n');
    await sink.waitFor('4 readings', () => sink.readings.length >= 4);
    expect(sink.readings.map((r) => [r.reading.param, r.reading.value, r.reading.sourceSeq])).toEqual([
      ['hr', 72, 1],
      ['spo2', 97, 1],
      ['rr', 18, undefined],
      ['temp', 37.5, undefined],
    ]);
    expect(sink.errors).toEqual([{ codec: 'ndjson', deviceId: 'dev-ndjson', error: expect.stringMatching(/bad hr/) }]);
  });

  it('hl7: MLLP frames split and merged across writes; ACKs written back to the port', async () => {
    const [sink, opened] = await connectedDriver(config('hl7'));
    sim = opened;
    const acks: string[] = [];
    const framer = new MllpFramer();
    sim.on('data', (b: Buffer) => acks.push(...framer.push(b).map(String)));
    const wire = Buffer.concat([
      encodeMllp(pcd01Message({ controlId: 'C1' })),
      encodeMllp(pcd01Message({ controlId: 'C2', msh15: 'NE', msh16: 'AL' })),
      encodeMllp(pcd01Message({ controlId: 'C3', msh15: 'NE', msh16: 'NE' })),
    ]);
    await write(sim, wire.subarray(0, 50));
    await new Promise((r) => setTimeout(r, 50));
    await write(sim, wire.subarray(50));
    await sink.waitFor('24 readings', () => sink.readings.length >= 24);
    await sink.waitFor('2 acks', () => acks.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(acks.map((a) => /MSA\|(\w+)\|(\w+)/.exec(a)?.slice(1))).toEqual([
      ['AA', 'C1'],
      ['AA', 'C2'],
    ]); // C3 asked for no ACK
    expect(sink.readings.filter((r) => r.reading.param === 'sbp').map((r) => r.reading.value)).toEqual([128, 128, 128]);
    expect(driver!.stats('dev-hl7')!.replies).toBe(2);
    // a message whose only reading is not a number: AE with an ERR, and the rejection reaches the gateway
    await write(sim, encodeMllp(pcd01Message({ controlId: 'C4', obx: ['OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|abc|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F'] })));
    await sink.waitFor('3 acks', () => acks.length >= 3);
    expect(acks[2]).toMatch(/MSA\|AE\|C4\|.*\rERR\|\|OBX\^1\^5\|102\^/);
    expect(sink.rejections).toMatchObject([{ source: 'hl7', deviceId: 'dev-hl7', reason: 'not-a-number' }]);
  });

  it('hl7: plain CR segments without MLLP, ended by the idle gap', async () => {
    const [sink, opened] = await connectedDriver(config('hl7', { idleFlushMs: 150 }));
    sim = opened;
    let acked = '';
    sim.on('data', (b: Buffer) => (acked += b.toString()));
    await write(sim, pcd01Message({ controlId: 'P1' }));
    await sink.waitFor('8 readings', () => sink.readings.length >= 8);
    await sink.waitFor('ack', () => acked.includes('MSA|AA|P1'));
  });

  it('hl7: ORU^R40 alert reports (IHE PCD-04) reach the gateway as the device\'s alarm list, kept across a replug, answered AA as ACK^R40', async () => {
    const [sink, opened] = await connectedDriver(config('hl7'));
    sim = opened;
    const acks: string[] = [];
    const framer = new MllpFramer();
    sim.on('data', (b: Buffer) => acks.push(...framer.push(b).map(String)));
    const asystole = { event: '^MDC_EVT_ECG_ASYSTOLE^MDC', at: '1.1.1.1', priority: 'PH', type: 'SP' } as const;
    await write(sim, encodeMllp(pcd04Message({ ...asystole, controlId: 'S1' })));
    await sink.waitFor('1 alarm list', () => sink.alarmLists.length >= 1);
    await sink.waitFor('ack S1', () => acks.length >= 1);
    // Unplugged and plugged back while the monitor still has its asystole alarm: the alert is not forgotten.
    await close(sim);
    sim = undefined;
    await pty.kill();
    await sink.waitFor('disconnected', () => sink.lastState('dev-hl7') === 'disconnected');
    await pty.start();
    await sink.waitFor('reconnected', () => sink.lastState('dev-hl7') === 'connected', 10_000);
    sim = await openSim(pty.a);
    sim.on('data', (b: Buffer) => acks.push(...framer.push(b).map(String)));
    await write(sim, encodeMllp(pcd04Message({ controlId: 'S2', priority: 'PL', type: 'ST' }))); // lead off
    await sink.waitFor('2 alarm lists', () => sink.alarmLists.length >= 2);
    expect(sink.alarmLists.map((l) => l.alarms.map((a) => `${a.priority}:${a.kind}:${a.text}`))).toEqual([
      ['high:physiological:MDC_EVT_ECG_ASYSTOLE'],
      ['high:physiological:MDC_EVT_ECG_ASYSTOLE', 'low:technical:MDC_EVT_LEAD_OFF'],
    ]);
    await write(sim, encodeMllp(pcd04Message({ ...asystole, controlId: 'S3', phase: 'end', state: 'inactive' })));
    await sink.waitFor('3 alarm lists', () => sink.alarmLists.length >= 3);
    expect(sink.alarmLists[2]!.alarms.map((a) => a.text)).toEqual(['MDC_EVT_LEAD_OFF']);
    await sink.waitFor('3 acks', () => acks.length >= 3);
    expect(acks.map((a) => [/\|(ACK\^R40)\^ACK\|/.exec(a)?.[1], /MSA\|(\w+)\|(\w+)/.exec(a)?.slice(1)])).toEqual([
      ['ACK^R40', ['AA', 'S1']],
      ['ACK^R40', ['AA', 'S2']],
      ['ACK^R40', ['AA', 'S3']],
    ]);
    expect(sink.readings).toEqual([]);
  });

  it('hl7: the serial port and the MLLP listener answer the same messages with the same ACKs (the dialect\'s answer hook)', async () => {
    const messages = [
      pcd01Message({ controlId: 'S1' }),
      pcd01Message({ controlId: 'S2', msh15: 'AL', msh16: 'ER' }),
      pcd01Message({ controlId: 'S3', obx: ['OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|abc|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F'] }),
      pcd01Message({ controlId: 'S4', obx: ['OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F'] }).replace('ORU^R01', 'ADT^A01'),
    ];
    // MSH-7 is the time the ACK was built: the only field allowed to differ.
    const withoutTime = (ack: string): string => ack.replace(/^(MSH\|[^|]*\|[^|]*\|[^|]*\|[^|]*\|[^|]*\|)[^|]*/, '$1');

    const [sink, opened] = await connectedDriver(config('hl7'));
    sim = opened;
    const serialAcks: string[] = [];
    const serialFramer = new MllpFramer();
    sim.on('data', (b: Buffer) => serialAcks.push(...serialFramer.push(b).map(String)));
    await write(sim, Buffer.concat(messages.map((m) => encodeMllp(m))));
    await sink.waitFor('serial acks', () => serialAcks.length >= messages.length);

    const listener = new MllpListener({ sink: new RecordingSink(), port: 0, maxSilenceMs: 5000 });
    await listener.start();
    try {
      const socket = connect(listener.address().port, '127.0.0.1');
      const tcpAcks: string[] = [];
      const tcpFramer = new MllpFramer();
      socket.on('data', (b: Buffer) => tcpAcks.push(...tcpFramer.push(b).map(String)));
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write(Buffer.concat(messages.map((m) => encodeMllp(m))));
      await sink.waitFor('tcp acks', () => tcpAcks.length >= messages.length);
      socket.destroy();
      expect(serialAcks.map((a) => /MSA\|(\w+)\|(\w+)/.exec(a)?.slice(1))).toEqual([
        ['AA', 'S1'],
        ['CA', 'S2'],
        ['AE', 'S3'],
        ['AR', 'S4'],
      ]);
      expect(tcpAcks.map(withoutTime)).toEqual(serialAcks.map(withoutTime));
    } finally {
      await listener.stop();
    }
  });

  it('a second byte-framed dialect (STX/ETX fixture) is framed, decoded and answered by its own parts, not as HL7', async () => {
    const unregister = registerSerialDialect(stxEtxDialect());
    try {
      const [sink, opened] = await connectedDriver(config('stx-etx-fixture'));
      sim = opened;
      const answers: number[] = [];
      sim.on('data', (b: Buffer) => answers.push(...b));
      const frame = (text: string) => Buffer.concat([Buffer.of(STX), Buffer.from(text, 'latin1'), Buffer.of(ETX)]);
      // Line noise before and between frames, one frame split across writes, two merged in one write, one bad.
      const wire = Buffer.concat([Buffer.from('\r\nnoise'), frame('hr=72,spo2=97'), Buffer.from('xx'), frame('rr=18'), frame('hr=abc'), frame('temp=37.5')]);
      await write(sim, wire.subarray(0, 12));
      await new Promise((r) => setTimeout(r, 50));
      await write(sim, wire.subarray(12));
      await sink.waitFor('4 readings', () => sink.readings.length >= 4);
      await sink.waitFor('4 answers', () => answers.length >= 4);
      expect(sink.readings.map((r) => [r.deviceId, r.reading.param, r.reading.value, r.reading.unit])).toEqual([
        ['dev-stx-etx-fixture', 'hr', 72, '/min'],
        ['dev-stx-etx-fixture', 'spo2', 97, '%'],
        ['dev-stx-etx-fixture', 'rr', 18, '/min'],
        ['dev-stx-etx-fixture', 'temp', 37.5, 'Cel'],
      ]);
      expect(sink.errors).toEqual([{ codec: 'stx-etx-fixture', deviceId: 'dev-stx-etx-fixture', error: 'stx-etx: bad pair "hr=abc"' }]);
      expect(answers).toEqual([ACK, ACK, NAK, ACK]);
      expect(driver!.stats('dev-stx-etx-fixture')).toMatchObject({ frames: 3, decodeErrors: 1, replies: 4 });
    } finally {
      await driver?.stop();
      driver = undefined;
      unregister();
    }
  });

  it('refuses an unknown dialect and a session dialect (IntelliVue has its own driver)', () => {
    const sink = new RecordingSink();
    expect(() => new SerialDriver({ ports: [config('nope')], sink })).toThrow("unknown serial dialect 'nope'");
    expect(() => new SerialDriver({ ports: [config('intellivue')], sink })).toThrow(/own driver/);
  });

  it('one missing port does not stall another', async () => {
    const sink = new RecordingSink();
    driver = new SerialDriver({
      ports: [config('masimo'), config('ndjson', { deviceId: 'ghost', path: join(dir, 'does-not-exist') })],
      sink,
    });
    await driver.start();
    await sink.waitFor('ghost disconnected', () => sink.connections.some((c) => c.deviceId === 'ghost' && c.state === 'disconnected'));
    expect(sink.connections.find((c) => c.deviceId === 'ghost' && c.state === 'disconnected')!.reason).toMatch(/open failed.*(ENOENT|No such file)/);
    await sink.waitFor('connected', () => sink.lastState('dev-masimo') === 'connected');
    sim = await openSim(pty.a);
    await write(sim, MASIMO_OK);
    await sink.waitFor('reading', () => sink.readings.length >= 3);
  });

  it('resolves a USB vendor/product id to the port path', async () => {
    const sink = new RecordingSink();
    driver = new SerialDriver({
      ports: [config('masimo', { path: { vendorId: '0403', productId: '6001' } })],
      sink,
      resolve: async (id) => (id.vendorId === '0403' ? pty.b : 'nope'),
    });
    await driver.start();
    await sink.waitFor('connected', () => sink.lastState('dev-masimo') === 'connected');
    expect(sink.connections.find((c) => c.state === 'connecting')!.reason).toBe('opening usb 0403:6001');
  });
});
