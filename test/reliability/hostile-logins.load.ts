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
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../gateway/secrets.js';
import { REPO, type GatewayProcess } from '../helpers/gateway-process.js';
import { beds, connectMqtt, gatewayConfig, percentile, sleep, startLiveWard, type LiveWard } from './live-gateway.js';
import { figure } from './profile.js';

const NURSE = { username: 'nursecall', password: 'nurse-call-secret' };
/** The p99 the issue asks for; printed beside the measured one. */
const P99_TARGET_MS = 50;
/** What the test fails on: a stalled loop (seconds, as before the fix) fails it, a loaded machine does not. */
const P99_BOUND_MS = 500;

/**
 * Runs a burst of raw logins in a process of its own (login-burst.ts), so that the test process, which hosts the
 * legitimate wearable and the alarm observer, is not itself stalled by opening a thousand sockets.
 */
function loginBurst(args: { port: number; count: number; firstAddress: number; users: string[]; password: string; wrong: boolean }): Promise<{ results: Array<number | 'closed' | 'timeout'>; ms: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', join(REPO, 'test/reliability/login-burst.ts'), JSON.stringify(args)], { cwd: REPO, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`login burst failed: ${err.message} ${stderr}`));
      else resolve(JSON.parse(stdout) as { results: Array<number | 'closed' | 'timeout'>; ms: number });
    });
  });
}

/** The daemon's own event-loop delay since the last scrape (prom-client resets its histogram on each collect). */
async function loopLagMaxMs(screenPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${screenPort}/metrics`)).text();
  const m = /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([\d.e+-]+)/m.exec(text);
  return m ? Number(m[1]) * 1000 : Number.NaN;
}

describe('hostile logins against the real daemon configured as a ward', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wg-logins-'));
  const ward = beds(24);
  const [good, valid, flood, wrong] = ward;
  let live: LiveWard;
  let gw: GatewayProcess;
  const nurseLogins: Array<{ ok: boolean; ms: number; phase: string }> = [];
  let currentPhase = 'baseline';

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

  const latencies = (fromTs: number, toTs: number): number[] => live.wearable.latencies(live.alarms, fromTs, toTs, 'hr-high');

  async function phase(name: string, attack: () => Promise<void>): Promise<number[]> {
    currentPhase = name;
    const nurse = setInterval(() => void nurseLogin(), 500);
    const from = Date.now();
    const load0 = loadavg()[0]!;
    await loopLagMaxMs(gw.screenPort); // resets the daemon's loop-delay histogram
    try {
      await attack();
    } finally {
      clearInterval(nurse);
    }
    const to = Date.now();
    const lag = await loopLagMaxMs(gw.screenPort);
    await sleep(1500);
    figure(`${name}: daemon event-loop delay max`, lag, 'ms');
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
    const missing = [...live.wearable.highTs].filter((t) => t >= from && t < to && !live.alarms.some((a) => a.bed === good!.bed && a.condition === 'hr-high' && a.state === 'active' && a.sourceTs === t));
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
    live = await startLiveWard(dir, config, good!, { highEvery: 2, qos: 1 });
    gw = live.gw;
  }, 60_000);

  afterAll(async () => {
    await live?.stop();
  });

  it('baseline', async () => {
    const l = await phase('baseline', () => sleep(3000));
    expect(l.length).toBeGreaterThanOrEqual(5);
  });

  it('1,000 concurrent logins with one valid device account', async () => {
    let results: Array<number | 'closed' | 'timeout'> = [];
    await phase('1,000 valid logins', async () => {
      const burst = await loginBurst({ port: gw.brokerPort, count: 1000, firstAddress: 1, users: [valid!.device], password: valid!.password, wrong: false });
      results = burst.results;
      figure('1,000 valid logins: all answered in', burst.ms, 'ms');
    });
    const by = (r: number | string) => results.filter((x) => x === r).length;
    figure('1,000 valid logins: CONNACK accepted / server unavailable (3) / other / no answer', `${by(0)} / ${by(3)} / ${results.length - by(0) - by(3) - by('timeout')} / ${by('timeout')}`);
    figure('1,000 valid logins: broker counters', JSON.stringify(await counters()));
    expect(results).toHaveLength(1000);
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
    let results: Array<number | 'closed' | 'timeout'> = [];
    await phase('400 wrong passwords', async () => {
      // half on the nurse-call account itself, half on a device account
      const burst = await loginBurst({ port: gw.brokerPort, count: 400, firstAddress: 5000, users: [NURSE.username, wrong!.device], password: '', wrong: true });
      results = burst.results;
      figure('400 wrong passwords: all answered in', burst.ms, 'ms');
    });
    const by = (r: number | string) => results.filter((x) => x === r).length;
    figure('400 wrong passwords: CONNACK bad credentials (4) / server unavailable (3) / accepted / no answer', `${by(4)} / ${by(3)} / ${by(0)} / ${by('timeout')}`);
    figure('400 wrong passwords: broker counters', JSON.stringify(await counters()));
    expect(results).toHaveLength(400);
    expect(by(0)).toBe(0);
    expect(by('timeout')).toBe(0);
  });
});
