/**
 * The load bench: the real gateway (dist/, its own process) against the no-storage ceiling (its own process) and bare
 * SQLite inserts, in one run so that the ratios hold on a noisy machine. See docs/performance.md.
 *   npx tsx bench/load/load-bench.ts [--long]   (prints the figures as JSON; bench/run-all.ts prints the table)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bedId, DEVICE_PASSWORD, deviceId, SUBSCRIBER, writeBenchConfig } from './bench-config.js';
import { LoadGenerator, type LoadMode, type PhaseResult } from './generator.js';
import { cpuSeconds, mean, RssSampler } from './procfs.js';
import { scrapeCounter, startCeiling, startGateway, type RunningProcess } from './processes.js';
import { sqliteCeiling, type SqliteCeiling } from './sqlite-ceiling.js';
import { serviceNodeArgs } from '../../test/helpers/service-node-args.js';

export interface LoadBenchOptions {
  beds: number;
  /** One sample in this many per bed is abnormal (a raise, then a clear on the next sample). */
  abnormalEvery: number;
  /** QoS 1 publishes in flight per device at saturation. */
  window: number;
  saturationS: number;
  warmupS: number;
  /** The steady rate of the latency and soak phase. */
  steadyPerS: number;
  soakS: number;
  ceilingSteadyS: number;
  overloadS: number;
  /** Extra node flags for the gateway (e.g. --cpu-prof). */
  gatewayNodeArgs: string[];
  log: (line: string) => void;
}

export const DEFAULTS: Omit<LoadBenchOptions, 'log'> = {
  beds: 50,
  abnormalEvery: 200,
  window: 4,
  saturationS: 15,
  warmupS: 3,
  steadyPerS: 500,
  soakS: 60,
  ceilingSteadyS: 20,
  overloadS: 10,
  /** The V8 flags of systemd/wardgate.service, so the figures are those of the gateway as installed. */
  gatewayNodeArgs: serviceNodeArgs(),
};

export interface Saturation extends PhaseResult {
  cpuUsPerSample: number;
  rssMaxMB: number;
}

export interface LoadReport {
  options: Omit<LoadBenchOptions, 'log'>;
  ceiling: { saturation: Saturation; steady: PhaseResult };
  sqlite: SqliteCeiling;
  gateway: {
    startMs: number[];
    saturation: Saturation;
    overload: PhaseResult & { droppedObservations: number; rssMaxMB: number };
    soak: PhaseResult & { rss: Array<{ atMs: number; mb: number }>; rssMaxMB: number; rssGrowthMB: number; cpuUsPerSample: number };
  };
}

async function withGenerator<T>(p: RunningProcess, beds: number, abnormalEvery: number, fn: (g: LoadGenerator) => Promise<T>): Promise<T> {
  const devices = Array.from({ length: beds }, (_, i) => ({ id: deviceId(i), bed: bedId(i), password: DEVICE_PASSWORD }));
  const g = await LoadGenerator.connect({ host: '127.0.0.1', port: p.brokerPort, devices, subscriber: SUBSCRIBER }, abnormalEvery);
  try {
    return await fn(g);
  } finally {
    await g.close();
  }
}

async function saturate(p: RunningProcess, g: LoadGenerator, o: Omit<LoadBenchOptions, 'log'>): Promise<Saturation> {
  let cpu0 = 0;
  let cpu1 = 0;
  const rss = new RssSampler(p.pid, 500);
  const r = await g.run({
    mode: { kind: 'saturate', window: o.window },
    durationMs: (o.warmupS + o.saturationS) * 1000,
    warmupMs: o.warmupS * 1000,
    abnormalEvery: o.abnormalEvery,
    onWindow: (edge) => {
      if (edge === 'start') cpu0 = cpuSeconds(p.pid);
      else cpu1 = cpuSeconds(p.pid);
    },
  });
  const samples = rss.stop();
  return { ...r, cpuUsPerSample: ((cpu1 - cpu0) / r.acked) * 1e6, rssMaxMB: Math.max(...samples.map((s) => s.mb)) };
}

function steady(perSecond: number): LoadMode {
  return { kind: 'rate', perSecond, maxInFlight: 100 };
}

export async function runLoadBench(opts: Partial<LoadBenchOptions> = {}): Promise<LoadReport> {
  const o = { ...DEFAULTS, ...opts };
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { log: _omit, ...options } = { ...o, log };
  const root = mkdtempSync(join(tmpdir(), 'wardgate-load-'));
  try {
    // 1. The no-storage ceiling.
    const ceilingConfig = writeBenchConfig(join(root, 'ceiling'), o.beds);
    const ceiling = await startCeiling(ceilingConfig);
    let ceilingSat: Saturation;
    let ceilingSteady: PhaseResult;
    try {
      log(`ceiling: saturating for ${o.saturationS} s`);
      ceilingSat = await withGenerator(ceiling, o.beds, o.abnormalEvery, (g) => saturate(ceiling, g, o));
      log(`ceiling: ${o.steadyPerS} samples/s for ${o.ceilingSteadyS} s`);
      ceilingSteady = await withGenerator(ceiling, o.beds, o.abnormalEvery, (g) =>
        g.run({ mode: steady(o.steadyPerS), durationMs: (o.ceilingSteadyS + 2) * 1000, warmupMs: 2000, abnormalEvery: o.abnormalEvery }),
      );
    } finally {
      await ceiling.stop();
    }

    // 2. Bare SQLite inserts, batches of 100 rows.
    log('sqlite: bare inserts for 5 s');
    const sqlite = sqliteCeiling(5000, 100, o.beds);

    // 3. The gateway at saturation, then beyond it.
    const startMs: number[] = [];
    const gwConfig = writeBenchConfig(join(root, 'gateway'), o.beds);
    let gw = await startGateway(gwConfig, o.gatewayNodeArgs);
    startMs.push(gw.startMs);
    let gwSat: Saturation;
    let overload: LoadReport['gateway']['overload'];
    try {
      log(`gateway: saturating for ${o.saturationS} s`);
      gwSat = await withGenerator(gw, o.beds, o.abnormalEvery, (g) => saturate(gw, g, o));
      const floodRate = Math.round(gwSat.samplesPerS * 1.5);
      log(`gateway: overload, ${floodRate} samples/s at QoS 0 for ${o.overloadS} s`);
      const rss = new RssSampler(gw.pid, 500);
      const r = await withGenerator(gw, o.beds, o.abnormalEvery, (g) =>
        g.run({ mode: { kind: 'flood', perSecond: floodRate, maxBacklog: 64 * 1024 }, durationMs: o.overloadS * 1000, warmupMs: 1000, abnormalEvery: o.abnormalEvery, drainMs: 30_000 }),
      );
      const droppedObservations = await scrapeCounter(gw.screenPort, 'wardgate_dropped_observations_total');
      overload = { ...r, droppedObservations, rssMaxMB: Math.max(...rss.stop().map((s) => s.mb)) };
    } finally {
      await gw.stop();
    }

    // 4. A fresh gateway: the soak at the steady rate (latency and memory), then a restart on its data.
    const soakConfig = writeBenchConfig(join(root, 'soak'), o.beds);
    gw = await startGateway(soakConfig, o.gatewayNodeArgs);
    startMs.push(gw.startMs);
    let soak: LoadReport['gateway']['soak'];
    try {
      log(`gateway: soak at ${o.steadyPerS} samples/s for ${o.soakS} s`);
      const rss = new RssSampler(gw.pid, 1000);
      let cpu0 = 0;
      let cpu1 = 0;
      const r = await withGenerator(gw, o.beds, o.abnormalEvery, (g) =>
        g.run({
          mode: steady(o.steadyPerS),
          durationMs: (o.soakS + 2) * 1000,
          warmupMs: 2000,
          abnormalEvery: o.abnormalEvery,
          onWindow: (edge) => {
            if (edge === 'start') cpu0 = cpuSeconds(gw.pid);
            else cpu1 = cpuSeconds(gw.pid);
          },
        }),
      );
      const samples = rss.stop();
      const q = Math.floor(samples.length / 4);
      const rssGrowthMB = mean(samples.slice(3 * q).map((s) => s.mb)) - mean(samples.slice(q, 2 * q).map((s) => s.mb));
      soak = { ...r, rss: samples, rssMaxMB: Math.max(...samples.map((s) => s.mb)), rssGrowthMB, cpuUsPerSample: ((cpu1 - cpu0) / r.acked) * 1e6 };
    } finally {
      await gw.stop();
    }
    for (let i = 0; i < 2; i++) {
      gw = await startGateway(soakConfig);
      startMs.push(gw.startMs);
      await gw.stop();
    }
    return { options, ceiling: { saturation: ceilingSat, steady: ceilingSteady }, sqlite, gateway: { startMs, saturation: gwSat, overload, soak } };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('load-bench.ts') || process.argv[1]?.endsWith('load-bench.js')) {
  const long = process.argv.includes('--long') || process.env.BENCH_LONG === '1';
  const report = await runLoadBench(long ? { soakS: 600 } : {});
  const { rss: _rss, ...soak } = report.gateway.soak;
  console.log(JSON.stringify({ ...report, gateway: { ...report.gateway, soak } }, null, 2));
}
