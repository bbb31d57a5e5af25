import type { Statement } from 'better-sqlite3';
import type { Observation, ObservationMessage, Reading } from '../../drivers/core/observation.js';
import type { Db } from './database.js';
import { readingsSince } from './observation-reads.js';
import { ReadingDictionary } from './reading-dictionary.js';

/**
 * Observations on disk: one row per device message (table `device_messages`, migration 6), holding all the readings
 * that arrived together, as compactly as SQLite's own types allow: on an SD card bytes written are wear. The
 * message's origin (bed, device, transport) and each reading's kind (parameter, unit unless canonical, channel,
 * flags, temperature site) are numbers from two small dictionaries (reading-dictionary.ts); the readings column is
 * "kind,value,kind,value..." (a JSON array without its brackets); the source time is an offset from the receipt
 * time. Each reading keeps its own gateway sequence: the row's key is the first one, the others follow it in order
 * (readings of one message get consecutive sequences). The view `observation_readings` shows one row per reading.
 * Earlier releases wrote the table `readings` (migration 5, readings as JSON with names) and before that
 * `observations` (one row per reading): the previous release still writes `readings` after a rollback, so reads
 * take both tables (sequences never overlap), and retention empties the old ones.
 */

const COLUMNS = 6;
/** Rows per multi-row INSERT (6 parameters each; well under SQLite's limit of 32,766 bound parameters). */
export const ROWS_PER_INSERT = 64;

/** The INSERT of `rows` rows (the Store prepares one of 1 row and one of ROWS_PER_INSERT rows). */
export const insertReadingsSql = (rows: number): string =>
  `INSERT INTO device_messages (seq, received_at, origin, source_ts_offset, source_seq, readings) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`;

/**
 * The queue of observations not yet written, kept as rows (one per message) rather than as observation objects:
 * an observation can die young once queued, and a group held for a second does not fill V8's old generation
 * with six objects per sample (garbage collection time and resident memory).
 */
export class ObservationRows {
  /** Parameters of the queued rows, COLUMNS per row; the last row's readings text is still open. */
  private args: unknown[] = [];
  private open = false;
  private readings = '';
  private readonly dictionary: ReadingDictionary;
  /** What identifies the open row's message; a reading joins it only with the next sequence and the same values. */
  private lastSeq = 0;
  private lastReceivedAt = 0;
  private lastSourceTs: number | undefined;
  private lastSourceSeq: number | undefined;
  private lastBed = '';
  private lastDevice = '';
  private lastSource = '';
  /** Observations queued (not rows). */
  count = 0;

  /** `insertOne` and `insertMany` are insertReadingsSql(1) and insertReadingsSql(ROWS_PER_INSERT), prepared. */
  constructor(
    private readonly db: Db,
    private readonly insertOne: Statement,
    private readonly insertMany: Statement,
  ) {
    this.dictionary = new ReadingDictionary(db);
  }

  /**
   * Queues a device message's readings in order, as long as fewer than `max` observations are queued: each into the
   * open row when it continues that row's message (next sequence, same device, times and device sequence), else into
   * a new row. Returns how many did not fit.
   */
  addMessage(m: ObservationMessage, max: number): number {
    const n = Math.min(m.readings.length, Math.max(0, max - this.count));
    for (let k = 0; k < n; k++) this.push(m, m.readings[k] as Reading, m.firstSeq + k);
    return m.readings.length - n;
  }

  private push(m: ObservationMessage, r: Reading, seq: number): void {
    this.count += 1;
    const reading = `${this.dictionary.kind(r)},${r.value}`;
    const same =
      this.open && seq === this.lastSeq + 1 && m.deviceId === this.lastDevice && m.receivedAt === this.lastReceivedAt &&
      r.sourceTs === this.lastSourceTs && r.sourceSeq === this.lastSourceSeq && m.bedId === this.lastBed && m.source === this.lastSource;
    this.lastSeq = seq;
    if (same) {
      this.readings += `,${reading}`;
      return;
    }
    this.closeRow();
    const offset = r.sourceTs === undefined ? null : r.sourceTs - m.receivedAt;
    this.args.push(seq, m.receivedAt, this.dictionary.origin(m), offset, r.sourceSeq ?? null, null);
    this.readings = reading;
    this.open = true;
    this.lastReceivedAt = m.receivedAt;
    this.lastSourceTs = r.sourceTs;
    this.lastSourceSeq = r.sourceSeq;
    this.lastBed = m.bedId;
    this.lastDevice = m.deviceId;
    this.lastSource = m.source;
  }

  private closeRow(): void {
    if (!this.open) return;
    this.args[this.args.length - 1] = this.readings;
    this.open = false;
  }

  /** Takes the queue (nothing queued afterwards belongs to it). */
  take(): unknown[] {
    this.closeRow();
    const args = this.args;
    this.args = [];
    this.count = 0;
    return args;
  }

  /**
   * Writes rows taken from the queue and any new dictionary entries (call inside a transaction), 64 rows per
   * statement. Call `committed()` once that transaction has committed. Returns rows written.
   */
  write(args: unknown[]): number {
    this.dictionary.writePending();
    const many = ROWS_PER_INSERT * COLUMNS;
    let k = 0;
    for (; k + many <= args.length; k += many) this.insertMany.run(args.slice(k, k + many));
    for (; k < args.length; k += COLUMNS) this.insertOne.run(args.slice(k, k + COLUMNS));
    return args.length / COLUMNS;
  }

  /** The transaction of the last `write` committed (its new dictionary entries are in the file). */
  committed(): void {
    this.dictionary.committed();
  }

  /** Observations with a sequence after `afterSeq` received at or after `since`, oldest first, at most `limit`. */
  since(afterSeq: number, since: number, limit: number): Observation[] {
    return readingsSince(this.db, afterSeq, since, limit);
  }
}
