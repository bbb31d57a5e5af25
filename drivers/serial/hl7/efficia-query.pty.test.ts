/**
 * The opt-in HL7 query over a real PTY pair (socat): the test plays a Philips Efficia CM on the serial port, which
 * sends nothing until asked (Efficia CM Series Data Export Guide, chapter 3 "Serial Data Export", "Flow of Events",
 * p. 3-2): it reads the gateway's QRY, checks its fields against the guide's QRY layout (pp. 3-5 to 3-8), answers
 * with the guide's ORF^R04 example (p. 3-10), and later with a negative ACK.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerialDriver } from '../serial-driver.js';
import { PtyPair } from '../testing/pty-pair.js';
import { RecordingSink } from '../testing/recording-sink.js';
import { component, findSegment, parseHl7, type Hl7Message } from './message.js';
import { encodeMllp, MllpFramer } from './mllp.js';
import { hl7QueryPoll } from './query.js';

const orfText = readFileSync(new URL('../../../test/fixtures/captures/philips-efficia-cm-orf-r04-manual-example.txt', import.meta.url), 'utf8');
const ORF = orfText.replace(/\n/g, '').replace(/<CR>/g, '\r');

function parsed(frame: Buffer): Hl7Message {
  const m = parseHl7(frame.toString('latin1'));
  if ('error' in m) throw new Error(m.error);
  return m;
}

let dir: string;
let pty: PtyPair;
let driver: SerialDriver | undefined;
let monitor: SerialPort | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wardgate-efficia-'));
  pty = new PtyPair(dir);
  await pty.start();
});

afterEach(async () => {
  if (monitor?.isOpen) await new Promise<void>((r) => monitor!.close(() => r()));
  monitor = undefined;
  await driver?.stop();
  driver = undefined;
  await pty.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('an Efficia CM on a serial port, queried by the gateway', () => {
  it('gets a QRY at once and at the interval, answers ORF^R04 whose readings arrive and which is ACKed; a negative ACK is reported, not answered', async () => {
    // The monitor's end, opened first: whatever the gateway writes is read from the start.
    monitor = new SerialPort({ path: pty.a, baudRate: 9600, autoOpen: false });
    await new Promise<void>((res, rej) => monitor!.open((e) => (e ? rej(e) : res())));
    monitor.on('error', () => undefined);
    const fromGateway: Hl7Message[] = [];
    const framer = new MllpFramer();
    monitor.on('data', (b: Buffer) => fromGateway.push(...framer.push(b).map(parsed)));
    const send = (text: string) => new Promise<void>((res, rej) => monitor!.write(encodeMllp(text), (e) => (e ? rej(e) : monitor!.drain(() => res()))));
    const type = (m: Hl7Message) => component(m, findSegment(m, 'MSH'), 9, 1);
    const queries = () => fromGateway.filter((m) => type(m) === 'QRY');
    const acks = () => fromGateway.filter((m) => type(m) === 'ACK');

    const sink = new RecordingSink();
    driver = new SerialDriver({
      sink,
      ports: [{ deviceId: 'efficia-8', path: pty.b, baudRate: 9600, dialect: 'hl7', maxSilenceMs: 5000, backoffMinMs: 100, backoffMaxMs: 400, poll: hl7QueryPoll({ everySeconds: 0.4, filter: 'RES' }) }],
    });
    const started = Date.now();
    await driver.start();

    // 1. The first query, sent as soon as the port is open, laid out as the guide gives it.
    await sink.waitFor('a first QRY', () => queries().length >= 1, 5000);
    expect(Date.now() - started).toBeLessThan(3000);
    const q = queries()[0]!;
    const msh = findSegment(q, 'MSH')!;
    const qrd = findSegment(q, 'QRD')!;
    expect(q.segments.map((s) => s.id)).toEqual(['MSH', 'QRD']);
    expect(msh.fields.slice(1, 3)).toEqual(['|', '^~\\&']);
    expect(component(q, msh, 7)).toMatch(/^\d{14}$/);
    expect([component(q, msh, 9, 1), component(q, msh, 9, 2), component(q, msh, 11), component(q, msh, 12)]).toEqual(['QRY', 'R02', 'P', '2.4']);
    expect(component(q, msh, 10)).toMatch(/^\w{1,20}$/);
    expect(qrd.fields).toEqual(['QRD', component(q, msh, 7), 'R', 'I', component(q, msh, 10), '', '', '', '', 'RES']);

    // 2. The monitor answers with the guide's example; its readings reach the driver's sink, and the gateway ACKs it.
    await send(ORF);
    await sink.waitFor('7 readings', () => sink.readings.length >= 7, 5000);
    expect(sink.readings.map((r) => [r.deviceId, r.reading.param, r.reading.value])).toEqual([
      ['efficia-8', 'spo2', 98], ['efficia-8', 'sbp', 122], ['efficia-8', 'dbp', 85], ['efficia-8', 'map', 98],
      ['efficia-8', 'pr', 80], ['efficia-8', 'rr', 20], ['efficia-8', 'temp', 37.4],
    ]);
    await sink.waitFor('the ACK of the ORF', () => acks().length >= 1, 5000);
    const ack = acks()[0]!;
    expect([component(ack, findSegment(ack, 'MSA'), 1), component(ack, findSegment(ack, 'MSA'), 2)]).toEqual(['AA', 'MONITORABC000000002D']);
    expect(sink.lastState('efficia-8')).toBe('connected');

    // 3. The next query comes at the interval, with a new control id; the monitor refuses it (no record to export).
    await sink.waitFor('a second QRY', () => queries().length >= 2, 5000);
    const refusedId = component(queries()[1]!, findSegment(queries()[1]!, 'MSH'), 10);
    expect(refusedId).not.toBe(component(q, msh, 10));
    const acksBefore = acks().length;
    await send(`MSH|^~\\&|^EfficiaCM||||20140510124600||ACK^^ACK_ALL|MONITORABC000000003D|P|2.4\rMSA|AE|${refusedId}|No data\r`);
    await sink.waitFor('the refusal reported', () => sink.rejections.length >= 1, 5000);
    expect(sink.rejections).toEqual([{ source: 'hl7', deviceId: 'efficia-8', reason: 'query-refused', detail: `AE to ${refusedId}: No data` }]);

    // 4. The driver goes on: more queries, no answer to the ACK, no decode error, the port still open.
    const n = queries().length;
    await sink.waitFor('a query after the refusal', () => queries().length > n, 5000);
    expect(acks().length).toBe(acksBefore);
    expect(sink.errors).toEqual([]);
    expect(sink.lastState('efficia-8')).toBe('connected');
    const stats = driver.stats('efficia-8')!;
    expect(stats.polls).toBeGreaterThanOrEqual(3);
    expect(stats.replies).toBe(1);
  });

  it('a port without the opt-in sends nothing', async () => {
    monitor = new SerialPort({ path: pty.a, baudRate: 9600, autoOpen: false });
    await new Promise<void>((res, rej) => monitor!.open((e) => (e ? rej(e) : res())));
    monitor.on('error', () => undefined);
    let bytes = 0;
    monitor.on('data', (b: Buffer) => (bytes += b.length));
    const sink = new RecordingSink();
    driver = new SerialDriver({ sink, ports: [{ deviceId: 'efficia-9', path: pty.b, baudRate: 9600, dialect: 'hl7', maxSilenceMs: 5000 }] });
    await driver.start();
    await sink.waitFor('port open', () => sink.connections.some((c) => c.reason.startsWith('port ')), 5000);
    await new Promise((r) => setTimeout(r, 600));
    expect(bytes).toBe(0);
    expect(driver.stats('efficia-9')!.polls).toBe(0);
  });
});
