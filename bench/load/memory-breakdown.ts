/**
 * Where the gateway's resident memory goes at saturation: the realistic pass's load (six vitals, 50 per-device
 * logins, paced by alarms) for N seconds, then RSS next to V8's heap spaces, external memory and array buffers as
 * the gateway's own /metrics reports them. With `--snapshot` it also writes a heap snapshot (SIGUSR2) to the data
 * directory's parent and prints its path, for Chrome DevTools' Memory tab.
 *
 *   npx tsx bench/load/memory-breakdown.ts [seconds=20] [--snapshot]
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bedId, DEVICE_PASSWORD, deviceId, SUBSCRIBER, writeBenchConfig } from './bench-config.js';
import { LoadGenerator } from './generator.js';
import { startGateway } from './processes.js';
import { metricValue } from './metrics-text.js';
import { rssMB } from './procfs.js';
import { serviceNodeArgs } from '../../test/helpers/service-node-args.js';

const BEDS = 50;
const MB = 1024 * 1024;

async function main(): Promise<void> {
  const seconds = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20);
  const snapshot = process.argv.includes('--snapshot');
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-memory-'));
  const config = writeBenchConfig(join(dir, 'cfg'), BEDS);
  const args = [...serviceNodeArgs(), ...(snapshot ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`] : [])];
  const gw = await startGateway(config, args);
  const rssIdle = rssMB(gw.pid) ?? 0;
  let rssMax = 0;
  const timer = setInterval(() => (rssMax = Math.max(rssMax, rssMB(gw.pid) ?? 0)), 250);
  try {
    const devices = Array.from({ length: BEDS }, (_, i) => ({ id: deviceId(i), bed: bedId(i), password: DEVICE_PASSWORD }));
    const g = await LoadGenerator.connect({ host: '127.0.0.1', port: gw.brokerPort, devices, subscriber: SUBSCRIBER }, 200);
    try {
      const r = await g.run({ mode: { kind: 'paced', window: 400 }, vitals: 'six', durationMs: seconds * 1000, warmupMs: 2000, abnormalEvery: 200, drainMs: 30_000 });
      const text = await (await fetch(`http://127.0.0.1:${gw.screenPort}/metrics`)).text();
      const rows: [string, number | undefined][] = [
        ['RSS at ready, before any load', rssIdle * MB],
        ['RSS now', (rssMB(gw.pid) ?? 0) * MB],
        ['RSS max during the run', rssMax * MB],
        ['V8 heap total (committed)', metricValue(text, 'nodejs_heap_size_total_bytes')],
        ['V8 heap used', metricValue(text, 'nodejs_heap_size_used_bytes')],
        ['external (C++ objects tied to JS, buffers)', metricValue(text, 'nodejs_external_memory_bytes')],
      ];
      for (const m of text.matchAll(/^nodejs_heap_space_size_total_bytes\{space="(\w+)"\} (\S+)$/gm)) rows.push([`heap space ${m[1]!} (committed)`, Number(m[2])]);
      process.stdout.write(`${Math.round(r.samplesPerS)} samples/s for ${seconds} s\n| part | MB |\n|---|---:|\n`);
      for (const [name, v] of rows) process.stdout.write(`| ${name} | ${v === undefined ? 'n/a' : (v / MB).toFixed(1)} |\n`);
      if (snapshot) {
        process.kill(gw.pid, 'SIGUSR2');
        await new Promise((r2) => setTimeout(r2, 8000));
        process.stdout.write(`heap snapshot: ${readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).map((f) => join(dir, f)).join(', ')}\n`);
      }
    } finally {
      await g.close();
    }
  } finally {
    clearInterval(timer);
    await gw.stop();
    if (!snapshot) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
