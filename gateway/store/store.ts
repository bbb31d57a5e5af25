import type { Statement } from 'better-sqlite3';
import type { Observation } from '../../drivers/core/observation.js';
import type { AlarmEvent, IncidentEvent } from '../../rules/types.js';
import type { OutboxPort } from '../../sync/upstream.js';
import { readAudit, type AuditQuery, type AuditRow } from './audit.js';
import { openDatabase, type Db } from './database.js';
import { enforceDiskBudget, type DiskBudgetOptions, type DiskBudgetReport } from './disk-budget.js';
import { DownlinkStore } from './downlink.js';

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

export interface NewOutboxMessage {
  id: string;
  kind: string;
  incidentId?: string;
  incidentSeq?: number;
  createdAt: number;
  /** Builds the JSON body once the gateway sequence is known. */
  body: (gwSeq: number) => string;
}

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  bed?: string;
  detail: unknown;
}

/**
 * The gateway's single source of truth. Observations are queued and written in one transaction per
 * event-loop turn; alarm changes, their incident events and outbox messages are written together in one
 * durable transaction before anything is published.
 */
export class Store {
  /** The connection, for tests and diagnosis; code outside gateway/store/ calls the typed methods (no SQL there). */
  readonly db: Db;
  readonly path: string;
  readonly migrated: number[];
  /** The store's schema version; newer than SCHEMA_VERSION after a rollback to this release. */
  readonly schemaVersion: number;
  private seq: number;
  private pending: Observation[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly st: Record<string, Statement>;
  /** Observations dropped because the queue was over its bound (load shedding). */
  droppedObservations = 0;
  /** What the centre sent down (incident status, admissions), applied idempotently. */
  readonly downlink: DownlinkStore;
  /** The outbox as the upstream relay (sync/) sees it: undelivered rows in order, and delivery marks. */
  readonly outbox: OutboxPort = {
    pending: (limit, afterGwSeq) => this.pendingOutbox(limit, afterGwSeq),
    markDelivered: (gwSeqs, at) => this.markDelivered(gwSeqs, at),
  };

  constructor(
    dataDir: string,
    private readonly maxPending = 20_000,
  ) {
    const opened = openDatabase(dataDir);
    this.db = opened.db;
    this.db.pragma('synchronous = NORMAL'); // the resting state; see durably()
    this.path = opened.path;
    this.migrated = opened.migrated;
    this.schemaVersion = opened.schemaVersion;
    const d = this.db;
    this.st = {
      insertObs: d.prepare(
        `INSERT INTO observations (seq, received_at, source_ts, source_seq, bed, device, source, param, value, unit, channel, flags)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      setMeta: d.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
      getMeta: d.prepare(`SELECT value FROM meta WHERE key = ?`),
      insertAlarmEvent: d.prepare(
        `INSERT INTO alarm_events (alarm_id, bed, condition, kind, priority, state, transition, at, by, incident_id, body)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      upsertAlarm: d.prepare(
        `INSERT INTO alarms (id, bed, condition, priority, state, raised_at, updated_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET priority = excluded.priority, state = excluded.state, updated_at = excluded.updated_at, body = excluded.body`,
      ),
      upsertIncident: d.prepare(
        `INSERT INTO incidents (id, bed, condition, priority, status, opened_at, updated_at, last_seq, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET priority = excluded.priority, status = excluded.status, updated_at = excluded.updated_at,
           last_seq = excluded.last_seq, body = excluded.body`,
      ),
      insertOutbox: d.prepare(
        `INSERT INTO outbox (gw_seq, id, kind, incident_id, incident_seq, created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      pendingOutbox: d.prepare(
        `SELECT gw_seq AS gwSeq, id, kind, incident_id AS incidentId, incident_seq AS incidentSeq, created_at AS createdAt, body
         FROM outbox WHERE delivered_at IS NULL AND gw_seq > ? ORDER BY gw_seq LIMIT ?`,
      ),
      markDelivered: d.prepare(`UPDATE outbox SET delivered_at = ? WHERE gw_seq = ? AND delivered_at IS NULL`),
      markDeliveredMany: d.prepare(`UPDATE outbox SET delivered_at = ? WHERE gw_seq IN (SELECT value FROM json_each(?)) AND delivered_at IS NULL`),
      outboxDepth: d.prepare(`SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE delivered_at IS NULL`),
      insertAudit: d.prepare(`INSERT INTO audit (at, actor, action, bed, detail) VALUES (?, ?, ?, ?, ?)`),
      // Commit order (rowid; an upsert keeps it), never wall time: a Pi's clock can jump at boot when NTP syncs.
      openAlarms: d.prepare(`SELECT body FROM alarms WHERE state != 'cleared' ORDER BY rowid`),
      openIncidents: d.prepare(`SELECT body FROM incidents WHERE status != 'closed' ORDER BY rowid`),
      deviceState: d.prepare(
        `INSERT INTO device_state (device, state, reason, at) VALUES (?, ?, ?, ?)
         ON CONFLICT(device) DO UPDATE SET state = excluded.state, reason = excluded.reason, at = excluded.at`,
      ),
      addMark: d.prepare(`INSERT INTO observation_marks (at, seq) VALUES (?, ?)`),
      markBefore: d.prepare(`SELECT MAX(seq) AS seq, MAX(at) AS at FROM observation_marks WHERE at < ?`),
      pruneObs: d.prepare(`DELETE FROM observations WHERE seq <= ?`),
      pruneMarks: d.prepare(`DELETE FROM observation_marks WHERE at < ?`),
      pruneOutbox: d.prepare(`DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?`),
    };
    const fromMeta = Number((this.st.getMeta!.get('seq') as { value: string } | undefined)?.value ?? 0);
    const fromObs = (d.prepare('SELECT MAX(seq) AS m FROM observations').get() as { m: number | null }).m ?? 0;
    const fromOutbox = (d.prepare('SELECT MAX(gw_seq) AS m FROM outbox').get() as { m: number | null }).m ?? 0;
    this.seq = Math.max(fromMeta, fromObs, fromOutbox);
    this.downlink = new DownlinkStore(d);
  }

  /** False once closed (or if the connection was lost): the readiness check. */
  get isOpen(): boolean {
    return this.db.open;
  }

  /** Next gateway-local sequence number: strictly increasing across restarts. */
  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Queues an observation; written with the others of this event-loop turn. Returns false when shed. */
  queueObservation(o: Observation): boolean {
    if (this.closed) return false;
    if (this.pending.length >= this.maxPending) {
      this.droppedObservations += 1;
      return false;
    }
    this.pending.push(o);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushObservations());
    }
    return true;
  }

  get pendingObservations(): number {
    return this.pending.length;
  }

  /**
   * Writes queued observations in one transaction (synchronous=NORMAL: telemetry, not alarms). A failing write
   * (disk full, I/O error) drops that batch, counts it and reports it through `onWriteError`; it never throws,
   * because it runs from the event loop and an exception there would take the alarm path down with it.
   */
  flushObservations(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 || this.closed) return;
    const batch = this.pending.length;
    try {
      this.writeObservations();
    } catch (err) {
      this.failedObservations += batch;
      this.onWriteError?.(err as Error, 'observations');
    }
  }

  /** Observations lost because their batch could not be written. */
  failedObservations = 0;
  /** Called when a background write fails (the caller raises the store-fault technical alarm). */
  onWriteError: ((err: Error, what: string) => void) | undefined;

  private writeObservations(): void {
    const batch = this.pending;
    this.pending = [];
    const insert = this.st.insertObs!;
    this.db.transaction(() => {
      for (const o of batch) {
        insert.run(
          o.seq, o.receivedAt, o.sourceTs ?? null, o.sourceSeq ?? null, o.bedId, o.deviceId, o.source,
          o.param, o.value, o.unit, o.channel ?? null, o.flags.length ? o.flags.join(',') : null,
        );
      }
      this.st.setMeta!.run('seq', String(this.seq));
    })();
  }

  /**
   * Writes alarm transitions, incident events and their outbox messages in one durable transaction
   * (with any observations still queued, so the observation that caused an alarm is never lost either).
   * Returns the outbox rows as written.
   */
  commitAlarmChange(alarms: AlarmEvent[], incidents: IncidentEvent[], outbox: NewOutboxMessage[], audit: AuditEntry[] = [], within?: () => void): OutboxRow[] {
    const written: OutboxRow[] = [];
    this.durably(() => this.db.transaction(() => {
      if (this.pending.length > 0) this.writeObservations();
      for (const a of alarms) {
        const body = JSON.stringify(a);
        this.st.insertAlarmEvent!.run(a.id, a.bed, a.condition, a.kind, a.priority, a.state, a.transition, a.at, a.by, a.incidentId, body);
        this.st.upsertAlarm!.run(a.id, a.bed, a.condition, a.priority, a.state, a.raisedAt, a.at, body);
      }
      for (const i of incidents) {
        const status = i.type === 'closed' ? 'closed' : 'open';
        this.st.upsertIncident!.run(i.incidentId, i.bed, i.condition, i.priority, status, i.at, i.at, i.incidentSeq, JSON.stringify(i));
      }
      for (const m of outbox) {
        const gwSeq = this.nextSeq();
        const body = m.body(gwSeq);
        this.st.insertOutbox!.run(gwSeq, m.id, m.kind, m.incidentId ?? null, m.incidentSeq ?? null, m.createdAt, body);
        written.push({ gwSeq, id: m.id, kind: m.kind, incidentId: m.incidentId ?? null, incidentSeq: m.incidentSeq ?? null, createdAt: m.createdAt, body });
      }
      for (const e of audit) this.st.insertAudit!.run(e.at, e.actor, e.action, e.bed ?? null, JSON.stringify(e.detail));
      within?.(); // more rows that must commit with these (the hospital outputs' messages, gateway/outputs.ts)
      this.st.setMeta!.run('seq', String(this.seq));
    })());
    return written;
  }

  /** A tiny durable write: does the store take writes again after a failure? Throws when it does not. */
  probeWrite(at: number): void {
    this.durably(() => this.db.transaction(() => this.st.setMeta!.run('write-probe', String(at)))());
  }

  audit(entry: AuditEntry): void {
    this.durably(() => this.st.insertAudit!.run(entry.at, entry.actor, entry.action, entry.bed ?? null, JSON.stringify(entry.detail)));
  }

  /** Audited actions of the given kinds, oldest first (to restore bed settings after a restart). */
  auditedActions(actions: string[]): AuditEntry[] {
    const rows = this.db
      .prepare(`SELECT at, actor, action, bed, detail FROM audit WHERE action IN (${actions.map(() => '?').join(', ')}) ORDER BY row`)
      .all(...actions) as Array<{ at: number; actor: string; action: string; bed: string | null; detail: string }>;
    return rows.map((r) => ({ at: r.at, actor: r.actor, action: r.action, ...(r.bed ? { bed: r.bed } : {}), detail: JSON.parse(r.detail) as unknown }));
  }

  /** Recent rows of the audit trail for the screen, newest first. */
  recentAudit(q: AuditQuery): AuditRow[] {
    return readAudit(this.db, q);
  }

  /** Prunes to stay inside `o.budgetBytes` (see disk-budget.ts for what is sacrificed first) and reports the level. */
  enforceDiskBudget(now: number, o: DiskBudgetOptions): DiskBudgetReport {
    return enforceDiskBudget(this.db, this.path, now, o);
  }

  /** Undelivered outbox messages in gateway order, after `afterGwSeq`. */
  pendingOutbox(limit: number, afterGwSeq = 0): OutboxRow[] {
    return this.st.pendingOutbox!.all(afterGwSeq, limit) as OutboxRow[];
  }

  /**
   * Marks acknowledged messages delivered. synchronous=NORMAL (no fsync per commit): a power cut can lose only
   * the latest marks, and those events are then sent again, which the centre de-duplicates.
   */
  markDelivered(gwSeqs: number[], at: number): void {
    if (gwSeqs.length === 0) return;
    this.st.markDeliveredMany!.run(at, JSON.stringify(gwSeqs));
  }

  /**
   * The connection rests at synchronous=NORMAL (telemetry, delivery marks: no fsync per commit); what must survive
   * a power cut once committed (alarms, incidents, outbox, audit, device state) is written under FULL, and the
   * connection goes back to NORMAL even when the write fails. Switching only around these rare commits, not
   * around every observation batch, keeps the hot path at one statement per row.
   */
  private durably<T>(fn: () => T): T {
    this.db.pragma('synchronous = FULL');
    try {
      return fn();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  outboxStats(): { depth: number; oldestCreatedAt: number | null } {
    const r = this.st.outboxDepth!.get() as { n: number; oldest: number | null };
    return { depth: r.n, oldestCreatedAt: r.oldest };
  }

  openAlarms(): AlarmEvent[] {
    return (this.st.openAlarms!.all() as { body: string }[]).map((r) => JSON.parse(r.body) as AlarmEvent);
  }

  openIncidents(): IncidentEvent[] {
    return (this.st.openIncidents!.all() as { body: string }[]).map((r) => JSON.parse(r.body) as IncidentEvent);
  }

  recordDeviceState(device: string, state: string, reason: string, at: number): void {
    this.durably(() => this.st.deviceState!.run(device, state, reason, at));
  }

  centralState(incidentId: string): { status: string | null; assignedTo: string | null } | undefined {
    return this.db.prepare('SELECT central_status AS status, assigned_to AS assignedTo FROM incidents WHERE id = ?').get(incidentId) as
      | { status: string | null; assignedTo: string | null }
      | undefined;
  }

  /**
   * Observations received since `since` (epoch ms), oldest first, at most `limit`: what the screen shows again after a
   * restart. Starts from the newest retention mark at or before `since` (no time index on the hot table).
   */
  recentObservations(since: number, limit = 200_000): Observation[] {
    const mark = this.db.prepare('SELECT MAX(seq) AS seq FROM observation_marks WHERE at <= ?').get(since) as { seq: number | null };
    const rows = this.db
      .prepare(
        `SELECT seq, received_at AS receivedAt, source_ts AS sourceTs, source_seq AS sourceSeq, bed, device, source, param, value, unit, channel, flags
         FROM observations WHERE seq > ? AND received_at >= ? ORDER BY seq LIMIT ?`,
      )
      .all(mark.seq ?? 0, since, limit) as Array<{ seq: number; receivedAt: number; sourceTs: number | null; sourceSeq: number | null; bed: string; device: string; source: string; param: string; value: number; unit: string; channel: string | null; flags: string | null }>;
    return rows.map((r) => ({
      gatewayId: '',
      seq: r.seq,
      receivedAt: r.receivedAt,
      ...(r.sourceTs !== null ? { sourceTs: r.sourceTs } : {}),
      ...(r.sourceSeq !== null ? { sourceSeq: r.sourceSeq } : {}),
      bedId: r.bed,
      deviceId: r.device,
      source: r.source,
      param: r.param as Observation['param'],
      value: r.value,
      unit: r.unit,
      ...(r.channel !== null ? { channel: r.channel } : {}),
      flags: r.flags ? (r.flags.split(',') as Observation['flags']) : [],
    }));
  }

  /**
   * Retention. Each call records a mark (now, last sequence); observations up to the newest mark older than the
   * retention are deleted by primary key, so the hot insert path needs no time index. Call it regularly (every
   * minute): the retention is honoured to within that period.
   */
  prune(now: number, retentionMs: number, deliveredKeepMs = 24 * 3600_000): { observations: number; outbox: number } {
    this.flushObservations();
    let observations = 0;
    this.db.transaction(() => {
      this.st.addMark!.run(now, this.seq);
      const mark = this.st.markBefore!.get(now - retentionMs) as { seq: number | null; at: number | null };
      if (mark.seq !== null && mark.at !== null) {
        observations = this.st.pruneObs!.run(mark.seq).changes;
        this.st.pruneMarks!.run(mark.at);
      }
    })();
    const outbox = this.st.pruneOutbox!.run(now - deliveredKeepMs).changes;
    return { observations, outbox };
  }

  close(): void {
    if (this.closed) return;
    this.flushObservations();
    this.closed = true;
    this.db.close();
  }
}
