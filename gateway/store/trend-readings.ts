import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

/** A stored numeric reading as the trend charts take it. */
export type TrendSample = (bed: string, param: string, value: number, receivedAt: number) => void;

/**
 * The stored readings of the last hours, for the screen's trend charts after a restart, read in pages so that a
 * long window (up to 48 h of a full ward) never holds the event loop for long: each `next()` reads at most `maxRows`
 * rows (device messages) by primary key, oldest first. The reading starts at the newest retention mark at or before
 * `since` (no time index on the hot table; rows up to a minute older are skipped here) and stops at the last
 * sequence stored when the cursor was made: what comes after reaches the screen live.
 *
 * Rows are the `readings` table's (one per device message, readings as a JSON array of [param, value, ...]: see
 * observation-rows.ts); the view `observation_readings` shows the same one row per reading.
 */
export class TrendReadingsCursor {
  private afterSeq: number;
  private readonly page: Statement;
  /** Rows read so far. */
  rows = 0;
  /** Readings handed out so far. */
  readings = 0;

  constructor(
    db: Db,
    private readonly since: number,
    private readonly untilSeq: number,
  ) {
    const mark = db.prepare('SELECT MAX(seq) AS seq FROM observation_marks WHERE at <= ?').get(since) as { seq: number | null };
    // The row holding the mark's sequence may hold later readings too: start from that row (seq > its predecessor).
    const from = db.prepare('SELECT MAX(seq) AS seq FROM readings WHERE seq <= ?').get(mark.seq ?? 0) as { seq: number | null };
    this.afterSeq = (from.seq ?? 0) - 1;
    this.page = db.prepare('SELECT seq, received_at, bed, readings FROM readings WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?').raw(true);
  }

  /** Hands the next page's readings to `each`, oldest first; false once everything up to the cursor's end is read. */
  next(maxRows: number, each: TrendSample): boolean {
    const rows = this.page.all(this.afterSeq, this.untilSeq, maxRows) as Array<[number, number, string, string]>;
    for (const [seq, receivedAt, bed, readings] of rows) {
      this.afterSeq = seq;
      if (receivedAt < this.since) continue;
      for (const r of JSON.parse(readings) as Array<[string, number]>) {
        if (typeof r[1] !== 'number') continue;
        each(bed, r[0], r[1], receivedAt);
        this.readings += 1;
      }
    }
    this.rows += rows.length;
    return rows.length === maxRows;
  }
}

/** A cursor over what `store` holds of the readings received since `since` (queued ones are written first). */
export function storedTrendReadings(store: { db: Db; lastSeq: number; flushObservations(): void }, since: number): TrendReadingsCursor {
  store.flushObservations();
  return new TrendReadingsCursor(store.db, since, store.lastSeq);
}
