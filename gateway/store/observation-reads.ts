import type { Observation } from '../../drivers/core/observation.js';
import type { TemperatureSite } from '../../drivers/core/temperature-sites.js';
import type { Db } from './database.js';
import { canonical } from './reading-dictionary.js';

/**
 * Reading observations back (restart, the PCD-01 report): from `device_messages` (this release's compact rows,
 * observation-rows.ts) and from `readings` (what the previous release writes, also after a rollback), merged in
 * sequence order; the two never hold the same sequence.
 */

/** Observations with a sequence after `afterSeq` received at or after `since`, oldest first, at most `limit`. */
export function readingsSince(db: Db, afterSeq: number, since: number, limit: number): Observation[] {
  const compact = compactReadingsSince(db, afterSeq, since, limit);
  const legacy = legacyReadingsSince(db, afterSeq, since, limit);
  if (legacy.length === 0) return compact;
  return [...compact, ...legacy].sort((a, b) => a.seq - b.seq).slice(0, limit);
}

/** The sequence of the newest stored reading in either table (a row's readings follow its key), 0 when none. */
export function lastReadingSeq(db: Db): number {
  const legacy = (db.prepare('SELECT seq + json_array_length(readings) - 1 AS m FROM readings ORDER BY seq DESC LIMIT 1').get() as { m: number } | undefined)?.m ?? 0;
  // "kind,value,kind,value": n readings have 2n - 1 commas.
  const compact = (db.prepare("SELECT seq + (length(readings) - length(replace(readings, ',', '')) + 1) / 2 - 1 AS m FROM device_messages ORDER BY seq DESC LIMIT 1").get() as { m: number } | undefined)?.m ?? 0;
  return Math.max(legacy, compact);
}

interface Kind {
  param: Observation['param'];
  unit: string;
  channel: string | null;
  flags: Observation['flags'];
  site: TemperatureSite | null;
}

function kinds(db: Db): Map<number, Kind> {
  const rows = db.prepare('SELECT id, param, unit, channel, flags, site FROM reading_kinds').all() as Array<{ id: number; param: string; unit: string | null; channel: string | null; flags: string | null; site: string | null }>;
  return new Map(
    rows.map((k) => [
      k.id,
      { param: k.param as Observation['param'], unit: k.unit ?? canonical(k.param) ?? '', channel: k.channel, flags: k.flags ? (k.flags.split(',') as Observation['flags']) : [], site: k.site as TemperatureSite | null },
    ]),
  );
}

function compactReadingsSince(db: Db, afterSeq: number, since: number, limit: number): Observation[] {
  // The row holding `afterSeq` itself may hold later readings too: start from it (primary-key seek), filter below.
  const rows = db
    .prepare(
      `SELECT m.seq, m.received_at AS receivedAt, m.source_ts_offset AS offset, m.source_seq AS sourceSeq, o.bed, o.device, o.source, m.readings
       FROM device_messages m JOIN message_origins o ON o.id = m.origin
       WHERE m.seq >= (SELECT COALESCE(MAX(seq), 0) FROM device_messages WHERE seq <= ?) AND m.received_at >= ? ORDER BY m.seq LIMIT ?`,
    )
    .all(afterSeq, since, limit + 1) as Array<{ seq: number; receivedAt: number; offset: number | null; sourceSeq: number | null; bed: string; device: string; source: string; readings: string }>;
  if (rows.length === 0) return [];
  const byId = kinds(db);
  const out: Observation[] = [];
  for (const r of rows) {
    const parts = r.readings.split(',');
    for (let k = 0; k + 1 < parts.length && out.length < limit; k += 2) {
      const seq = r.seq + k / 2;
      if (seq <= afterSeq) continue;
      const kind = byId.get(Number(parts[k]));
      if (kind === undefined) throw new Error(`stored reading ${seq} names reading kind ${parts[k]}, which the store does not hold`);
      out.push({
        gatewayId: '',
        seq,
        receivedAt: r.receivedAt,
        ...(r.offset !== null ? { sourceTs: r.receivedAt + r.offset } : {}),
        ...(r.sourceSeq !== null ? { sourceSeq: r.sourceSeq } : {}),
        bedId: r.bed,
        deviceId: r.device,
        source: r.source,
        param: kind.param,
        value: Number(parts[k + 1]),
        unit: kind.unit,
        ...(kind.channel !== null ? { channel: kind.channel } : {}),
        ...(kind.site !== null ? { site: kind.site } : {}),
        flags: [...kind.flags],
      });
    }
  }
  return out;
}

/** One reading in the earlier format (table `readings`): [param, value, unit?, channel?, flags?]. */
type LegacyReading = [string, number, (string | null)?, (string | null)?, (string | null)?];

/** The same from the table `readings` that release 5 wrote (and still writes after a rollback). */
function legacyReadingsSince(db: Db, afterSeq: number, since: number, limit: number): Observation[] {
  // The row holding `afterSeq` itself may hold later readings too: start from it (primary-key seek), filter below.
  const rows = db
    .prepare(
      `SELECT seq, received_at AS receivedAt, source_ts AS sourceTs, source_seq AS sourceSeq, bed, device, source, readings
       FROM readings WHERE seq >= (SELECT COALESCE(MAX(seq), 0) FROM readings WHERE seq <= ?) AND received_at >= ? ORDER BY seq LIMIT ?`,
    )
    .all(afterSeq, since, limit + 1) as Array<{ seq: number; receivedAt: number; sourceTs: number | null; sourceSeq: number | null; bed: string; device: string; source: string; readings: string }>;
  const out: Observation[] = [];
  for (const r of rows) {
    const readings = JSON.parse(r.readings) as LegacyReading[];
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
