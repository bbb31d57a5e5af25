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
 * The queue of observations not yet written, held as numbers in typed arrays (one slot per row, one per reading)
 * until the group is written: the parameters and the readings text of each row are built only then, and die at
 * once. A group waits up to a second, and queued JavaScript objects or strings that outlive a young-generation
 * collection are copied and promoted, then die in the old generation: at saturation that copying was most of the
 * gateway's garbage-collection time.
 */
export class ObservationRows {
  private rowCap = 256;
  private readingCap = 1024;
  private rows = 0;
  private readingsQueued = 0;
  private rowSeq = new Float64Array(this.rowCap);
  private rowReceivedAt = new Float64Array(this.rowCap);
  private rowOrigin = new Int32Array(this.rowCap);
  /** Source time minus receipt time; NaN for none (NULL). */
  private rowOffset = new Float64Array(this.rowCap);
  /** The device's own sequence; NaN for none (NULL). */
  private rowSourceSeq = new Float64Array(this.rowCap);
  /** Index of the row's first reading in kinds/values; a row's readings are contiguous. */
  private rowFirst = new Int32Array(this.rowCap);
  private rowReadings = new Int32Array(this.rowCap);
  private kinds = new Int32Array(this.readingCap);
  private values = new Float64Array(this.readingCap);
  private open = false;
  private readonly dictionary: ReadingDictionary;
  /** What identifies the open row's message; a reading joins it only with the next sequence and the same values. */
  private lastSeq = 0;
  private lastReceivedAt = 0;
  private lastSourceTs: number | undefined;
  private lastSourceSeq: number | undefined;
  private lastBed = '';
  private lastDevice = '';
  private lastSource = '';
  private lastOrigin = 0;
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
    if (this.readingsQueued === this.readingCap) this.growReadings();
    this.kinds[this.readingsQueued] = this.dictionary.kind(r);
    this.values[this.readingsQueued] = r.value;
    this.readingsQueued += 1;
    const same =
      this.open && seq === this.lastSeq + 1 && m.deviceId === this.lastDevice && m.receivedAt === this.lastReceivedAt &&
      r.sourceTs === this.lastSourceTs && r.sourceSeq === this.lastSourceSeq && m.bedId === this.lastBed && m.source === this.lastSource;
    this.lastSeq = seq;
    if (same) {
      this.rowReadings[this.rows - 1] = (this.rowReadings[this.rows - 1] as number) + 1;
      return;
    }
    if (this.rows === this.rowCap) this.growRows();
    const row = this.rows++;
    if (m.bedId !== this.lastBed || m.deviceId !== this.lastDevice || m.source !== this.lastSource || !this.open) this.lastOrigin = this.dictionary.origin(m);
    this.rowSeq[row] = seq;
    this.rowReceivedAt[row] = m.receivedAt;
    this.rowOrigin[row] = this.lastOrigin;
    this.rowOffset[row] = r.sourceTs === undefined ? NaN : r.sourceTs - m.receivedAt;
    this.rowSourceSeq[row] = r.sourceSeq ?? NaN;
    this.rowFirst[row] = this.readingsQueued - 1;
    this.rowReadings[row] = 1;
    this.open = true;
    this.lastReceivedAt = m.receivedAt;
    this.lastSourceTs = r.sourceTs;
    this.lastSourceSeq = r.sourceSeq;
    this.lastBed = m.bedId;
    this.lastDevice = m.deviceId;
    this.lastSource = m.source;
  }

  private growRows(): void {
    this.rowCap *= 2;
    this.rowSeq = grown(this.rowSeq, this.rowCap);
    this.rowReceivedAt = grown(this.rowReceivedAt, this.rowCap);
    this.rowOrigin = grown(this.rowOrigin, this.rowCap);
    this.rowOffset = grown(this.rowOffset, this.rowCap);
    this.rowSourceSeq = grown(this.rowSourceSeq, this.rowCap);
    this.rowFirst = grown(this.rowFirst, this.rowCap);
    this.rowReadings = grown(this.rowReadings, this.rowCap);
  }

  private growReadings(): void {
    this.readingCap *= 2;
    this.kinds = grown(this.kinds, this.readingCap);
    this.values = grown(this.values, this.readingCap);
  }

  /**
   * Writes the queued rows and any new dictionary entries (call inside a transaction), 64 rows per statement, and
   * empties the queue whether or not the write succeeds (a failed group is counted by the caller). Call
   * `committed()` once that transaction has committed. Returns rows written.
   */
  write(): number {
    const rows = this.rows;
    try {
      this.dictionary.writePending();
      let row = 0;
      for (; row + ROWS_PER_INSERT <= rows; row += ROWS_PER_INSERT) this.insertMany.run(this.parameters(row, ROWS_PER_INSERT));
      for (; row < rows; row++) this.insertOne.run(this.parameters(row, 1));
    } finally {
      this.clear();
    }
    return rows;
  }

  /** The statement parameters of `n` rows from `first`: built just before the statement runs, garbage right after. */
  private parameters(first: number, n: number): unknown[] {
    const args = new Array<unknown>(n * COLUMNS);
    for (let k = 0, row = first; k < args.length; k += COLUMNS, row++) {
      const offset = this.rowOffset[row] as number;
      const sourceSeq = this.rowSourceSeq[row] as number;
      args[k] = this.rowSeq[row];
      args[k + 1] = this.rowReceivedAt[row];
      args[k + 2] = this.rowOrigin[row];
      args[k + 3] = Number.isNaN(offset) ? null : offset;
      args[k + 4] = Number.isNaN(sourceSeq) ? null : sourceSeq;
      args[k + 5] = this.readingsText(row);
    }
    return args;
  }

  /** "kind,value,kind,value..." of a row (a JSON array of numbers without its brackets). */
  private readingsText(row: number): string {
    const from = this.rowFirst[row] as number;
    const to = from + (this.rowReadings[row] as number);
    let text = `${this.kinds[from] as number},${this.values[from] as number}`;
    for (let i = from + 1; i < to; i++) text += `,${this.kinds[i] as number},${this.values[i] as number}`;
    return text;
  }

  private clear(): void {
    this.rows = 0;
    this.readingsQueued = 0;
    this.count = 0;
    this.open = false;
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

function grown<T extends Float64Array | Int32Array>(from: T, length: number): T {
  const to = new (from.constructor as new (n: number) => T)(length);
  to.set(from);
  return to;
}
