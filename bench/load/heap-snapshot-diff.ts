/**
 * What grew between two V8 heap snapshots of the same process (e.g. the chaos soak's, taken with
 * WARDGATE_SOAK_HEAP_SNAPSHOTS=DIR): self size and count per node type and constructor name, the largest growth
 * first. Reads the snapshot format V8 documents in its header (`snapshot.meta`), not any one V8 version's layout.
 *
 *   npx tsx bench/load/heap-snapshot-diff.ts EARLIER.heapsnapshot LATER.heapsnapshot [rows=25]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

type Totals = Map<string, { bytes: number; count: number }>;

function totalsByConstructor(path: string): Totals {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const typeNames = s.snapshot.meta.node_types[0];
  const totals: Totals = new Map();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = typeNames[s.nodes[i + typeAt]!]!;
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '' : s.strings[s.nodes[i + nameAt]!]!;
    const key = `${type} ${name.length > 60 ? `${name.slice(0, 57)}...` : name}`;
    const t = totals.get(key) ?? { bytes: 0, count: 0 };
    t.bytes += s.nodes[i + sizeAt]!;
    t.count += 1;
    totals.set(key, t);
  }
  return totals;
}

function main(): void {
  const [a, b, rowsArg] = process.argv.slice(2);
  if (!a || !b) throw new Error('usage: heap-snapshot-diff.ts EARLIER LATER [rows]');
  const before = totalsByConstructor(a);
  const after = totalsByConstructor(b);
  const sum = (t: Totals) => [...t.values()].reduce((n, v) => n + v.bytes, 0);
  const rows = [...new Set([...before.keys(), ...after.keys()])]
    .map((k) => ({ k, db: (after.get(k)?.bytes ?? 0) - (before.get(k)?.bytes ?? 0), dc: (after.get(k)?.count ?? 0) - (before.get(k)?.count ?? 0), b: after.get(k)?.bytes ?? 0 }))
    .sort((x, y) => y.db - x.db)
    .slice(0, Number(rowsArg ?? 25));
  process.stdout.write(`heap self size: ${(sum(before) / 1048576).toFixed(1)} -> ${(sum(after) / 1048576).toFixed(1)} MB\n`);
  process.stdout.write('| type and constructor | growth KB | growth count | now KB |\n|---|---:|---:|---:|\n');
  for (const r of rows) process.stdout.write(`| ${r.k.replace(/\|/g, '\\|')} | ${(r.db / 1024).toFixed(0)} | ${r.dc} | ${(r.b / 1024).toFixed(0)} |\n`);
}

main();
