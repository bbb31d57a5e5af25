/**
 * Hostile logins against the real daemon configured as a ward: every secret hashed (scrypt, as `wardgate
 * hash-secret` makes them), the shipped broker limits, 24 beds. Attack clients are spread over source addresses in
 * 127.0.0.0/8 so that the per-address cap on unauthenticated connections does not hide what a login costs.
 * Phases: 1,000 concurrent logins with one valid device account; a flood from one device; 400 wrong-password
 * attempts. Throughout, a legitimate wearable sends a sample every 100 ms (QoS 1), alternating a high and a normal
 * heart rate so that alarms raise and clear, and the nurse-call account logs in every 500 ms.
 * Reports the wearable's sample-to-alarm p99 per phase (target under 50 ms: a figure, the pass condition is looser
 * because the machine is shared) and asserts that no legitimate alarm is lost and that every nurse-call login works.
 *
 * Reliability suite only (config/vitest.reliability.config.ts), not `npm test`: it measures, it takes a minute.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../gateway/secrets.js';
import { startGatewayProcess, writeConfig, type GatewayProcess } from '../helpers/gateway-process.js';
import { beds, connectMqtt, gatewayConfig, percentile, sleep, type AlarmMessage } from './live-gateway.js';
import { figure } from './profile.js';

const NURSE = { username: 'nursecall', password: 'nurse-call-secret' };
/** The p99 the issue asks for; printed beside the measured one. */
const P99_TARGET_MS = 50;
/** What the test fails on: a stalled loop (seconds, as before the fix) fails it, a loaded machine does not. */
const P99_BOUND_MS = 500;

function field(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

/** MQTT 3.1.1 CONNECT (section 3.1) with username and password, clean session, keep-alive 60 s. */
function connectPacket(clientId: string, username: string, password: string): Buffer {
  const body = Buffer.concat([Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0xc2, 0x00, 0x3c]), field(clientId), field(username), field(password)]);
  const len: number[] = [];
  let n = body.length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    len.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x10, ...len]), body]);
}

/** A raw login from `localAddress`: resolves with the CONNACK return code, 'closed' or 'timeout'. */
function rawLogin(port: number, localAddress: string, clientId: string, username: string, password: string, hold: Socket[], timeoutMs = 15_000): Promise<number | 'closed' | 'timeout'> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port, localAddress });
    hold.push(s);
    const t = setTimeout(() => resolve('timeout'), timeoutMs);
    s.on('error', () => undefined);
    s.once('connect', () => s.write(connectPacket(clientId, username, password)));
    s.once('data', (b: Buffer) => {
      clearTimeout(t);
      resolve(b[0] === 0x20 && b.length >= 4 ? b[3]! : 'closed');
    });
    s.once('close', () => {
      clearTimeout(t);
      resolve('closed');
    });
  });
}

const address = (i: number) => `127.${1 + ((i >> 16) & 0x7f)}.${(i >> 8) & 0xff}.${(i & 0xff) || 1}`;

describe('hostile logins against the real daemon configured as a ward', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wg-logins-'));
  const ward = beds(24);
  const [good, valid, flood, wrong] = ward;
  let gw: GatewayProcess;
  let device: MqttClient;
  let observer: MqttClient;
  const alarms: AlarmMessage[] = [];
  const highTs = new Set<number>();
  const sentTs = new Set<number>();
  let seq = 0;
  let lastTs = 0;
  let probing = false;
  let probe: Promise<void> | undefined;
  const nurseLogins: Array<{ ok: boolean; ms: number; phase: string }> = [];
  let currentPhase = 'baseline';

  async function runProbe(): Promise<void> {
    while (probing) {
      seq += 1;
      const high = seq % 2 === 1;
      const t = (lastTs = Math.max(Date.now(), lastTs + 1));
      sentTs.add(t);
      if (high) highTs.add(t);
      device.publish(`vitals/${good!.device}`, JSON.stringify({ t, seq, hr: high ? 150 : 80 }), { qos: 1 });
      await sleep(100);
    }
  }

  async function nurseLogin(): Promise<void> {
    const t0 = performance.now();
    const c = mqtt.connect(`mqtt://127.0.0.1:${gw.brokerPort}`, { ...NURSE, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, clientId: `nurse-${Math.random().toString(16).slice(2)}` });
    const ok = await new Promise<boolean>((resolve) => {
      c.once('connect', () => resolve(true));
      c.once('error', () => resolve(false));
      c.once('close', () => resolve(false));
    });
    nurseLogins.push({ ok, ms: performance.now() - t0, phase: currentPhase });
    c.end(true);
  }

  function latencies(fromTs: number, toTs: number): number[] {
    return alarms
      .filter((a) => a.bed === good!.bed && a.condition === 'hr-high' && a.sourceTs !== undefined && a.sourceTs >= fromTs && a.sourceTs < toTs && sentTs.has(a.sourceTs))
      .map((a) => a.receivedAtWallMs - a.sourceTs!);
  }

  async function phase(name: string, attack: () => Promise<void>): Promise<number[]> {
    currentPhase = name;
    const nurse = setInterval(() => void nurseLogin(), 500);
    const from = Date.now();
    const load0 = loadavg()[0]!;
    try {
      await attack();
    } finally {
      clearInterval(nurse);
    }
    const to = Date.now();
    await sleep(1500);
    const l = latencies(from, to);
    figure(`${name}: load average (1 min) at start / end`, `${load0.toFixed(2)} / ${loadavg()[0]!.toFixed(2)}`);
    figure(`${name}: good-bed alarms`, l.length);
    figure(`${name}: good-bed sample-to-alarm p50`, percentile(l, 50), 'ms');
    figure(`${name}: good-bed sample-to-alarm p99 (target ${P99_TARGET_MS} ms)`, percentile(l, 99), 'ms');
    figure(`${name}: good-bed sample-to-alarm max`, Math.max(...l), 'ms');
    const nurses = nurseLogins.filter((n) => n.phase === name);
    figure(`${name}: nurse-call logins ok / tried`, `${nurses.filter((n) => n.ok).length} / ${nurses.length}`);
    figure(`${name}: nurse-call login max`, Math.max(...nurses.map((n) => n.ms)), 'ms');
    // Every high sample sent in the phase raised its alarm (each normal one cleared the one before).
    const missing = [...highTs].filter((t) => t >= from && t < to && !alarms.some((a) => a.bed === good!.bed && a.condition === 'hr-high' && a.state === 'active' && a.sourceTs === t));
    figure(`${name}: legitimate alarms lost`, missing.length);
    expect(missing).toEqual([]);
    expect(nurses.length).toBeGreaterThan(0);
    expect(nurses.every((n) => n.ok)).toBe(true);
    expect(percentile(l, 99)).toBeLessThan(P99_BOUND_MS);
    return l;
  }

  const counters = async (): Promise<Record<string, number>> => {
    const text = await (await fetch(`http://127.0.0.1:${gw.screenPort}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^wardgate_broker_refused_total\{reason="(\w+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
    return out;
  };

  beforeAll(async () => {
    const config = gatewayConfig(dir, ward) as {
      broker: { users: Array<Record<string, unknown>> };
      devices: Array<Record<string, unknown>>;
    };
    // Hashed secrets everywhere, as on a real ward; the broker's limits are the shipped defaults.
    config.broker.users = [
      { username: NURSE.username, passwordHash: hashSecret(NURSE.password), subscribe: ['alarms/#'] },
      { username: 'observer', passwordHash: hashSecret('observer-secret'), subscribe: ['alarms/#'] },
    ];
    for (const d of config.devices) {
      const spec = ward.find((b) => b.device === d.id)!;
      delete d.password;
      d.passwordHash = hashSecret(spec.password);
    }
    gw = await startGatewayProcess(writeConfig(dir, config));
    observer = await connectMqtt(gw.brokerPort, { username: 'observer', password: 'observer-secret', clientId: 'observer' });
    observer.on('message', (_t, p) => {
      try {
        alarms.push({ ...(JSON.parse(p.toString()) as AlarmMessage), receivedAtMs: performance.now(), receivedAtWallMs: Date.now() });
      } catch {
        // not an alarm
      }
    });
    await observer.subscribeAsync('alarms/#', { qos: 1 });
    device = await connectMqtt(gw.brokerPort, { username: good!.device, password: good!.password, clientId: 'good' });
    probing = true;
    probe = runProbe();
  }, 60_000);

  afterAll(async () => {
    probing = false;
    await probe;
    device?.end(true);
    observer?.end(true);
    await gw?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('baseline', async () => {
    const l = await phase('baseline', () => sleep(3000));
    expect(l.length).toBeGreaterThanOrEqual(5);
  });

  it('1,000 concurrent logins with one valid device account', async () => {
    const hold: Socket[] = [];
    const results: Array<number | 'closed' | 'timeout'> = [];
    await phase('1,000 valid logins', async () => {
      const t0 = performance.now();
      results.push(...(await Promise.all(Array.from({ length: 1000 }, (_, i) => rawLogin(gw.brokerPort, address(i), `valid-${i}`, valid!.device, valid!.password, hold)))));
      figure('1,000 valid logins: all answered in', performance.now() - t0, 'ms');
      await sleep(1000);
    });
    for (const s of hold) s.destroy();
    const by = (r: number | string) => results.filter((x) => x === r).length;
    figure('1,000 valid logins: CONNACK accepted / server unavailable (3) / other / no answer', `${by(0)} / ${by(3)} / ${results.length - by(0) - by(3) - by('timeout')} / ${by('timeout')}`);
    figure('1,000 valid logins: broker counters', JSON.stringify(await counters()));
    expect(by('timeout')).toBe(0);
    expect(by(0)).toBeGreaterThanOrEqual(1);
    expect(by(0)).toBeLessThanOrEqual(8); // the per-account session cap (shipped default)
  });

  it('a flood from one device', async () => {
    const flooder = await connectMqtt(gw.brokerPort, { username: flood!.device, password: flood!.password, clientId: 'flooder', reconnectPeriod: 100 });
    let published = 0;
    await phase('one-device flood', async () => {
      const end = Date.now() + 4000;
      while (Date.now() < end) {
        if (flooder.connected) for (let i = 0; i < 120; i++, published++) flooder.publish(`vitals/${flood!.device}`, JSON.stringify({ seq: published, rr: 16 }), { qos: 0 });
        await sleep(10);
      }
    });
    flooder.end(true);
    figure('one-device flood: messages offered', published);
    figure('one-device flood: broker counters', JSON.stringify(await counters()));
  });

  it('400 wrong-password attempts', async () => {
    const hold: Socket[] = [];
    const results: Array<number | 'closed' | 'timeout'> = [];
    await phase('400 wrong passwords', async () => {
      const t0 = performance.now();
      // half on the nurse-call account itself, half on a device account
      results.push(
        ...(await Promise.all(
          Array.from({ length: 400 }, (_, i) => rawLogin(gw.brokerPort, address(5000 + i), `wrong-${i}`, i % 2 ? NURSE.username : wrong!.device, `not-the-secret-${i}`, hold)),
        )),
      );
      figure('400 wrong passwords: all answered in', performance.now() - t0, 'ms');
      await sleep(1000);
    });
    for (const s of hold) s.destroy();
    const by = (r: number | string) => results.filter((x) => x === r).length;
    figure('400 wrong passwords: CONNACK bad credentials (4) / server unavailable (3) / accepted / no answer', `${by(4)} / ${by(3)} / ${by(0)} / ${by('timeout')}`);
    figure('400 wrong passwords: broker counters', JSON.stringify(await counters()));
    expect(by(0)).toBe(0);
    expect(by('timeout')).toBe(0);
  });
});
