import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

/** A stored numeric reading as the trend charts take it. */
export type TrendSample = (bed: string, param: string, value: number, receivedAt: number) => void;

type Row = [seq: number, receivedAt: number, bed: string, readings: string];

/**
 * The stored readings of the last hours, for the screen's trend charts after a restart, read in pages so that a
 * long window (up to 48 h of a full ward) never holds the event loop for long: each `next()` reads at most `maxRows`
 * rows (device messages) of each table by primary key, oldest first. The reading starts at the newest retention mark
 * at or before `since` (no time index on the hot tables; rows up to a minute older are skipped here) and stops at the
 * last sequence stored when the cursor was made: what comes after reaches the screen live.
 *
 * Rows are this release's compact `device_messages` ("kind,value,..." with kinds from `reading_kinds`: see
 * observation-rows.ts) and the previous release's `readings` (JSON [param, value, ...]), which it writes again after
 * a rollback; the two are merged in sequence order (they never hold the same sequence).
 */
export class TrendReadingsCursor {
  private afterCompact: number;
  private afterLegacy: number;
  private readonly compactPage: Statement;
  private readonly legacyPage: Statement;
  private readonly kindStmt: Statement;
  private kindParams = new Map<number, string>();
  /** Rows read so far. */
  rows = 0;
  /** Readings handed out so far. */
  readings = 0;

  constructor(
    db: Db,
    private readonly since: number,
    private readonly untilSeq: number,
  ) {
    const mark = (db.prepare('SELECT MAX(seq) AS seq FROM observation_marks WHERE at <= ?').get(since) as { seq: number | null }).seq ?? 0;
    // The row holding the mark's sequence may hold later readings too: start from that row (seq > its predecessor).
    const from = (table: string) => ((db.prepare(`SELECT MAX(seq) AS seq FROM ${table} WHERE seq <= ?`).get(mark) as { seq: number | null }).seq ?? 0) - 1;
    this.afterCompact = from('device_messages');
    this.afterLegacy = from('readings');
    this.compactPage = db
      .prepare('SELECT m.seq, m.received_at, o.bed, m.readings FROM device_messages m JOIN message_origins o ON o.id = m.origin WHERE m.seq > ? AND m.seq <= ? ORDER BY m.seq LIMIT ?')
      .raw(true);
    this.legacyPage = db.prepare('SELECT seq, received_at, bed, readings FROM readings WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?').raw(true);
    this.kindStmt = db.prepare('SELECT id, param FROM reading_kinds');
    this.loadKinds();
  }

  /** Hands the next page's readings to `each`, oldest first; false once everything up to the cursor's end is read. */
  next(maxRows: number, each: TrendSample): boolean {
    const compact = this.compactPage.all(this.afterCompact, this.untilSeq, maxRows) as Row[];
    const legacy = this.legacyPage.all(this.afterLegacy, this.untilSeq, maxRows) as Row[];
    // A full page may stop short of rows of the other table: hand out only up to the lower of the full pages' ends.
    let upTo = this.untilSeq;
    if (compact.length === maxRows) upTo = Math.min(upTo, compact[compact.length - 1]![0]);
    if (legacy.length === maxRows) upTo = Math.min(upTo, legacy[legacy.length - 1]![0]);
    let c = 0;
    let l = 0;
    for (;;) {
      const cr = compact[c];
      const lr = legacy[l];
      const takeCompact = cr !== undefined && cr[0] <= upTo && (lr === undefined || lr[0] > upTo || cr[0] < lr[0]);
      if (takeCompact) {
        this.afterCompact = cr[0];
        c++;
        this.compactRow(cr, each);
      } else if (lr !== undefined && lr[0] <= upTo) {
        this.afterLegacy = lr[0];
        l++;
        this.legacyRow(lr, each);
      } else break;
    }
    this.rows += c + l;
    return compact.length === maxRows || legacy.length === maxRows;
  }

  private compactRow([, receivedAt, bed, readings]: Row, each: TrendSample): void {
    if (receivedAt < this.since) return;
    const parts = readings.split(',');
    for (let k = 0; k + 1 < parts.length; k += 2) {
      const id = Number(parts[k]);
      let param = this.kindParams.get(id);
      if (param === undefined) param = this.loadKinds().get(id);
      const value = Number(parts[k + 1]);
      if (param === undefined || !Number.isFinite(value)) continue;
      each(bed, param, value, receivedAt);
      this.readings += 1;
    }
  }

  private legacyRow([, receivedAt, bed, readings]: Row, each: TrendSample): void {
    if (receivedAt < this.since) return;
    for (const r of JSON.parse(readings) as Array<[string, number]>) {
      if (typeof r[1] !== 'number') continue;
      each(bed, r[0], r[1], receivedAt);
      this.readings += 1;
    }
  }

  private loadKinds(): Map<number, string> {
    this.kindParams = new Map((this.kindStmt.all() as Array<{ id: number; param: string }>).map((k) => [k.id, k.param]));
    return this.kindParams;
  }
}

/** A cursor over what `store` holds of the readings received since `since` (queued ones are written first). */
export function storedTrendReadings(store: { db: Db; lastSeq: number; flushObservations(): void }, since: number): TrendReadingsCursor {
  store.flushObservations();
  return new TrendReadingsCursor(store.db, since, store.lastSeq);
}
