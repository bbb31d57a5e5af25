/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by file, heaviest first.
 *   npx tsx bench/load/profile-summary.ts FILE.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export function summarise(path: string, top = 25): string {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'nm/').replace(/.*\/dist\//, 'dist/');
    const key = `${n.callFrame.functionName || '(anon)'} ${url}:${n.callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const f = url === '' ? n.callFrame.functionName : url.startsWith('nm/') ? url.split('/').slice(0, 2).join('/') : url;
    file.set(f, (file.get(f) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  return [`total sampled ${(total / 1000).toFixed(0)} ms`, '-- by function (self) --', ...rows(fn), '-- by file / package (self) --', ...rows(file)].join('\n');
}

if (process.argv[1]?.endsWith('profile-summary.ts') || process.argv[1]?.endsWith('profile-summary.js')) {
  const f = process.argv[2];
  if (!f) throw new Error('usage: profile-summary.ts FILE.cpuprofile [top]');
  console.log(summarise(f, Number(process.argv[3] ?? 25)));
}
