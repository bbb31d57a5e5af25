/**
 * The realistic pass: the gateway, the no-storage ceiling and Node-RED 4 + mosquitto, measured side by side in one
 * interleaved run (round after round, each variant in turn, each on a fresh process), so every figure is a ratio
 * taken under the same machine load. Samples carry all six vitals (and, as a second row, the heart rate alone),
 * every wearable logs in with its own account, samples go at QoS 0, alarms come on alarms/# at QoS 1.
 *   npx tsx bench/load/realistic-pass.ts [rounds]   (prints JSON; `npm run bench` prints the table)
 * Phases per variant: saturation paced end to end by the alarms (generator mode 'paced'), then 500 samples/s for
 * the latency (sample -> alarm on alarms/#). The 1-minute load average is recorded with every figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bedId, DEVICE_PASSWORD, deviceId, SUBSCRIBER, writeBenchConfig } from './bench-config.js';
import { LoadGenerator, type PhaseResult, type Vitals } from './generator.js';
import { metricValue } from './metrics-text.js';
import { startNodeRedPeer } from './node-red-peer.js';
import { startCeiling, startGateway } from './processes.js';
import { cpuSeconds, rssMB } from './procfs.js';
import { serviceNodeArgs } from '../../test/helpers/service-node-args.js';

/** 'baseline': another build of the gateway (BENCH_BASELINE=<checkout with dist/>), e.g. the commit before a change. */
export type VariantName = 'ceiling' | 'gateway' | 'node-red' | 'baseline';

export interface VariantRun {
  variant: VariantName;
  vitals: Vitals;
  round: number;
  saturation: PhaseResult & { cpuUsPerSample: number; rssMaxMB: number; load1: number };
  steady: PhaseResult & { cpuUsPerSample: number; rssMaxMB: number; load1: number; alarmCommits?: AlarmCommits };
}

/** The gateway's durable alarm commits during a phase (its wardgate_alarm_commit_seconds histogram). */
export interface AlarmCommits {
  count: number;
  over10ms: number;
  over5ms: number;
}

export interface PassOptions {
  rounds: number;
  beds: number;
  abnormalEvery: number;
  /** Paced window per device, samples (must exceed abnormalEvery). */
  window: number;
  warmupS: number;
  saturationS: number;
  steadyPerS: number;
  steadyS: number;
  gatewayNodeArgs: string[];
  variants: Array<{ variant: VariantName; vitals: Vitals }>;
  log: (l: string) => void;
}

export const PASS_DEFAULTS: Omit<PassOptions, 'log'> = {
  rounds: 2,
  beds: 50,
  abnormalEvery: 200,
  window: 400,
  warmupS: 3,
  saturationS: 10,
  steadyPerS: 500,
  steadyS: 20,
  gatewayNodeArgs: serviceNodeArgs(),
  variants: [
    { variant: 'ceiling', vitals: 'six' },
    { variant: 'gateway', vitals: 'six' },
    { variant: 'node-red', vitals: 'six' },
    { variant: 'ceiling', vitals: 'hr' },
    { variant: 'gateway', vitals: 'hr' },
  ],
};

const cpuOf = (pids: number[]): number => pids.reduce((s, p) => s + cpuSeconds(p), 0);
const rssOf = (pids: number[]): number => pids.reduce((s, p) => s + (rssMB(p) ?? 0), 0);

/** Reads the alarm commit histogram from the gateway's /metrics; undefined for a build without it, or no gateway. */
async function alarmCommitsSoFar(screenPort: number | undefined): Promise<AlarmCommits | undefined> {
  if (!screenPort) return undefined;
  const text = await (await fetch(`http://127.0.0.1:${screenPort}/metrics`)).text();
  const read = (suffix: string): number | undefined => metricValue(text, `wardgate_alarm_commit_seconds${suffix}`);
  const count = read('_count');
  const upTo10 = read('_bucket{le="0.01"}');
  const upTo5 = read('_bucket{le="0.005"}');
  if (count === undefined || upTo10 === undefined || upTo5 === undefined) return undefined;
  return { count, over10ms: count - upTo10, over5ms: count - upTo5 };
}

const commitsBetween = (a: AlarmCommits | undefined, b: AlarmCommits | undefined): AlarmCommits | undefined =>
  a && b ? { count: b.count - a.count, over10ms: b.over10ms - a.over10ms, over5ms: b.over5ms - a.over5ms } : undefined;

async function start(variant: VariantName, dir: string, o: PassOptions): Promise<{ pids: number[]; port: number; screenPort?: number; stop: () => Promise<unknown> }> {
  const config = writeBenchConfig(join(dir, 'cfg'), o.beds);
  if (variant === 'ceiling') {
    const p = await startCeiling(config);
    return { pids: [p.pid], port: p.brokerPort, stop: p.stop };
  }
  if (variant === 'gateway' || variant === 'baseline') {
    const root = variant === 'baseline' ? process.env.BENCH_BASELINE : undefined;
    if (variant === 'baseline' && !root) throw new Error('the baseline variant needs BENCH_BASELINE=<a checkout with dist/>');
    const p = await startGateway(config, o.gatewayNodeArgs, 20_000, root);
    return { pids: [p.pid], port: p.brokerPort, screenPort: p.screenPort, stop: p.stop };
  }
  const p = await startNodeRedPeer(config, join(dir, 'peer'), o.log);
  return { pids: p.pids, port: p.brokerPort, stop: p.stop };
}

async function measure(pids: number[], g: LoadGenerator, run: (onWindow: (e: 'start' | 'end') => void) => Promise<PhaseResult>) {
  let cpu0 = 0;
  let cpu1 = 0;
  let rssMax = 0;
  const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, rssOf(pids))), 500);
  const r = await run((edge) => {
    if (edge === 'start') cpu0 = cpuOf(pids);
    else cpu1 = cpuOf(pids);
  });
  clearInterval(rssTimer);
  rssMax = Math.max(rssMax, rssOf(pids));
  return { ...r, cpuUsPerSample: ((cpu1 - cpu0) / r.acked) * 1e6, rssMaxMB: rssMax, load1: loadavg()[0]! };
}

export async function runRealisticPass(opts: Partial<PassOptions> = {}): Promise<VariantRun[]> {
  const o: PassOptions = { ...PASS_DEFAULTS, log: (l) => process.stderr.write(`${l}\n`), ...opts };
  const runs: VariantRun[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const v of o.variants) {
      const dir = mkdtempSync(join(tmpdir(), `wardgate-pass-${v.variant}-`));
      try {
        const p = await start(v.variant, dir, o);
        try {
          const devices = Array.from({ length: o.beds }, (_, i) => ({ id: deviceId(i), bed: bedId(i), password: DEVICE_PASSWORD }));
          const g = await LoadGenerator.connect({ host: '127.0.0.1', port: p.port, devices, subscriber: SUBSCRIBER }, o.abnormalEvery);
          try {
            o.log(`round ${round}: ${v.variant} (${v.vitals}): saturating, paced by alarms, for ${o.saturationS} s`);
            const saturation = await measure(p.pids, g, (onWindow) =>
              g.run({ mode: { kind: 'paced', window: o.window }, vitals: v.vitals, durationMs: (o.warmupS + o.saturationS) * 1000, warmupMs: o.warmupS * 1000, abnormalEvery: o.abnormalEvery, drainMs: 30_000, onWindow }),
            );
            o.log(`round ${round}: ${v.variant} (${v.vitals}): ${Math.round(saturation.samplesPerS)} samples/s, ${saturation.cpuUsPerSample.toFixed(1)} us/sample, load ${saturation.load1.toFixed(1)}; ${o.steadyPerS}/s for ${o.steadyS} s`);
            const commitsBefore = await alarmCommitsSoFar(p.screenPort);
            const steadyRun = await measure(p.pids, g, (onWindow) =>
              g.run({ mode: { kind: 'rate', perSecond: o.steadyPerS, maxInFlight: 100 }, qos: 0, vitals: v.vitals, durationMs: (o.steadyS + 2) * 1000, warmupMs: 2000, abnormalEvery: o.abnormalEvery, onWindow }),
            );
            const alarmCommits = commitsBetween(commitsBefore, await alarmCommitsSoFar(p.screenPort));
            const steady = alarmCommits ? { ...steadyRun, alarmCommits } : steadyRun;
            o.log(`round ${round}: ${v.variant} (${v.vitals}): p99 ${steady.latencyMs.p99.toFixed(1)} ms at ${o.steadyPerS}/s, load ${steady.load1.toFixed(1)}${alarmCommits ? `; durable alarm commits over 5 / 10 ms: ${alarmCommits.over5ms} / ${alarmCommits.over10ms} of ${alarmCommits.count}` : ''}`);
            runs.push({ variant: v.variant, vitals: v.vitals, round, saturation, steady });
          } finally {
            await g.close();
          }
        } finally {
          await p.stop();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return runs;
}

if (process.argv[1]?.endsWith('realistic-pass.ts') || process.argv[1]?.endsWith('realistic-pass.js')) {
  const rounds = Number(process.argv[2] ?? PASS_DEFAULTS.rounds);
  // BENCH_VARIANTS=gateway:six,baseline:six,... picks and orders the variants.
  const only = process.env.BENCH_VARIANTS?.split(',');
  const variants = only ? only.map((x) => ({ variant: x.split(':')[0] as VariantName, vitals: x.split(':')[1] as Vitals })) : PASS_DEFAULTS.variants;
  const saturationS = Number(process.env.BENCH_SATURATION_S ?? PASS_DEFAULTS.saturationS);
  const steadyS = Number(process.env.BENCH_STEADY_S ?? PASS_DEFAULTS.steadyS);
  const extra = process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const runs = await runRealisticPass({ rounds, variants, saturationS, steadyS, gatewayNodeArgs: [...PASS_DEFAULTS.gatewayNodeArgs, ...extra] });
  console.log(JSON.stringify(runs.map((r) => ({ ...r, saturation: { ...r.saturation }, steady: { ...r.steady } })), null, 2));
}
