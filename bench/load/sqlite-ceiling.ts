/**
 * The storage ceiling: bare better-sqlite3 inserts of the row the gateway writes per six-vital sample (the
 * `device_messages` table, one compact row per device message, the gateway's own schema and pragmas through gateway/store/database.ts: WAL, synchronous=NORMAL for the
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
      `INSERT INTO device_messages (seq, received_at, origin, source_ts_offset, source_seq, readings) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    db.pragma('synchronous = NORMAL');
    let seq = 0;
    const write = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) {
        seq += 1;
        const b = seq % beds;
        const now = Date.now();
        // Six readings as "kind,value" pairs (kinds and origins are numbered once, gateway/store/reading-dictionary.ts).
        const readings = `1,${70 + (seq % 21)},2,97,3,16,4,36.8,5,120,6,78`;
        insert.run(seq, now, b + 1, 0.123, seq, readings);
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
