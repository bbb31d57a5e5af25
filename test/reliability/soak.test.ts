/**
 * Soak: the simulator's device-chaos scenario (simulator/scenarios/device-chaos.yaml:
 * falls, low battery, unplugged wearables and serial cables, garbage bytes, bursts over the rate limit, clock
 * jumps, real deteriorations) repeated back to back against ONE real gateway process for RELIABILITY.soakSeconds
 * real seconds (60 short, 1800 long) at the scenario's own speed. Each repetition starts clean: once its faults and
 * deteriorations are over, the battery is back, the device clocks are set back, and a nurse acknowledges every alarm
 * still shown on the screen (the high-priority ones latch until acknowledged); incidents then close within the
 * scenario's short rejoin window. Every repetition's expected alarms
 * and incidents must then fire afresh and its forbidden ones must not, strictly; meanwhile the daemon's RSS, open file descriptors (/proc/<pid>/fd)
 * and event-loop lag (nodejs_eventloop_lag_seconds on /metrics) are sampled every second and must stay bounded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runScenario } from '../../simulator/scenario/runner.js';
import { parseScenarioText, type Scenario } from '../../simulator/scenario/schema.js';
import { openFds, rssMb, scrapeMetric } from './live-gateway.js';
import { figure, LONG, RELIABILITY } from './profile.js';

interface RawScenario {
  speed: number;
  gateway: Record<string, unknown>;
  beds: Array<{ devices: Array<{ id: string; battery?: number }> }>;
  durationSeconds: number;
  events: Array<Record<string, unknown> & { at: number }>;
  expect: { alarms: Array<Record<string, unknown> & { after: number }>; incidents: Array<Record<string, unknown> & { after: number }>; mustNot: Array<Record<string, unknown>> };
}

/** Scenario second of each repetition at which its faults and deteriorations are all over (the last ends at 1600). */
const SETTLED_AT = 1650;
/** Scenario second of each repetition at which the nurse acknowledges what is still shown. */
const ACK_AT = 1700;

/**
 * The chaos scenario repeated `reps` times on one timeline (events and expectations shifted by one period each).
 * At SETTLED_AT each repetition undoes its lasting device changes: a battery is back to its starting level
 * and the device clocks jumped in the repetition are set back, so the next one starts as the first did.
 */
function repeatedChaos(reps: number): Scenario {
  const raw = parse(readFileSync(new URL('../../simulator/scenarios/device-chaos.yaml', import.meta.url), 'utf8')) as RawScenario;
  const period = raw.durationSeconds;
  const lastEnd = Math.max(...raw.events.map((e) => e.at + (typeof e.durationSeconds === 'number' ? e.durationSeconds : 0)));
  if (lastEnd >= SETTLED_AT || ACK_AT >= period) throw new Error(`device-chaos changed: its events end at ${lastEnd} s; move SETTLED_AT and ACK_AT`);
  const resets = raw.events.flatMap((e): Array<Record<string, unknown> & { at: number }> => {
    const startLevel = raw.beds.flatMap((b) => b.devices).find((d) => d.id === e.device)?.battery;
    if (e.type === 'battery' && startLevel !== undefined) return [{ type: 'battery', device: e.device, at: SETTLED_AT, level: startLevel }];
    if (e.type === 'clock-jump') return [{ type: 'clock-jump', device: e.device, at: SETTLED_AT, seconds: -(e.seconds as number) }];
    return [];
  });
  raw.events = [...raw.events, ...resets];
  // An incident whose alarm cleared closes after the rejoin window (300 real s by default, ten repetitions at 60x):
  // closed within 2 s, the next repetition's incidents open afresh instead of rejoining the last one's.
  raw.gateway.incidentRejoinSeconds = 2;
  const shift = <T extends Record<string, unknown>>(list: T[], key: 'at' | 'after') => Array.from({ length: reps }, (_, r) => list.map((x) => ({ ...x, [key]: (x[key] as number) + r * period }))).flat();
  raw.events = shift(raw.events, 'at');
  raw.expect.alarms = shift(raw.expect.alarms, 'after');
  raw.expect.incidents = shift(raw.expect.incidents, 'after');
  raw.durationSeconds = period * reps;
  const r = parseScenarioText(stringify(raw));
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.scenario;
}

/** The daemon the runner spawned: a child of this process running gateway/cli.ts. */
function gatewayPid(): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('gateway/cli')) return Number(name);
    } catch {
      // the process went away while we looked
    }
  }
  return undefined;
}

/**
 * A nurse at the screen: logs in (the generated config's staff member) and acknowledges every alarm still shown.
 * Returns how many were acknowledged.
 */
async function acknowledgeEverything(screenPort: number): Promise<number> {
  const base = `http://127.0.0.1:${screenPort}`;
  const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'sim', pin: '2468' }) });
  if (login.status !== 200) throw new Error(`screen login: HTTP ${login.status}`);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const state = (await (await fetch(`${base}/api/state`, { headers: { cookie } })).json()) as { alarms: Array<{ id: string; state: string }> };
  let acknowledged = 0;
  for (const a of state.alarms.filter((x) => x.state === 'active')) {
    const r = await fetch(`${base}/api/alarms/${encodeURIComponent(a.id)}/ack`, { method: 'POST', headers: { 'Content-Type': 'application/json', cookie }, body: '{}' });
    if (r.status === 200) acknowledged += 1;
  }
  return acknowledged;
}

interface Sample {
  atS: number;
  rssMb: number;
  fds: number;
  lagS: number | undefined;
  heapMb: number | undefined;
}

describe(`soak: device chaos against one gateway for ${RELIABILITY.soakSeconds} s`, () => {
  it('fires every expected alarm in every repetition with memory, file handles and event-loop lag bounded', async () => {
    const base = parseScenarioText(readFileSync(new URL('../../simulator/scenarios/device-chaos.yaml', import.meta.url), 'utf8'));
    if (!base.ok) throw new Error(base.errors.join('\n'));
    const periodReal = base.scenario.durationSeconds / base.scenario.speed;
    const reps = Math.max(1, Math.round(RELIABILITY.soakSeconds / periodReal));
    const scenario = repeatedChaos(reps);

    const samples: Sample[] = [];
    let pid: number | undefined;
    let screenPort: number | undefined;
    const t0 = Date.now();
    const sampler = setInterval(() => {
      pid ??= gatewayPid();
      if (!pid || !screenPort) return;
      const p = pid;
      const sp = screenPort;
      try {
        const s: Sample = { atS: (Date.now() - t0) / 1000, rssMb: rssMb(p), fds: openFds(p), lagS: undefined, heapMb: undefined };
        samples.push(s);
        void scrapeMetric(sp, 'nodejs_eventloop_lag_seconds').then((v) => (s.lagS = v), () => undefined);
        void scrapeMetric(sp, 'nodejs_heap_size_used_bytes').then((v) => (s.heapMb = v === undefined ? undefined : v / 1024 / 1024), () => undefined);
      } catch {
        // the gateway is stopping
      }
    }, 1000);
    // The nurse's rounds: once per repetition, at ACK_AT, on the scenario's own clock.
    const period = base.scenario.durationSeconds;
    let rounds = 0;
    let acknowledged = 0;
    const nurse: Array<Promise<void>> = [];
    let result;
    try {
      result = await runScenario({
        scenario,
        expect: true,
        log: (line) => {
          const m = /screen http:\/\/127\.0\.0\.1:(\d+)\//.exec(line);
          if (m) screenPort = Number(m[1]);
        },
        progressEveryMs: 100,
        onProgress: (p) => {
          if (rounds >= reps || !screenPort || p.scenarioSeconds < rounds * period + ACK_AT) return;
          rounds += 1;
          nurse.push(acknowledgeEverything(screenPort).then((n) => void (acknowledged += n)));
        },
      });
    } finally {
      clearInterval(sampler);
    }
    await Promise.all(nurse);

    const lines = result.report!.lines;
    const failed = lines.filter((l) => !l.ok);
    for (const s of samples.filter((_, i) => i % 5 === 0)) figure('soak: sample', `t=${s.atS.toFixed(0)} s rss=${s.rssMb.toFixed(1)} MB heap=${(s.heapMb ?? 0).toFixed(1)} MB fds=${s.fds} lag=${((s.lagS ?? 0) * 1000).toFixed(1)} ms`);
    const steady = samples.filter((s) => s.atS >= Math.min(15, result.realSeconds / 4));
    const rss = steady.map((s) => s.rssMb);
    const fds = steady.map((s) => s.fds);
    const lags = samples.map((s) => s.lagS).filter((v): v is number => v !== undefined);
    const firstQuarter = steady.slice(0, Math.max(1, Math.floor(steady.length / 4)));
    const lastQuarter = steady.slice(-Math.max(1, Math.floor(steady.length / 4)));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rssGrowth = mean(lastQuarter.map((s) => s.rssMb)) - mean(firstQuarter.map((s) => s.rssMb));
    // The leak check uses the V8 heap (from /metrics): RSS moves by tens of MB as V8 grows and returns pages.
    const heapOf = (xs: Sample[]) => xs.map((s) => s.heapMb).filter((v): v is number => v !== undefined);
    const heapGrowth = Math.min(...heapOf(lastQuarter)) - Math.min(...heapOf(firstQuarter));

    figure('soak: repetitions of device-chaos', reps);
    figure('soak: real seconds', result.realSeconds);
    figure('soak: samples sent by the simulator', result.sent);
    figure('soak: alarm transitions seen on alarms/#', result.alarms.length);
    figure('soak: incident events received by the central', result.incidents.length);
    figure('soak: expectations met', `${lines.length - failed.length}/${lines.length}`);
    figure('soak: nurse rounds / alarms acknowledged', `${rounds} / ${acknowledged}`);
    figure('soak: gateway RSS min / max', `${Math.min(...rss).toFixed(1)} / ${Math.max(...rss).toFixed(1)}`, 'MB');
    figure('soak: RSS growth, last quarter vs first quarter (mean)', rssGrowth, 'MB');
    figure('soak: V8 heap used growth, lowest of last quarter vs lowest of first quarter', heapGrowth, 'MB');
    figure('soak: open fds min / max', `${Math.min(...fds)} / ${Math.max(...fds)}`);
    figure('soak: event-loop lag max (sampled)', Math.max(...lags) * 1000, 'ms');
    figure('soak: event-loop lag mean (sampled)', mean(lags) * 1000, 'ms');
    for (const l of failed) figure('soak: FAILED expectation', `${l.expectation}: ${l.result}`);

    expect(samples.length).toBeGreaterThan(result.realSeconds / 2);
    expect(rounds).toBe(reps);
    expect(lines.length).toBe(reps * (base.scenario.expect.alarms.length + base.scenario.expect.incidents.length) + base.scenario.expect.mustNot.length);
    expect(failed).toEqual([]);
    expect(lags.length).toBeGreaterThan(0);
    expect(Math.max(...lags)).toBeLessThan(0.5);
    expect(Math.max(...fds) - Math.min(...fds)).toBeLessThanOrEqual(20);
    expect(heapGrowth).toBeLessThan(LONG ? 30 : 20);
    expect(Math.max(...rss)).toBeLessThan(400);
  }, (RELIABILITY.soakSeconds + 180) * 1000);
});
