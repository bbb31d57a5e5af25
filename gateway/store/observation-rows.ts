import type { Statement } from 'better-sqlite3';
import type { Observation } from '../../drivers/core/observation.js';
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

/** Observations of one message (same device, receipt time, source time and sequence, consecutive seq) share a row. */
function sameMessage(a: Observation, b: Observation): boolean {
  return (
    b.seq === a.seq + 1 && b.deviceId === a.deviceId && b.receivedAt === a.receivedAt && b.sourceTs === a.sourceTs &&
    b.sourceSeq === a.sourceSeq && b.bedId === a.bedId && b.source === a.source
  );
}

/**
 * The queue of observations not yet written, kept as rows (one per message) rather than as observation objects:
 * an observation can die young once queued, and a group held for a second does not fill V8's old generation
 * with six objects per sample (garbage collection time and resident memory).
 */
export class ObservationRows {
  /** Parameters of the queued rows, COLUMNS per row; the last row's readings text is still open. */
  private args: unknown[] = [];
  private last: Observation | undefined;
  private readings = '';
  private readonly dictionary: ReadingDictionary;
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

  /** Queues an observation: into the open row when it belongs to the same message, else into a new row. */
  add(o: Observation): void {
    this.count += 1;
    const reading = `${this.dictionary.kind(o)},${o.value}`;
    if (this.last !== undefined && sameMessage(this.last, o)) {
      this.readings += `,${reading}`;
      this.last = o;
      return;
    }
    this.closeRow();
    const offset = o.sourceTs === undefined ? null : o.sourceTs - o.receivedAt;
    this.args.push(o.seq, o.receivedAt, this.dictionary.origin(o), offset, o.sourceSeq ?? null, null);
    this.readings = reading;
    this.last = o;
  }

  private closeRow(): void {
    if (this.last === undefined) return;
    this.args[this.args.length - 1] = this.readings;
    this.last = undefined;
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
