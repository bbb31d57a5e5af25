/**
 * Soak: the simulator's device-chaos scenario (simulator/scenarios/device-chaos.yaml:
 * falls, low battery, unplugged wearables and serial cables, garbage bytes, bursts over the rate limit, clock
 * jumps, real deteriorations) repeated back to back against ONE real gateway process for RELIABILITY.soakSeconds
 * real seconds (60 short, 1800 long) at the scenario's own speed. Every repetition's expected alarms and incidents
 * must fire and its forbidden ones must not; meanwhile the daemon's RSS, open file descriptors (/proc/<pid>/fd)
 * and event-loop lag (nodejs_eventloop_lag_seconds on /metrics) are sampled every second and must stay bounded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { deadlineMs, type SeenAlarm, type SeenIncident } from '../../simulator/scenario/expectations.js';
import { gatewayDelaySeconds } from '../../simulator/scenario/gateway-config.js';
import { runScenario } from '../../simulator/scenario/runner.js';
import { parseScenarioText, type Scenario } from '../../simulator/scenario/schema.js';
import { openFds, rssMb, scrapeMetric } from './live-gateway.js';
import { figure, LONG, RELIABILITY } from './profile.js';

interface RawScenario {
  speed: number;
  durationSeconds: number;
  events: Array<Record<string, unknown> & { at: number }>;
  expect: { alarms: Array<Record<string, unknown> & { after: number }>; incidents: Array<Record<string, unknown> & { after: number }>; mustNot: Array<Record<string, unknown>> };
}

/** The chaos scenario repeated `reps` times on one timeline (events and expectations shifted by one period each). */
function repeatedChaos(reps: number): Scenario {
  const raw = parse(readFileSync(new URL('../../simulator/scenarios/device-chaos.yaml', import.meta.url), 'utf8')) as RawScenario;
  const period = raw.durationSeconds;
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
 * A later repetition's expectation, when the runner's strict reading failed: an alarm still active from the
 * previous repetition (a high-priority alarm latches until a nurse acknowledges it, and nobody does here) cannot
 * be raised again, so it counts as met when it is present through the window; an incident still open is
 * 'updated' rather than 'opened' again.
 */
function metAsContinuing(s: Scenario, e: { bed: string; condition: string; after: number; withinSeconds: number; priority?: string }, alarms: SeenAlarm[], incidents: SeenIncident[] | undefined): boolean {
  const from = (e.after / s.speed) * 1000;
  const limit = deadlineMs(e, s.speed, gatewayDelaySeconds(s, e.bed, e.condition) + s.gateway.graceSeconds);
  if (incidents) return incidents.some((i) => i.bed === e.bed && i.condition === e.condition && i.realMs >= from && i.realMs <= limit);
  const mine = alarms.filter((a) => a.bed === e.bed && a.condition === e.condition);
  const before = mine.filter((a) => a.realMs < from).at(-1);
  const clearedInWindow = mine.some((a) => a.realMs >= from && a.realMs <= limit && a.transition === 'cleared');
  return before !== undefined && before.transition !== 'cleared' && !clearedInWindow && (!e.priority || before.priority === e.priority);
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
    let result;
    try {
      result = await runScenario({
        scenario,
        expect: true,
        log: (line) => {
          const m = /screen http:\/\/127\.0\.0\.1:(\d+)\//.exec(line);
          if (m) screenPort = Number(m[1]);
        },
      });
    } finally {
      clearInterval(sampler);
    }

    // Report lines: alarms (repetition-major), incidents (same), then the forbidden alarms.
    const A = base.scenario.expect.alarms.length;
    const I = base.scenario.expect.incidents.length;
    const lines = result.report!.lines.map((l, i) => {
      if (l.ok || i < A || (i >= reps * A && i < reps * A + I)) return l;
      if (i < reps * A) return metAsContinuing(scenario, scenario.expect.alarms[i]!, result.alarms, undefined) ? { ...l, ok: true, result: 'still active from the previous repetition' } : l;
      if (i < reps * A + reps * I) return metAsContinuing(scenario, scenario.expect.incidents[i - reps * A]!, result.alarms, result.incidents) ? { ...l, ok: true, result: 'incident still open, updated' } : l;
      return l;
    });
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
    figure('soak: expectations met', `${lines.length - failed.length}/${lines.length} (${lines.filter((l) => l.result.startsWith('still') || l.result.startsWith('incident still')).length} as continuing)`);
    figure('soak: gateway RSS min / max', `${Math.min(...rss).toFixed(1)} / ${Math.max(...rss).toFixed(1)}`, 'MB');
    figure('soak: RSS growth, last quarter vs first quarter (mean)', rssGrowth, 'MB');
    figure('soak: V8 heap used growth, lowest of last quarter vs lowest of first quarter', heapGrowth, 'MB');
    figure('soak: open fds min / max', `${Math.min(...fds)} / ${Math.max(...fds)}`);
    figure('soak: event-loop lag max (sampled)', Math.max(...lags) * 1000, 'ms');
    figure('soak: event-loop lag mean (sampled)', mean(lags) * 1000, 'ms');
    for (const l of failed) figure('soak: FAILED expectation', `${l.expectation}: ${l.result}`);

    expect(samples.length).toBeGreaterThan(result.realSeconds / 2);
    expect(failed).toEqual([]);
    expect(lags.length).toBeGreaterThan(0);
    expect(Math.max(...lags)).toBeLessThan(0.5);
    expect(Math.max(...fds) - Math.min(...fds)).toBeLessThanOrEqual(20);
    expect(heapGrowth).toBeLessThan(LONG ? 30 : 20);
    expect(Math.max(...rss)).toBeLessThan(400);
  }, (RELIABILITY.soakSeconds + 180) * 1000);
});
