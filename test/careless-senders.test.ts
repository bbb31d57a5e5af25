import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcd01Message } from '../drivers/serial/hl7/fixtures.js';
import { PtyPair } from '../drivers/serial/testing/pty-pair.js';
import { startGatewayProcess, writeConfig, type GatewayProcess } from './helpers/gateway-process.js';
import { waitFor } from './helpers/wait.js';
import { connectMqtt } from './helpers/ward-config.js';

/**
 * Careless senders, driven by real third-party clients: Debian's mosquitto_pub / mosquitto_sub and python3-hl7's
 * mllp_send (each invocation is one TCP connection, as many monitors and wearables behave), against the real daemon.
 */
interface Alarm {
  bed: string;
  condition: string;
  state: string;
}

const VT = '\x0b';
const FS_CR = '\x1c\r';

/** python3-hl7's mllp_send: one connection, the file's MLLP frames sent one by one, each answer printed. */
function mllpSend(port: number, file: string, timeoutMs = 5000): Promise<{ out: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', ['/usr/bin/mllp_send', '--port', String(port), '--file', file, '127.0.0.1'], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`mllp_send failed: ${err.message} ${stderr}`));
      else resolve({ out: stdout, ms: performance.now() - t0 });
    });
  });
}

function mosquittoPub(port: number, user: string, password: string, topic: string, message: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-u', user, '-P', password, '-t', topic, '-m', message, '-q', '1', '-V', 'mqttv311'], { timeout: 10_000 }, (err, _o, stderr) =>
      err ? reject(new Error(`mosquitto_pub: ${err.message} ${stderr}`)) : resolve(),
    );
  });
}

/** MSA-1 and MSA-2 of each answer mllp_send printed (it prints the raw MLLP bytes it received). */
function msa(out: string): string[][] {
  return [...out.matchAll(/MSA\|([A-Z]{2})\|([^|\r\n\x1c]*)/g)].map((m) => [m[1]!, m[2]!]);
}

describe('careless senders with real clients (mosquitto_pub, mosquitto_sub, mllp_send)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-careless-'));
  const pty = new PtyPair(join(dir, 'pty'));
  let gw: GatewayProcess;
  let hl7Port = 0;
  let nurse: MqttClient;
  const alarms: Alarm[] = [];
  let n = 0;
  let monitor: NodeJS.Timeout | undefined;
  let tty = -1;
  const file = (body: string) => {
    const f = join(dir, `msg-${++n}.hl7`);
    writeFileSync(f, body, 'latin1');
    return f;
  };
  const frame = (msg: string) => `${VT}${msg}${FS_CR}`;

  beforeAll(async () => {
    mkdirSync(join(dir, 'pty'), { recursive: true });
    await pty.start();
    gw = await startGatewayProcess(
      writeConfig(dir, {
        gateway: { id: 'gw-careless', site: 's', ward: 'w' },
        dataDir: join(dir, 'data'),
        broker: { port: 0, users: [{ username: 'nc', password: 'nc-pw', subscribe: ['alarms/#'] }] },
        screen: { port: 0, staff: [{ id: 's1', name: 'Staff', pin: '1357' }] },
        hl7Listener: { enabled: true, port: 0 },
        beds: ['bed-w', 'bed-s', 'bed-h', 'bed-p'].map((id) => ({ id })),
        devices: [
          { id: 'wear-1', bed: 'bed-w', transport: 'mqtt', password: 'w1', maxSilenceSeconds: 30 },
          { id: 'wear-s', bed: 'bed-s', transport: 'mqtt', password: 'ws', maxSilenceSeconds: 2 },
          { id: 'mon-h', bed: 'bed-h', transport: 'hl7-tcp', maxSilenceSeconds: 30, hl7: { bed: 'BED-12' } },
          { id: 'rad8', bed: 'bed-p', transport: 'serial', maxSilenceSeconds: 3, disconnectGraceSeconds: 1, serial: { path: pty.b, baudRate: 9600, dialect: 'masimo' } },
        ],
        rules: { technical: { noDataSeconds: 600 } },
        sync: { enabled: false },
      }),
    );
    // The serial oximeter sends a normal line every 200 ms until the test unplugs it.
    tty = openSync(pty.a, 'w');
    monitor = setInterval(() => writeSync(tty, '02/01/24 10:15:00 SN=0000012345 SPO2=097% BPM=072 PI=02.10% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000000\r\n'), 200);
    hl7Port = (gw.logs.find((l) => l.msg === 'hl7: MLLP listener listening')?.port as number) ?? 0;
    expect(hl7Port).toBeGreaterThan(0);
    nurse = await connectMqtt(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'nc', password: 'nc-pw', protocolVersion: 4 });
    nurse.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as Alarm));
    await nurse.subscribeAsync('alarms/#', { qos: 1 });
  }, 30_000);

  afterAll(async () => {
    clearInterval(monitor);
    nurse?.end(true);
    await gw?.kill();
    await pty.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('10 normal samples, each from its own mosquitto_pub, raise no alarm', async () => {
    for (let i = 1; i <= 10; i++) await mosquittoPub(gw.brokerPort, 'wear-1', 'w1', 'vitals/wear-1', JSON.stringify({ seq: i, hr: 72, spo2: 97, rr: 16 }));
    await new Promise((r) => setTimeout(r, 1500));
    expect(alarms.filter((a) => a.bed === 'bed-w')).toEqual([]);
  });

  it('10 normal ORU^R01, each on its own TCP connection (mllp_send), are each answered AA and raise no alarm', async () => {
    for (let i = 1; i <= 10; i++) {
      const { out } = await mllpSend(hl7Port, file(frame(pcd01Message({ controlId: `N${i}` }))));
      expect(msa(out)).toEqual([['AA', `N${i}`]]);
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(alarms.filter((a) => a.bed === 'bed-h')).toEqual([]);
  });

  it('a device silent past maxSilenceSeconds raises no-data; a serial link down past its grace raises device-disconnected', { timeout: 60_000 }, async () => {
    const noData = await waitFor(() => alarms.find((a) => a.bed === 'bed-s' && a.condition === 'no-data' && a.state === 'active'), 20_000, 'no-data on bed-s');
    expect(noData).toBeDefined();
    await mosquittoPub(gw.brokerPort, 'wear-s', 'ws', 'vitals/wear-s', JSON.stringify({ seq: 1, hr: 70 }));
    await waitFor(() => alarms.find((a) => a.bed === 'bed-s' && a.condition === 'no-data' && a.state === 'cleared'), 20_000, 'no-data cleared on bed-s');
    expect(alarms.filter((a) => a.bed === 'bed-s' && a.condition === 'device-disconnected')).toEqual([]);

    expect(alarms.filter((a) => a.bed === 'bed-p')).toEqual([]);
    clearInterval(monitor);
    closeSync(tty);
    const unplugged = Date.now();
    await pty.kill();
    const lost = await waitFor(() => alarms.find((a) => a.bed === 'bed-p' && a.condition === 'device-disconnected' && a.state === 'active'), 20_000, 'device-disconnected on bed-p');
    expect(lost).toBeDefined();
    expect(Date.now() - unplugged).toBeGreaterThanOrEqual(900);
  });

  it('a resent message (same MSH-10) and a redelivered sample (same seq) are stored once', async () => {
    const resend = file(frame(pcd01Message({ controlId: 'DUP-1', obx: ['OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|77|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F'] })));
    expect(msa((await mllpSend(hl7Port, resend)).out)).toEqual([['AA', 'DUP-1']]);
    expect(msa((await mllpSend(hl7Port, resend)).out)).toEqual([['AA', 'DUP-1']]);
    const sample = JSON.stringify({ seq: 5000, hr: 73 });
    await mosquittoPub(gw.brokerPort, 'wear-1', 'w1', 'vitals/wear-1', sample);
    await mosquittoPub(gw.brokerPort, 'wear-1', 'w1', 'vitals/wear-1', sample);
    const db = new Database(join(dir, 'data', 'wardgate.db'), { readonly: true });
    try {
      const count = (device: string, value: number) =>
        (db.prepare('SELECT COUNT(*) AS n FROM observation_readings WHERE device = ? AND value = ?').get(device, value) as { n: number }).n;
      await waitFor(() => count('mon-h', 77) >= 1 && count('wear-1', 73) >= 1, 10_000, 'observations stored');
      await new Promise((r) => setTimeout(r, 1000));
      expect(count('mon-h', 77)).toBe(1);
      expect(count('wear-1', 73)).toBe(1);
    } finally {
      db.close();
    }
  });

  it('garbage, a broken segment and an ADT^A01 are each answered within 1 s with the right MSA-1 and MSA-2', async () => {
    // mllp_send waits for an answer with no timeout of its own: a frame left unanswered would hang it. The 1 s
    // allowed is on top of what the interpreter itself needs to start here (measured with --version).
    const t0 = performance.now();
    await new Promise((r) => execFile('/usr/bin/python3', ['/usr/bin/mllp_send', '--version'], r));
    const startup = performance.now() - t0;
    const garbage = await mllpSend(hl7Port, file(frame('\xff\xfe binary garbage \x00\x01')));
    expect(msa(garbage.out)).toEqual([['AR', '']]);
    expect(garbage.ms).toBeLessThan(1000 + startup * 1.5);
    const broken = await mllpSend(hl7Port, file(frame(pcd01Message({ controlId: 'BRK-1' }).replace('PV1|', 'P@1|'))));
    expect(msa(broken.out)).toEqual([['AE', 'BRK-1']]);
    expect(broken.ms).toBeLessThan(1000 + startup * 1.5);
    expect(broken.out).toMatch(/ERR\|\|P\?1\^3\|100\^/);
    const adt = await mllpSend(hl7Port, file(frame('MSH|^~\\&|ADM|HOSP|||20240101||ADT^A01|ADT-1|P|2.5\rPID|||1\r')));
    expect(msa(adt.out)).toEqual([['AR', 'ADT-1']]);
    expect(adt.ms).toBeLessThan(1000 + startup * 1.5);
    expect(adt.out).toMatch(/ERR\|\|MSH\^1\^9\|200\^Unsupported message type/);
    // several on one connection: each answered, the connection kept
    const many = await mllpSend(hl7Port, file(frame('garbage') + frame(pcd01Message({ controlId: 'AFTER-1' }))));
    expect(msa(many.out)).toEqual([['AR', ''], ['AA', 'AFTER-1']]);
  });

  it('a message whose readings were all rejected gets AE with one ERR per OBX; an unknown bed gets AE naming PV1-3 and a log line', async () => {
    const rejected = await mllpSend(
      hl7Port,
      file(frame(pcd01Message({ controlId: 'REJ-1', obx: [
        'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|97|266016^MDC_DIM_MMHG^MDC|||||F',
        'OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|abc|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
      ] }))),
    );
    expect(msa(rejected.out)).toEqual([['AE', 'REJ-1']]);
    expect(rejected.out).toMatch(/ERR\|\|OBX\^1\^6\|103\^/);
    expect(rejected.out).toMatch(/ERR\|\|OBX\^2\^5\|102\^/);
    const unknown = await mllpSend(hl7Port, file(frame(pcd01Message({ controlId: 'UNK-1', bed: 'BED-99' }))));
    expect(msa(unknown.out)).toEqual([['AE', 'UNK-1']]);
    expect(unknown.out).toMatch(/ERR\|\|PV1\^1\^3\|204\^/);
    const line = await gw.waitForLog((l) => l.msg === 'ingest: device data not taken' && l.reason === 'unknown-bed', 5000);
    expect(String(line.detail)).toMatch(/BED-99.*hl7-tcp/);
    const metrics = await (await fetch(`http://127.0.0.1:${gw.screenPort}/metrics`)).text();
    expect(metrics).toMatch(/wardgate_device_data_rejected_total\{source="hl7",reason="wrong-unit"\} 1/);
    expect(metrics).toMatch(/wardgate_device_data_rejected_total\{source="hl7",reason="not-a-number"\} 1/);
  });

  it('mosquitto_sub beyond its ACL gets SUBACK 0x80 and stays connected', async () => {
    // stdbuf: mosquitto_sub's debug lines, line-buffered on a pipe
    const sub = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(gw.brokerPort), '-u', 'nc', '-P', 'nc-pw', '-t', 'vitals/#', '-t', 'alarms/#', '-V', 'mqttv311', '-d'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    sub.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    try {
      await waitFor(() => /SUBACK/.test(out), 10_000, () => `SUBACK from mosquitto_sub; output: ${out}`);
      // one return code per filter, in order: 0x80 (128) for vitals/#, QoS 0 granted for alarms/#
      expect(out).toMatch(/Subscribed \(mid: \d+\): 128, 0/);
      await new Promise((r) => setTimeout(r, 1500));
      expect(out.match(/CONNACK/g)).toHaveLength(1); // no reconnect loop
      expect(sub.exitCode).toBeNull();
      const metrics = await (await fetch(`http://127.0.0.1:${gw.screenPort}/metrics`)).text();
      expect(metrics).toMatch(/wardgate_broker_refused_total\{reason="subscribeDenied"\} [1-9]/);
    } finally {
      sub.kill();
    }
  });
});
