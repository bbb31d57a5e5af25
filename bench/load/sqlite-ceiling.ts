/**
 * The storage ceiling: bare better-sqlite3 inserts of the rows the gateway writes per sample (the `observations`
 * table, the gateway's own schema and pragmas through gateway/store/database.ts: WAL, synchronous=NORMAL for the
 * batch, as Store.flushObservations does), in transactions of `batch` rows. Run in the bench process; CPU from
 * process.cpuUsage().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../gateway/store/database.js';

export interface SqliteCeiling {
  batch: number;
  rows: number;
  rowsPerS: number;
  cpuUsPerRow: number;
}

export function sqliteCeiling(durationMs: number, batch: number, beds: number): SqliteCeiling {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-sqlite-ceiling-'));
  const { db } = openDatabase(dir);
  try {
    const insert = db.prepare(
      `INSERT INTO observations (seq, received_at, source_ts, source_seq, bed, device, source, param, value, unit, channel, flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const setMeta = db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
    db.pragma('synchronous = NORMAL');
    let seq = 0;
    const write = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) {
        seq += 1;
        const b = seq % beds;
        const now = Date.now();
        insert.run(seq, now, now + 0.123, seq, `bed-${b + 1}`, `wear-${b + 1}`, 'mqtt', 'hr', 70 + (seq % 21), '/min', null, null);
      }
      setMeta.run('seq', String(seq));
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    while (performance.now() - t0 < durationMs) write(batch);
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { batch, rows: seq, rowsPerS: seq / wallS, cpuUsPerRow: (cpu.user + cpu.system) / seq };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('sqlite-ceiling.ts')) {
  for (const b of [1, 10, 25, 100, 1000]) console.log(sqliteCeiling(2000, b, 50));
}
