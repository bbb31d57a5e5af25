import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

/** A message waiting in (or delivered from) the outbox. `body` is the JSON sent upstream. */
export interface OutboxRow {
  gwSeq: number;
  id: string;
  kind: string;
  incidentId: string | null;
  incidentSeq: number | null;
  createdAt: number;
  body: string;
}

/** Delivered rows (and their marks) deleted per transaction when pruning. */
const PRUNE_BATCH = 5000;

// Undelivered: no mark in outbox_delivered, and none in the old column (written before migration 7, or by the
// previous release after a rollback). Walked along the primary key from a sequence known to be drained.
const UNDELIVERED = `gw_seq > ? AND delivered_at IS NULL AND NOT EXISTS (SELECT 1 FROM outbox_delivered d WHERE d.gw_seq = o.gw_seq)`;

/**
 * The upstream outbox's delivery marks. A mark is a row of its own in the narrow table outbox_delivered
 * (migration 7): with 1 KiB pages an outbox row (about 540 bytes) fills a page, so setting a column on it rewrote
 * one page per delivered event, while about 60 marks share a page and are appended in order.
 */
export class OutboxMarks {
  /** Every outbox row up to this sequence is delivered (advanced as pending rows are read; 0 after a restart). */
  private drainedThrough = 0;
  /** Rows may still carry a mark in the old column (cleared once a prune finds none). */
  private legacyMarks = true;
  private readonly st: Record<string, Statement>;

  constructor(private readonly db: Db) {
    this.st = {
      pending: db.prepare(
        `SELECT gw_seq AS gwSeq, id, kind, incident_id AS incidentId, incident_seq AS incidentSeq, created_at AS createdAt, body
         FROM outbox o WHERE ${UNDELIVERED} ORDER BY gw_seq LIMIT ?`,
      ),
      lastSeq: db.prepare(`SELECT MAX(gw_seq) AS m FROM outbox`),
      mark: db.prepare(`INSERT OR IGNORE INTO outbox_delivered (gw_seq, delivered_at) SELECT value, ? FROM json_each(?)`),
      depth: db.prepare(`SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox o WHERE ${UNDELIVERED}`),
      deliveredBefore: db.prepare(`SELECT gw_seq FROM outbox_delivered WHERE delivered_at < ? ORDER BY gw_seq LIMIT ${PRUNE_BATCH}`).pluck(),
      deleteRows: db.prepare(`DELETE FROM outbox WHERE gw_seq IN (SELECT value FROM json_each(?))`),
      deleteMarks: db.prepare(`DELETE FROM outbox_delivered WHERE gw_seq IN (SELECT value FROM json_each(?))`),
      deleteLegacy: db.prepare(`DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?`),
      anyLegacy: db.prepare(`SELECT 1 FROM outbox WHERE delivered_at IS NOT NULL LIMIT 1`),
    };
  }

  /** Undelivered rows in gateway order after `afterGwSeq`. */
  pending(limit: number, afterGwSeq = 0): OutboxRow[] {
    if (afterGwSeq > this.drainedThrough) return this.st.pending!.all(afterGwSeq, limit) as OutboxRow[];
    const rows = this.st.pending!.all(this.drainedThrough, limit) as OutboxRow[];
    // Nothing undelivered lies between the drained sequence and the first row found (or the newest row).
    this.drainedThrough = rows.length > 0 ? rows[0]!.gwSeq - 1 : ((this.st.lastSeq!.get() as { m: number | null }).m ?? this.drainedThrough);
    return rows;
  }

  /** Marks rows delivered at `at`; a row marked already keeps its first mark. */
  markDelivered(gwSeqs: number[], at: number): void {
    if (gwSeqs.length > 0) this.st.mark!.run(at, JSON.stringify(gwSeqs));
  }

  stats(): { depth: number; oldestCreatedAt: number | null } {
    this.pending(1);
    const r = this.st.depth!.get(this.drainedThrough) as { n: number; oldest: number | null };
    return { depth: r.n, oldestCreatedAt: r.oldest };
  }

  /** Undelivered rows: never pruned. */
  undelivered(): number {
    return this.stats().depth;
  }

  /**
   * Deletes rows delivered before `before` (all delivered rows without it) with their marks, in batches of
   * PRUNE_BATCH per transaction. Returns the outbox rows deleted.
   */
  pruneDelivered(before = Number.MAX_SAFE_INTEGER): number {
    let deleted = 0;
    for (;;) {
      const seqs = this.st.deliveredBefore!.all(before) as number[];
      if (seqs.length === 0) break;
      const json = JSON.stringify(seqs);
      this.db.transaction(() => {
        deleted += this.st.deleteRows!.run(json).changes;
        this.st.deleteMarks!.run(json);
      })();
      if (seqs.length < PRUNE_BATCH) break;
    }
    if (this.legacyMarks) {
      deleted += this.st.deleteLegacy!.run(before).changes;
      this.legacyMarks = this.st.anyLegacy!.get() !== undefined;
    }
    return deleted;
  }
}
