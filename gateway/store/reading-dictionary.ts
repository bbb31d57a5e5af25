import type { Statement } from 'better-sqlite3';
import type { Observation, Reading } from '../../drivers/core/observation.js';
import { canonicalUnit, isParamName } from '../../drivers/core/parameters.js';
import type { Db } from './database.js';

/** The parameter's canonical UCUM unit (what a stored unit of NULL means), undefined for names outside the table. */
export const canonical = (param: string): string | undefined => (isParamName(param) ? canonicalUnit(param) : undefined);

/**
 * The two dictionaries of the compact observation rows (migration 6): message origins (bed, device, transport) and
 * reading kinds (parameter, unit unless canonical, channel, flags, temperature site), each numbered once. Both are
 * small (a ward has a few hundred origins and a few dozen kinds) and held in memory. A new entry is numbered at
 * once and written with the next group; it stays pending until a transaction that wrote it commits, so a failed
 * group (disk full) cannot leave a row pointing at a number the file does not hold.
 */
export class ReadingDictionary {
  private readonly kinds = new Map<string, number>();
  private readonly origins = new Map<string, number>();
  private nextKind: number;
  private nextOrigin: number;
  private pendingKinds: unknown[][] = [];
  private pendingOrigins: unknown[][] = [];
  private readonly insertKind: Statement;
  private readonly insertOrigin: Statement;

  constructor(db: Db) {
    const kinds = db.prepare('SELECT id, param, unit, channel, flags, site FROM reading_kinds').all() as Array<{ id: number; param: string; unit: string | null; channel: string | null; flags: string | null; site: string | null }>;
    for (const k of kinds) this.kinds.set(kindKey(k.param, k.unit, k.channel, k.flags, k.site), k.id);
    const origins = db.prepare('SELECT id, bed, device, source FROM message_origins').all() as Array<{ id: number; bed: string; device: string; source: string }>;
    for (const o of origins) this.origins.set(originKey(o.bed, o.device, o.source), o.id);
    this.nextKind = Math.max(0, ...kinds.map((k) => k.id)) + 1;
    this.nextOrigin = Math.max(0, ...origins.map((o) => o.id)) + 1;
    this.insertKind = db.prepare('INSERT OR IGNORE INTO reading_kinds (id, param, unit, channel, flags, site) VALUES (?, ?, ?, ?, ?, ?)');
    this.insertOrigin = db.prepare('INSERT OR IGNORE INTO message_origins (id, bed, device, source) VALUES (?, ?, ?, ?)');
  }

  /** The number of the reading's kind (everything about a reading but its value and its message). */
  kind(o: Reading): number {
    const unit = o.unit === canonical(o.param) ? null : o.unit;
    const flags = o.flags !== undefined && o.flags.length > 0 ? o.flags.join(',') : null;
    const channel = o.channel ?? null;
    const site = o.site ?? null;
    const key = kindKey(o.param, unit, channel, flags, site);
    let id = this.kinds.get(key);
    if (id === undefined) {
      id = this.nextKind++;
      this.kinds.set(key, id);
      this.pendingKinds.push([id, o.param, unit, channel, flags, site]);
    }
    return id;
  }

  /** The number of an observation's or a message's origin (bed, device, transport). */
  origin(o: Pick<Observation, 'bedId' | 'deviceId' | 'source'>): number {
    const key = originKey(o.bedId, o.deviceId, o.source);
    let id = this.origins.get(key);
    if (id === undefined) {
      id = this.nextOrigin++;
      this.origins.set(key, id);
      this.pendingOrigins.push([id, o.bedId, o.deviceId, o.source]);
    }
    return id;
  }

  /** Writes the entries not yet known to be in the file (call inside the transaction that writes the rows). */
  writePending(): void {
    for (const k of this.pendingKinds) this.insertKind.run(k);
    for (const o of this.pendingOrigins) this.insertOrigin.run(o);
  }

  /** The transaction that wrote the pending entries committed. */
  committed(): void {
    if (this.pendingKinds.length > 0) this.pendingKinds = [];
    if (this.pendingOrigins.length > 0) this.pendingOrigins = [];
  }
}

// The common kind (canonical unit, no channel, flags or site) is keyed by the parameter alone: no string built per reading.
const kindKey = (param: string, unit: string | null, channel: string | null, flags: string | null, site: string | null): string =>
  unit === null && channel === null && flags === null && site === null ? param : `${param}\u0000${unit ?? ''}\u0000${channel ?? ''}\u0000${flags ?? ''}\u0000${site ?? ''}`;

const originKey = (bed: string, device: string, source: string): string => `${bed}\u0000${device}\u0000${source}`;
