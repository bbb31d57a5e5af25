/** The realistic pass as a Markdown table: per variant, the median over rounds, every ratio taken within its round. */
import type { DiskWear } from './disk-wear.js';
import type { VariantRun } from './realistic-pass.js';

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-GB') : 'n/a');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const range = (xs: number[]) => `${f1(Math.min(...xs))}-${f1(Math.max(...xs))}`;

export function passTable(runs: VariantRun[], disk?: DiskWear[]): string {
  const rows: string[] = [
    '| variant | vitals per sample | max samples/s | CPU per sample (x ceiling) | samples/s vs Node-RED | p99 sample->alarm at 500/s | RSS max | alarms lost | disk bytes per sample (per day, 50 beds x 1 Hz) | load average (1 min) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const groups = new Map<string, VariantRun[]>();
  for (const r of runs) groups.set(`${r.variant}|${r.vitals}`, [...(groups.get(`${r.variant}|${r.vitals}`) ?? []), r]);
  const peer = (r: VariantRun, variant: string) => runs.find((x) => x.round === r.round && x.variant === variant && x.vitals === r.vitals);
  for (const [key, rs] of groups) {
    const [variant, vitals] = key.split('|') as [string, string];
    const cpuRatio = median(rs.map((r) => r.saturation.cpuUsPerSample / (peer(r, 'ceiling')?.saturation.cpuUsPerSample ?? NaN)));
    const vsRed = median(rs.map((r) => r.saturation.samplesPerS / (peer(r, 'node-red')?.saturation.samplesPerS ?? NaN)));
    const lost = rs.reduce((s, r) => s + r.saturation.alarmsMissing + r.steady.alarmsMissing, 0);
    const expected = rs.reduce((s, r) => s + r.saturation.alarmsExpected + r.steady.alarmsExpected, 0);
    const d = variant === 'gateway' && vitals === 'six' && disk?.length ? disk.map((x) => `${f0(x.bytesPerSample)} B (${f2(x.gbPerDay)} GB; 1 alarm change per ${x.abnormalEvery / 2} samples, commit ${x.commitIntervalMs} ms)`).join('; ') : variant === 'gateway' ? '' : 'no storage';
    rows.push(
      `| ${variant} | ${vitals === 'six' ? 'six' : 'hr only'} | ${f0(median(rs.map((r) => r.saturation.samplesPerS)))} | ${f1(median(rs.map((r) => r.saturation.cpuUsPerSample)))} us (${f2(cpuRatio)}x) | ${vitals === 'six' ? `${f2(vsRed)}x` : ''} | ${f1(median(rs.map((r) => r.steady.latencyMs.p99)))} ms | ${f1(median(rs.map((r) => Math.max(r.saturation.rssMaxMB, r.steady.rssMaxMB))))} MB | ${lost} of ${expected} | ${d} | ${range(rs.flatMap((r) => [r.saturation.load1, r.steady.load1]))} |`,
    );
  }
  return rows.join('\n');
}
