import type { Statement } from 'better-sqlite3';
import type { Observation } from '../../drivers/core/observation.js';
import { canonicalUnit, isParamName } from '../../drivers/core/parameters.js';
import type { Db } from './database.js';

/**
 * Observations on disk: one row per device message (table `readings`, migration 4), holding all the readings that
 * arrived together. A wearable sends its six vitals in one message; six rows repeating the same bed, device, times
 * and sequence cost about three times the bytes of one row carrying six readings, and on an SD card bytes written
 * are wear. Each reading keeps its own gateway sequence: the row's key is the first one, the others follow it in
 * order (readings of one message get consecutive sequences). The view `observation_readings` shows one row per
 * reading. The table `observations` (one row per reading) is what earlier releases wrote: read by them after a
 * rollback, copied here by migration 5, emptied by retention.
 */

/**
 * One reading inside a row: [param, value] when its unit is the parameter's canonical one (as after every codec's
 * normalisation), [param, value, unit] otherwise, and [param, value, unit or null, channel, flags] when it has those.
 */
type StoredReading = [string, number] | [string, number, string | null] | [string, number, string | null, string | null, string | null];

const canonical = (param: string): string | undefined => (isParamName(param) ? canonicalUnit(param) : undefined);

const COLUMNS = 8;
/** Rows per multi-row INSERT (8 parameters each; well under SQLite's limit of 32,766 bound parameters). */
export const ROWS_PER_INSERT = 64;

/** The INSERT of `rows` rows (the Store prepares one of 1 row and one of ROWS_PER_INSERT rows). */
export const insertReadingsSql = (rows: number): string =>
  `INSERT INTO readings (seq, received_at, source_ts, source_seq, bed, device, source, readings) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;

/** Observations of one message (same device, receipt time, source time and sequence, consecutive seq) share a row. */
function sameMessage(a: Observation, b: Observation): boolean {
  return (
    b.seq === a.seq + 1 && b.deviceId === a.deviceId && b.receivedAt === a.receivedAt && b.sourceTs === a.sourceTs &&
    b.sourceSeq === a.sourceSeq && b.bedId === a.bedId && b.source === a.source
  );
}

function stored(o: Observation): StoredReading {
  const flags = o.flags.length ? o.flags.join(',') : null;
  const unit = o.unit === canonical(o.param) ? null : o.unit;
  if (o.channel === undefined && flags === null) return unit === null ? [o.param, o.value] : [o.param, o.value, unit];
  return [o.param, o.value, unit, o.channel ?? null, flags];
}

/**
 * The queue of observations not yet written, kept as rows (one per message) rather than as observation objects:
 * an observation can die young once queued, and a group held for a second does not fill V8's old generation
 * with six objects per sample (garbage collection time and resident memory).
 */
export class ObservationRows {
  /** Parameters of the queued rows, COLUMNS per row; the last row's readings are still open. */
  private args: unknown[] = [];
  private last: Observation | undefined;
  private readings: StoredReading[] = [];
  /** Observations queued (not rows). */
  count = 0;

  /** `insertOne` and `insertMany` are insertReadingsSql(1) and insertReadingsSql(ROWS_PER_INSERT), prepared. */
  constructor(
    private readonly db: Db,
    private readonly insertOne: Statement,
    private readonly insertMany: Statement,
  ) {}

  /** Queues an observation: into the open row when it belongs to the same message, else into a new row. */
  add(o: Observation): void {
    this.count += 1;
    if (this.last !== undefined && sameMessage(this.last, o)) {
      this.readings.push(stored(o));
      this.last = o;
      return;
    }
    this.closeRow();
    this.args.push(o.seq, o.receivedAt, o.sourceTs ?? null, o.sourceSeq ?? null, o.bedId, o.deviceId, o.source, null);
    this.readings = [stored(o)];
    this.last = o;
  }

  private closeRow(): void {
    if (this.last === undefined) return;
    this.args[this.args.length - 1] = JSON.stringify(this.readings);
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

  /** Writes rows taken from the queue (call inside a transaction), 64 rows per statement. Returns rows written. */
  write(args: unknown[]): number {
    const many = ROWS_PER_INSERT * COLUMNS;
    let k = 0;
    for (; k + many <= args.length; k += many) this.insertMany.run(args.slice(k, k + many));
    for (; k < args.length; k += COLUMNS) this.insertOne.run(args.slice(k, k + COLUMNS));
    return args.length / COLUMNS;
  }

  /** Observations with a sequence after `afterSeq` received at or after `since`, oldest first, at most `limit`. */
  since(afterSeq: number, since: number, limit: number): Observation[] {
    return readingsSince(this.db, afterSeq, since, limit);
  }
}

/** Observations with a sequence after `afterSeq` received at or after `since`, oldest first, at most `limit`. */
export function readingsSince(db: Db, afterSeq: number, since: number, limit: number): Observation[] {
  // The row holding `afterSeq` itself may hold later readings too: start from it (primary-key seek), filter below.
  const rows = db
    .prepare(
      `SELECT seq, received_at AS receivedAt, source_ts AS sourceTs, source_seq AS sourceSeq, bed, device, source, readings
       FROM readings WHERE seq >= (SELECT COALESCE(MAX(seq), 0) FROM readings WHERE seq <= ?) AND received_at >= ? ORDER BY seq LIMIT ?`,
    )
    .all(afterSeq, since, limit + 1) as Array<{ seq: number; receivedAt: number; sourceTs: number | null; sourceSeq: number | null; bed: string; device: string; source: string; readings: string }>;
  const out: Observation[] = [];
  for (const r of rows) {
    const readings = JSON.parse(r.readings) as StoredReading[];
    readings.forEach(([param, value, unit, channel, flags], k) => {
      if (out.length >= limit || r.seq + k <= afterSeq) return;
      out.push({
        gatewayId: '',
        seq: r.seq + k,
        receivedAt: r.receivedAt,
        ...(r.sourceTs !== null ? { sourceTs: r.sourceTs } : {}),
        ...(r.sourceSeq !== null ? { sourceSeq: r.sourceSeq } : {}),
        bedId: r.bed,
        deviceId: r.device,
        source: r.source,
        param: param as Observation['param'],
        value,
        unit: unit ?? canonical(param) ?? '',
        ...(channel !== undefined && channel !== null ? { channel } : {}),
        flags: flags ? (flags.split(',') as Observation['flags']) : [],
      });
    });
  }
  return out;
}
