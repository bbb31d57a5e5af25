/**
 * `npm run bench`: builds, runs the load bench (bench/load/: the real gateway from dist/ against the no-storage
 * ceiling and bare SQLite, in one run) and every per-module bench in bench/, and prints one Markdown table of each
 * figure against its target, followed by the module benches' own output.
 *   npx tsx bench/run-all.ts [--long] [--no-build] [--no-modules] [--modules=PREFIX]
 * --long (or BENCH_LONG=1): the 10-minute soak at 500 samples/s instead of 60 s.
 * --modules=PREFIX: only the module benches whose file name starts with PREFIX (`--modules=decode-`: the decode
 * figures), without the build, the realistic pass and the load bench; the summary table has their rows alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { measureDiskWear, type DiskWear } from './load/disk-wear.js';
import { runLoadBench, type LoadReport } from './load/load-bench.js';
import { passTable } from './load/pass-table.js';
import { runRealisticPass } from './load/realistic-pass.js';
import { REPO } from './load/processes.js';
import { serviceNodeArgs } from '../test/helpers/service-node-args.js';
import { parseFigureLines } from './decode/report.js';

const args = new Set(process.argv.slice(2));
const long = args.has('--long') || process.env.BENCH_LONG === '1';
const modulesOnly = [...args].find((a) => a.startsWith('--modules='))?.slice('--modules='.length);
const t0 = performance.now();
const log = (l: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${l}\n`);

/** Per-module benches and the short arguments that keep the whole run under 10 minutes. */
const MODULE_ARGS: Record<string, string[]> = { 'decode-serial.ts': ['1'], 'decode-intellivue.ts': ['1'], 'decode-gatt.ts': ['1'], 'rules.ts': ['1'], 'sync-drain.ts': ['20000'], 'trend-history.ts': ['24', '2', '1'] };

function machine(): string {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  return `${cpus().length} CPUs (${model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-GB') : 'n/a');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const lat = (l: { p50: number; p95: number; p99: number; max: number; n: number }) =>
  `${f1(l.p50)} / ${f1(l.p95)} / ${f1(l.p99)} / ${f1(l.max)} ms (n=${l.n})`;
const verdict = (ok: boolean) => (ok ? 'met' : '**MISSED**');

function loadRows(r: LoadReport): string[][] {
  const c = r.ceiling.saturation;
  const g = r.gateway.saturation;
  const s = r.gateway.soak;
  const o = r.gateway.overload;
  const cpuRatio = g.cpuUsPerSample / c.cpuUsPerSample;
  const tputRatio = g.samplesPerS / c.samplesPerS;
  const startMax = Math.max(...r.gateway.startMs);
  const alarms = (p: { alarmsExpected: number; alarmsReceived: number; alarmsMissing: number; alarmsUnexpected: number }) =>
    `${f0(p.alarmsReceived)} of ${f0(p.alarmsExpected)} (missing ${p.alarmsMissing}, unexpected ${p.alarmsUnexpected})`;
  const allAlarms = (p: { alarmsExpected: number; alarmsReceived: number; alarmsMissing: number; alarmsUnexpected: number }) =>
    p.alarmsMissing === 0 && p.alarmsUnexpected === 0 && p.alarmsReceived === p.alarmsExpected;
  return [
    ['Start-up to ready (spawn to `wardgate: ready`)', `${r.gateway.startMs.map(f0).join(', ')} ms`, '<= 1,500 ms', verdict(startMax <= 1500)],
    ['Ceiling (bare aedes + thresholds, no storage): throughput', `${f0(c.samplesPerS)} samples/s`, 'reference', ''],
    ['Ceiling: CPU per sample at saturation', `${f1(c.cpuUsPerSample)} us`, 'reference', ''],
    ['Bare better-sqlite3 inserts (batches of 100)', `${f0(r.sqlite.rowsPerS)} rows/s, ${f1(r.sqlite.cpuUsPerRow)} us CPU/row`, 'reference', ''],
    ['Gateway: sustained throughput at saturation', `${f0(g.samplesPerS)} samples/s = ${f2(tputRatio)}x ceiling, ${f2(g.samplesPerS / r.sqlite.rowsPerS)}x bare SQLite`, '>= 0.5x ceiling', verdict(tputRatio >= 0.5)],
    ['Gateway: CPU per sample at saturation', `${f1(g.cpuUsPerSample)} us = ${f2(cpuRatio)}x ceiling`, '<= 2.5x ceiling', verdict(cpuRatio <= 2.5)],
    ['Gateway: alarms at saturation', alarms(g), 'none lost', verdict(allAlarms(g))],
    ['Gateway: sample-to-alarm at saturation p50/p95/p99/max', lat(g.latencyMs), 'reference', ''],
    [`Ceiling: sample-to-alarm at ${r.options.steadyPerS}/s p50/p95/p99/max`, lat(r.ceiling.steady.latencyMs), 'reference', ''],
    [`Gateway: sample-to-alarm at ${r.options.steadyPerS}/s p50/p95/p99/max (${r.options.soakS} s)`, lat(s.latencyMs), 'p99 <= 10 ms', verdict(s.latencyMs.p99 <= 10)],
    [`Gateway: alarms at ${r.options.steadyPerS}/s`, alarms(s), 'none lost', verdict(allAlarms(s))],
    [`Gateway: RSS over the ${r.options.soakS} s soak at ${r.options.steadyPerS}/s (max; growth 2nd to 4th quarter)`, `${f1(s.rssMaxMB)} MB; ${f1(s.rssGrowthMB)} MB`, '< 120 MB, flat (growth < 5 MB)', verdict(s.rssMaxMB < 120 && s.rssGrowthMB < 5)],
    [`Gateway: CPU per sample at ${r.options.steadyPerS}/s`, `${f1(s.cpuUsPerSample)} us (${f1((s.cpuUsPerSample * r.options.steadyPerS) / 1e4)} % of a core)`, 'reference', ''],
    ['Gateway: RSS at saturation (max)', `${f1(g.rssMaxMB)} MB`, 'reference', ''],
    [
      'Gateway: overload at 1.5x its saturation, QoS 0',
      `offered ${f0(o.samplesPerS + o.notSent / o.windowS)} /s; taken ${f0(o.samplesPerS)} /s; device-side unsent ${f0(o.notSent)}; observations shed by the gateway ${f0(o.droppedObservations)}; p99 ${f1(o.latencyMs.p99)} ms`,
      'sheds observations, counted',
      '',
    ],
    ['Gateway: alarms under overload', alarms(o), 'none lost', verdict(allAlarms(o))],
  ];
}

function table(rows: string[][]): string {
  return ['| Figure | Measured | Target | Result |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

// 1. Build: the gateway runs from dist/.
if (!args.has('--no-build') && modulesOnly === undefined) {
  log('npm run build');
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO, encoding: 'utf8' });
  if (b.status !== 0) {
    if (!existsSync(join(REPO, 'dist/gateway/cli.js'))) throw new Error(`build failed:\n${b.stdout}${b.stderr}`);
    log(`build failed; using the existing dist/:\n${(b.stdout + b.stderr).slice(-1500)}`);
  }
}

const rounds = Number([...args].find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? 2);

async function gatewayBenches(): Promise<{ pass: Awaited<ReturnType<typeof runRealisticPass>>; disk: DiskWear[]; report: LoadReport }> {
  // 2. The realistic pass (ceiling, gateway, Node-RED + mosquitto, interleaved) and the disk bytes per sample.
  const pass = await runRealisticPass({ rounds, saturationS: 8, steadyS: 15, log });
  const disk: DiskWear[] = [];
  for (const abnormalEvery of [460, 200]) {
    log(`disk: 50 beds x 1 Hz, six vitals, 120 s, one abnormal sample per ${abnormalEvery} per bed`);
    disk.push(await measureDiskWear({ seconds: 120, beds: 50, abnormalEvery, nodeArgs: serviceNodeArgs() }));
  }
  // 3. The load bench (gateway phases: overload, soak, start-up).
  const report = await runLoadBench({ ...(long ? { soakS: 600 } : {}), log });
  return { pass, disk, report };
}

const gateway = modulesOnly === undefined ? await gatewayBenches() : undefined;
const rows = gateway ? loadRows(gateway.report) : [];

// 3. The per-module benches.
const modules: Array<{ name: string; seconds: number; ok: boolean; output: string }> = [];
if (!args.has('--no-modules')) {
  for (const name of readdirSync(join(REPO, 'bench')).filter((f) => f.endsWith('.ts') && f !== 'run-all.ts' && f.startsWith(modulesOnly ?? '')).sort()) {
    log(`module bench ${name}`);
    const m0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'bench', name), ...(MODULE_ARGS[name] ?? [])], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
    const output = (r.stdout ?? '').trim() + (r.status === 0 ? '' : `\n(exit ${String(r.status ?? r.signal)}: ${(r.stderr ?? '').trim().slice(-500)})`);
    modules.push({ name, seconds: (performance.now() - m0) / 1000, ok: r.status === 0, output });
    // A decode bench prints one `figure:` line per stream (bench/decode/report.ts): each becomes its own row.
    const figures = parseFigureLines(output);
    if (figures.length > 0) {
      rows.push([`Module bench \`bench/${name}\``, `${r.status === 0 ? 'ran' : 'FAILED'} in ${f1((performance.now() - m0) / 1000)} s; ${figures.length} figures below`, 'its own', r.status === 0 ? '' : '**FAILED**']);
      for (const f of figures) rows.push([f.figure, f.measured, f.target, f.result === 'reference' ? '' : verdict(f.result === 'met')]);
      continue;
    }
    const targets = output.split('\n').filter((l) => /target/i.test(l)).map((l) => l.trim());
    rows.push([`Module bench \`bench/${name}\``, `${r.status === 0 ? 'ran' : 'FAILED'} in ${f1((performance.now() - m0) / 1000)} s${targets.length ? `; ${targets.join('; ')}` : ''}`, targets.length ? 'its own' : 'reference', targets.length ? verdict(r.status === 0 && !targets.some((t) => /not met|missed/i.test(t))) : r.status === 0 ? '' : '**FAILED**']);
  }
}

const totalS = (performance.now() - t0) / 1000;
if (gateway) rows.push(['Whole `npm run bench`', `${f0(totalS)} s`, long ? 'n/a (long form)' : '< 600 s', long ? '' : verdict(totalS < 600)]);
else rows.push([`Module benches \`${modulesOnly ?? ''}*\` alone`, `${f0(totalS)} s`, 'reference', '']);

console.log(`# wardgate benchmarks\n\n${machine()}\n`);
if (gateway) {
  const { pass, disk, report } = gateway;
  const o = report.options;
  console.log(
    `## Realistic pass (${rounds} rounds, interleaved)\n\n50 wearables, each with its own login; samples at QoS 0 with all six vitals (and hr alone as a second row); ` +
      `alarms on alarms/# at QoS 1; saturation paced end to end by the alarms; medians over rounds, each ratio within its round. ` +
      `Disk: write_bytes of /proc/<pid>/io of the gateway plus the checkpoint of what it left in the WAL, 120 s at 50 samples/s; ` +
      `1 alarm change per 230 samples is about the 7.8 alarms per bed-hour of Drew et al. (PLoS One 2014), per 100 the bench's 4x that.\n`,
  );
  console.log(passTable(pass, disk));
  console.log('\n## Gateway phases\n');
  console.log(
    `Load: ${o.beds} beds, one MQTT wearable each (QoS 1, six vitals per sample); one sample in ${o.abnormalEvery} per bed abnormal ` +
      `(a raise, then a clear on the next); saturation = ${o.window} publishes in flight per device for ${o.saturationS} s after ${o.warmupS} s warm-up; ` +
      `steady = ${o.steadyPerS} samples/s for ${o.soakS} s. Gateway: \`node dist/gateway/cli.js run\`, its own process; ceiling: bench/load/ceiling-broker.ts, its own process.\n`,
  );
}
console.log(table(rows));
for (const m of modules) console.log(`\n## bench/${m.name} (${f1(m.seconds)} s)\n\n${m.output}`);
