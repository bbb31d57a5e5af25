import type { Statement } from 'better-sqlite3';
import type { Observation } from '../../drivers/core/observation.js';
import { canonicalUnit, isParamName } from '../../drivers/core/parameters.js';
import type { Db } from './database.js';

/**
 * Observations on disk: one row per device message (table `readings`, migration 4), holding all the readings that
 * arrived together. A wearable sends its six vitals in one message; six rows repeating the same bed, device, times
 * and sequence cost about three times the bytes of one row carrying six readings, and on an SD card bytes written
 * are wear. Each reading keeps its own gateway sequence: the row's key is the first one, the others follow it in
 * order (readings of one message get consecutive sequences). The view `observations` shows one row per reading.
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

export class ObservationRows {
  private readonly args: unknown[] = [];

  /** `insertOne` and `insertMany` are insertReadingsSql(1) and insertReadingsSql(ROWS_PER_INSERT), prepared. */
  constructor(
    private readonly db: Db,
    private readonly insertOne: Statement,
    private readonly insertMany: Statement,
  ) {}

  /** Writes a batch (call inside a transaction): rows grouped by message, 64 rows per statement. Returns rows written. */
  write(batch: readonly Observation[]): number {
    const args = this.args;
    args.length = 0;
    let rows = 0;
    let i = 0;
    while (i < batch.length) {
      const first = batch[i]!;
      const readings: StoredReading[] = [stored(first)];
      let last = first;
      i += 1;
      while (i < batch.length && sameMessage(last, batch[i]!)) {
        last = batch[i]!;
        readings.push(stored(last));
        i += 1;
      }
      args.push(first.seq, first.receivedAt, first.sourceTs ?? null, first.sourceSeq ?? null, first.bedId, first.deviceId, first.source, JSON.stringify(readings));
      rows += 1;
      if (args.length === ROWS_PER_INSERT * COLUMNS) {
        this.insertMany.run(args);
        args.length = 0;
      }
    }
    for (let k = 0; k < args.length; k += COLUMNS) this.insertOne.run(args.slice(k, k + COLUMNS));
    args.length = 0;
    return rows;
  }

  /** Observations with a sequence after `afterSeq` received at or after `since`, oldest first, at most `limit`. */
  since(afterSeq: number, since: number, limit: number): Observation[] {
    const rows = this.db
      .prepare(
        `SELECT seq, received_at AS receivedAt, source_ts AS sourceTs, source_seq AS sourceSeq, bed, device, source, readings
         FROM readings WHERE seq > ? AND received_at >= ? ORDER BY seq LIMIT ?`,
      )
      .all(afterSeq, since, limit) as Array<{ seq: number; receivedAt: number; sourceTs: number | null; sourceSeq: number | null; bed: string; device: string; source: string; readings: string }>;
    const out: Observation[] = [];
    for (const r of rows) {
      const readings = JSON.parse(r.readings) as StoredReading[];
      readings.forEach(([param, value, unit, channel, flags], k) => {
        if (out.length >= limit) return;
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
}
