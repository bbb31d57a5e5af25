import type { Statement } from 'better-sqlite3';
import type { StoredObservation } from '../../sync/ihe/observation-reporter.js';
import type { Db } from './database.js';
import { readingsSince } from './observation-reads.js';

/** One HL7 message for a hospital system, as queued. */
export interface OutputMessage {
  destination: string;
  /** MSH-10: the same on every resend. */
  messageId: string;
  /** What the message belongs to (an alarm id, a bed): the order is kept per destination, hence per stream. */
  stream: string;
  createdAt: number;
  body: string;
}

export interface PendingOutput extends OutputMessage {
  row: number;
  attempts: number;
}

/** A PCD-05 disposition of an alert as stored. */
export interface AlertDelivery {
  alarmId: string;
  status: string;
  recipient?: string;
  device?: string;
  at: number;
  receivedAt: number;
  messageId: string;
}

/**
 * The durable outbox of the hospital outputs (PCD-04 to the alarm manager, PCD-01 to the EHR), the alert delivery
 * statuses the alarm manager reports back, and the marks of the periodic reports. All its SQL lives here.
 */
export class OutputOutbox {
  private readonly st: Record<string, Statement>;

  /** `flushObservations` commits observations still queued in memory before they are read (Store.flushObservations). */
  constructor(
    private readonly db: Db,
    private readonly flushObservations: () => void = () => undefined,
  ) {
    this.st = {
      insert: db.prepare(`INSERT OR IGNORE INTO output_outbox (destination, message_id, stream, created_at, body) VALUES (?, ?, ?, ?, ?)`),
      pending: db.prepare(
        `SELECT row, destination, message_id AS messageId, stream, created_at AS createdAt, body, attempts
         FROM output_outbox WHERE destination = ? AND acked_at IS NULL AND row > ? ORDER BY row LIMIT ?`,
      ),
      acked: db.prepare(`UPDATE output_outbox SET acked_at = ?, attempts = attempts + 1, last_attempt_at = ?, last_error = NULL WHERE row = ?`),
      failed: db.prepare(`UPDATE output_outbox SET attempts = attempts + 1, last_attempt_at = ?, last_error = ? WHERE row = ?`),
      depth: db.prepare(`SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM output_outbox WHERE destination = ? AND acked_at IS NULL`),
      getMark: db.prepare(`SELECT value FROM output_marks WHERE destination = ? AND key = ?`),
      setMark: db.prepare(
        `INSERT INTO output_marks (destination, key, value) VALUES (?, ?, ?) ON CONFLICT(destination, key) DO UPDATE SET value = excluded.value`,
      ),
      insertDelivery: db.prepare(
        `INSERT INTO alert_delivery (alarm_id, status, recipient, device, at, received_at, message_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      deliveries: db.prepare(
        `SELECT alarm_id AS alarmId, status, recipient, device, at, received_at AS receivedAt, message_id AS messageId
         FROM alert_delivery WHERE alarm_id = ? ORDER BY row`,
      ),
      prune: db.prepare(`DELETE FROM output_outbox WHERE acked_at IS NOT NULL AND acked_at < ?`),
    };
  }

  /**
   * Inserts messages without a transaction of its own: call it inside the transaction that commits what the
   * messages report (Store.commitAlarmChange's `within`), so both are on disk or neither. A message id already
   * queued is ignored (a retried commit cannot queue a message twice).
   */
  insertWithin(messages: OutputMessage[]): void {
    for (const m of messages) this.st.insert!.run(m.destination, m.messageId, m.stream, m.createdAt, m.body);
  }

  /** Queues messages and moves a report mark in one durable transaction (the periodic PCD-01 report). */
  enqueue(messages: OutputMessage[], mark?: { destination: string; key: string; value: string }): void {
    this.db.pragma('synchronous = FULL');
    try {
      this.db.transaction(() => {
        this.insertWithin(messages);
        if (mark) this.st.setMark!.run(mark.destination, mark.key, mark.value);
      })();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  /** Unacknowledged messages of a destination in the order they were queued. */
  pending(destination: string, limit = 50, afterRow = 0): PendingOutput[] {
    return this.st.pending!.all(destination, afterRow, limit) as PendingOutput[];
  }

  /** An accept acknowledgment came: the message is done (a lost mark means one resend with the same MSH-10). */
  markAcked(row: number, at: number): void {
    this.st.acked!.run(at, at, row);
  }

  /** An attempt failed (no answer in time, refused, connection lost): counted, kept for the next attempt. */
  markFailed(row: number, at: number, error: string): void {
    this.st.failed!.run(at, error.slice(0, 500), row);
  }

  stats(destination: string): { depth: number; oldestCreatedAt: number | null } {
    const r = this.st.depth!.get(destination) as { n: number; oldest: number | null };
    return { depth: r.n, oldestCreatedAt: r.oldest };
  }

  mark(destination: string, key: string): string | undefined {
    return (this.st.getMark!.get(destination, key) as { value: string } | undefined)?.value;
  }

  recordDelivery(d: AlertDelivery): void {
    this.st.insertDelivery!.run(d.alarmId, d.status, d.recipient ?? null, d.device ?? null, d.at, d.receivedAt, d.messageId);
  }

  deliveries(alarmId: string): AlertDelivery[] {
    const rows = this.st.deliveries!.all(alarmId) as Array<{ alarmId: string; status: string; recipient: string | null; device: string | null; at: number; receivedAt: number; messageId: string }>;
    return rows.map((r) => ({ alarmId: r.alarmId, status: r.status, at: r.at, receivedAt: r.receivedAt, messageId: r.messageId, ...(r.recipient ? { recipient: r.recipient } : {}), ...(r.device ? { device: r.device } : {}) }));
  }

  /** Stored observations after gateway sequence `seq` (primary-key order; no time index needed). */
  observationsAfter(seq: number, limit = 50_000): StoredObservation[] {
    this.flushObservations();
    return readingsSince(this.db, seq, Number.NEGATIVE_INFINITY, limit).map((o) => ({
      seq: o.seq, receivedAt: o.receivedAt, sourceTs: o.sourceTs ?? null, bed: o.bedId, device: o.deviceId, param: o.param, value: o.value, unit: o.unit, flags: [...o.flags],
      ...(o.site !== undefined ? { site: o.site } : {}),
    }));
  }

  /** Acknowledged messages older than `before` are deleted (undelivered ones are kept whatever their age). */
  prune(before: number): number {
    return this.st.prune!.run(before).changes;
  }
}
