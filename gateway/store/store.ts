import type { Statement } from 'better-sqlite3';
import { messageOf, type Observation, type ObservationMessage } from '../../drivers/core/observation.js';
import type { AlarmEvent, IncidentEvent } from '../../rules/types.js';
import type { OutboxPort } from '../../sync/upstream.js';
import { readAudit, type AuditQuery, type AuditRow } from './audit.js';
import { openDatabase, walCheckpointPages, type Db } from './database.js';
import { enforceDiskBudget, type DiskBudgetOptions, type DiskBudgetReport } from './disk-budget.js';
import { DownlinkStore } from './downlink.js';
import { lastReadingSeq } from './observation-reads.js';
import { insertReadingsSql, ObservationRows, ROWS_PER_INSERT } from './observation-rows.js';
import { OutboxMarks, type OutboxRow } from './outbox-marks.js';
import { WalSync } from './wal-sync.js';

export interface StoreOptions {
  /** Observations queued beyond this are shed (counted in droppedObservations). */
  maxPending?: number;
  /**
   * Observations are committed in groups at most this far apart (and when an alarm commits, at shutdown, or when
   * `maxBatch` are queued). A power cut can cost the observations of the last group, never an alarm (docs/durability.md).
   * 0 commits every event-loop turn (and syncs once a second).
   */
  commitIntervalMs?: number;
  /** A group is committed early once this many observations are queued (bounds memory and commit size). */
  maxBatch?: number;
  /**
   * Retention deletes only once this much has expired beyond the last delete, so old pages are freed in large
   * batches rather than a few rows every minute.
   */
  pruneBatchMs?: number;
  /** The WAL size at which it is checkpointed into the database file (default 4 MiB; smaller in tests). */
  walCheckpointBytes?: number;
}

export type { OutboxRow };

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
 * The gateway's single source of truth. Observations are queued and written in time-bounded groups (one
 * transaction per `commitIntervalMs`, default 1 s); alarm changes, their incident events and outbox messages are written together in one
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
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly rows: ObservationRows;
  /** Syncs the WAL after observation groups (they commit at NORMAL). */
  readonly walSync: WalSync;
  private readonly commitIntervalMs: number;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  private readonly pruneBatchMs: number;
  private closed = false;
  private readonly st: Record<string, Statement>;
  /** Observations dropped because the queue was over its bound (load shedding) or the store closed. */
  droppedObservations = 0;
  /** What the centre sent down (incident status, admissions), applied idempotently. */
  readonly downlink: DownlinkStore;
  private readonly marks: OutboxMarks;
  /** The outbox as the upstream relay (sync/) sees it: undelivered rows in order, and delivery marks. */
  readonly outbox: OutboxPort = {
    pending: (limit, afterGwSeq) => this.pendingOutbox(limit, afterGwSeq),
    markDelivered: (gwSeqs, at) => this.markDelivered(gwSeqs, at),
  };

  constructor(dataDir: string, options: StoreOptions = {}) {
    this.maxPending = options.maxPending ?? 50_000;
    this.commitIntervalMs = options.commitIntervalMs ?? 1000;
    this.maxBatch = options.maxBatch ?? 1_000;
    this.pruneBatchMs = options.pruneBatchMs ?? 15 * 60_000;
    const opened = openDatabase(dataDir, undefined, undefined, options.walCheckpointBytes);
    this.checkpointPages = walCheckpointPages(opened.db, options.walCheckpointBytes);
    this.db = opened.db;
    this.db.pragma('synchronous = NORMAL'); // the resting state; see durably()
    this.path = opened.path;
    this.migrated = opened.migrated;
    this.schemaVersion = opened.schemaVersion;
    const d = this.db;
    this.st = {
      insertObs: d.prepare(insertReadingsSql(1)),
      insertObsMany: d.prepare(insertReadingsSql(ROWS_PER_INSERT)),
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
      oldestMark: d.prepare(`SELECT MIN(at) AS at FROM observation_marks`),
      pruneObs: d.prepare(`DELETE FROM device_messages WHERE seq <= ?`),
      // What earlier releases wrote (readings: also the previous release after a rollback; observations): emptied.
      pruneLegacyReadings: d.prepare(`DELETE FROM readings WHERE seq <= ?`),
      pruneLegacyObs: d.prepare(`DELETE FROM observations WHERE seq <= ?`),
      pruneMarks: d.prepare(`DELETE FROM observation_marks WHERE at < ?`),
    };
    const fromMeta = Number((this.st.getMeta!.get('seq') as { value: string } | undefined)?.value ?? 0);
    // The newest row's last reading (its readings follow its key), and the newest mark if retention emptied the table.
    const fromObs = lastReadingSeq(d);
    const fromMarks = (d.prepare('SELECT MAX(seq) AS m FROM observation_marks').get() as { m: number | null }).m ?? 0;
    const fromOutbox = (d.prepare('SELECT MAX(gw_seq) AS m FROM outbox').get() as { m: number | null }).m ?? 0;
    this.seq = Math.max(fromMeta, fromObs, fromMarks, fromOutbox);
    this.downlink = new DownlinkStore(d);
    this.marks = new OutboxMarks(d);
    this.rows = new ObservationRows(d, this.st.insertObs!, this.st.insertObsMany!);
    this.walSync = new WalSync(`${this.path}-wal`, (err) => this.onWriteError?.(err, 'observations (WAL sync)'));
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

  queueObservation(o: Observation): boolean {
    return this.queueMessage(messageOf(o)) === 0;
  }

  /** Queues a device message's readings as one row, committed with its group. Returns how many were shed. */
  queueMessage(m: ObservationMessage): number {
    const shed = this.rows.addMessage(m, this.closed ? 0 : this.maxPending);
    this.droppedObservations += shed;
    if (this.rows.count >= this.maxBatch) {
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushTimer = setImmediate(() => this.flushObservations()) as unknown as NodeJS.Timeout;
    } else if (!this.flushTimer && !this.closed) {
      this.flushTimer = this.commitIntervalMs > 0 ? setTimeout(() => this.flushObservations(), this.commitIntervalMs) : (setImmediate(() => this.flushObservations()) as unknown as NodeJS.Timeout);
    }
    return shed;
  }

  get pendingObservations(): number {
    return this.rows.count;
  }

  /**
   * Writes queued observations in one transaction (synchronous=NORMAL: telemetry, not alarms). A failing write
   * (disk full, I/O error) drops that batch, counts it and reports it through `onWriteError`; it never throws,
   * because it runs from the event loop and an exception there would take the alarm path down with it.
   */
  flushObservations(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      clearImmediate(this.flushTimer as unknown as NodeJS.Immediate);
    }
    this.flushTimer = undefined;
    if (this.rows.count === 0 || this.closed) return;
    const batch = this.rows.count;
    try {
      this.writeObservations();
      // At least once per commit interval the WAL is synced to disk (off the event loop), which makes this group
      // and every one before it durable: a power cut costs at most about one interval of observations.
      if (performance.now() - Math.max(this.lastSyncAt, this.walSync.syncedAt) >= (this.commitIntervalMs || 1000)) this.walSync.request();
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
    // No meta row here (the sequence is recovered from the rows): a group touches only the table's last pages.
    // The queue is emptied even if the write fails (the caller counts the group as lost).
    this.db.transaction(() => this.rows.write())();
    // Inside an alarm change's transaction this was a savepoint: committed only when that transaction is.
    if (!this.db.inTransaction) this.rows.committed();
  }

  /**
   * Writes alarm transitions, incident events and their outbox messages in one durable transaction
   * (with any observations still queued, so the observation that caused an alarm is never lost either).
   * Returns the outbox rows as written.
   */
  commitAlarmChange(alarms: AlarmEvent[], incidents: IncidentEvent[], outbox: NewOutboxMessage[], audit: AuditEntry[] = [], within?: () => void): OutboxRow[] {
    const written: OutboxRow[] = [];
    this.durably(() => this.db.transaction(() => {
      if (this.rows.count > 0) this.writeObservations();
      if (this.flushTimer) this.flushObservations(); // nothing left: cancels the group's timer
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
    this.rows.committed();
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
    return enforceDiskBudget(this.db, this.path, now, o, this.marks);
  }

  /** Undelivered outbox messages in gateway order, after `afterGwSeq`. */
  pendingOutbox(limit: number, afterGwSeq = 0): OutboxRow[] {
    return this.marks.pending(limit, afterGwSeq);
  }

  /**
   * Marks acknowledged messages delivered. synchronous=NORMAL (no fsync per commit): a power cut can lose only
   * the latest marks, and those events are then sent again, which the centre de-duplicates.
   */
  markDelivered(gwSeqs: number[], at: number): void {
    this.marks.markDelivered(gwSeqs, at);
  }

  /**
   * The connection rests at synchronous=NORMAL (telemetry, delivery marks: no fsync per commit); what must survive
   * a power cut once committed (alarms, incidents, outbox, audit, device state) is written under FULL, and the
   * connection goes back to NORMAL even when the write fails. Switching only around these rare commits, not
   * around every observation batch, keeps the hot path at one statement per row.
   */
  private durably<T>(fn: () => T): T {
    this.db.pragma('synchronous = FULL');
    // No automatic checkpoint in an alarm's commit: copying up to 4 MiB of WAL into the database file and syncing it
    // took 10-20 ms here, and the alarm waited for it. The next observation group's commit (within a second) does it.
    this.db.pragma('wal_autocheckpoint = 0');
    try {
      const r = fn();
      this.lastSyncAt = performance.now();
      return r;
    } finally {
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma(`wal_autocheckpoint = ${this.checkpointPages}`);
    }
  }

  /** SQLite's automatic checkpoint threshold (pages), off during alarm commits. */
  private readonly checkpointPages: number;

  /** performance.now() of the last commit under FULL (the WAL was synced to disk up to it; see also walSync). */
  private lastSyncAt = Number.NEGATIVE_INFINITY;

  outboxStats(): { depth: number; oldestCreatedAt: number | null } {
    return this.marks.stats();
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
    this.flushObservations();
    const mark = this.db.prepare('SELECT MAX(seq) AS seq FROM observation_marks WHERE at <= ?').get(since) as { seq: number | null };
    return this.rows.since(mark.seq ?? 0, since, limit);
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
      const oldest = (this.st.oldestMark!.get() as { at: number | null }).at;
      // Deletes come in large batches (pruneBatchMs of expired data at once): the freed pages are then whole runs,
      // and the pages around the cut are rewritten once per batch instead of once a minute.
      if (mark.seq !== null && mark.at !== null && oldest !== null && mark.at - oldest >= this.pruneBatchMs) {
        observations = this.st.pruneObs!.run(mark.seq).changes + this.st.pruneLegacyReadings!.run(mark.seq).changes;
        this.st.pruneLegacyObs!.run(mark.seq);
        this.st.pruneMarks!.run(mark.at);
      }
    })();
    const outbox = this.marks.pruneDelivered(now - deliveredKeepMs);
    return { observations, outbox };
  }

  /** Commits the queued group (at shutdown, before everything else closes). */
  close(): void {
    if (this.closed) return;
    this.flushObservations();
    this.closed = true;
    try {
      // The previous release knows only meta, readings, marks and outbox for its sequence (not device_messages).
      this.st.setMeta!.run('seq', String(this.seq));
      this.walSync.close();
    } catch (err) {
      this.onWriteError?.(err as Error, 'observations (WAL sync)');
    }
    this.db.close();
  }
}
