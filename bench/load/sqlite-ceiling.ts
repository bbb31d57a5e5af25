/**
 * The storage ceiling: bare better-sqlite3 inserts of the row the gateway writes per six-vital sample (the `readings`
 * table, one row per device message, the gateway's own schema and pragmas through gateway/store/database.ts: WAL, synchronous=NORMAL for the
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
      `INSERT INTO readings (seq, received_at, source_ts, source_seq, bed, device, source, readings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    db.pragma('synchronous = NORMAL');
    let seq = 0;
    const write = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) {
        seq += 1;
        const b = seq % beds;
        const now = Date.now();
        const readings = JSON.stringify([['hr', 70 + (seq % 21)], ['spo2', 97], ['rr', 16], ['temp', 36.8], ['sbp', 120], ['dbp', 78]]);
        insert.run(seq, now, now + 0.123, seq, `bed-${b + 1}`, `wear-${b + 1}`, 'mqtt', readings);
      }
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
