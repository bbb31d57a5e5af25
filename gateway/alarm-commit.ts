import type { NewId } from '../rules/ids.js';
import type { AlarmEvent, IncidentEvent, RulesOutput } from '../rules/types.js';
import { incidentEventMessage, type GatewayIdentity, type WireUnmapped } from '../sync/wire.js';
import type { Logger } from './log.js';
import type { AuditEntry, NewOutboxMessage, Store } from './store/store.js';

interface PendingChange {
  alarms: AlarmEvent[];
  incidents: IncidentEvent[];
  outbox: NewOutboxMessage[];
  audit: AuditEntry[];
}

/** The shortest interval between two durable alarm commits under load (see apply()). */
const GROUP_COMMIT_MS = 4;

/** What a failing store holds back for retry is bounded, so a dead SD card cannot exhaust memory over days. */
const MAX_UNPERSISTED = 50_000;

function boundedRetry(c: PendingChange, log: Logger): PendingChange {
  const size = c.alarms.length + c.incidents.length + c.audit.length;
  if (size <= MAX_UNPERSISTED) return c;
  const drop = size - MAX_UNPERSISTED;
  log.error({ dropped: drop }, 'store: retry buffer full; the oldest unpersisted alarm history is dropped (alarms were published)');
  return { alarms: c.alarms.slice(Math.min(drop, c.alarms.length)), incidents: c.incidents, outbox: c.outbox, audit: c.audit.slice(Math.max(0, drop - c.alarms.length)) };
}

export interface CommitResult {
  storeFailed: boolean;
  alarmsChanged: boolean;
  /** Outbox rows were committed: the upstream has something new to send. */
  outboxCommitted: boolean;
}

export interface AlarmCommitOptions {
  store: Store;
  log: Logger;
  now: () => number;
  newId: NewId;
  identity: GatewayIdentity;
  clockSynced: () => boolean;
  /** The patient the centre admitted to a bed, carried by incidents raised there. */
  patientOf: (bed: string) => string | undefined;
  /** The bed's fresh unmapped numerics at `at`, sent upstream beside the incident's vitals (never scored). */
  unmappedOf?: (bed: string, at: number) => WireUnmapped[];
  /** How long each successful durable commit took, in seconds (the /metrics histogram). */
  timed?: (seconds: number) => void;
  /** Publishes one alarm transition (broker, screen, log); called after its commit was attempted. */
  publish: (alarm: AlarmEvent) => void;
  /** After each commit attempt, once the alarms are published. */
  committed: (result: CommitResult) => void;
  onStoreFailure: () => void;
  /** Rows committed inside the alarm's own transaction (the hospital outputs' PCD-04 rows, gateway/outputs.ts). */
  within?: (alarms: AlarmEvent[]) => (() => void) | undefined;
}

/**
 * Group commit of the rules' output: alarm transitions, incident events, their outbox messages and the audit entries
 * of one event-loop turn go to the store in one durable transaction, then the alarms are published. If the store
 * fails, alarms are still published and shown (a nurse must hear an alarm even when the SD card is failing) and the
 * change is committed again, first and in order, with the next one.
 */
export class AlarmCommit {
  private pending: PendingChange = { alarms: [], incidents: [], outbox: [], audit: [] };
  private scheduled = false;
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  /** Alarm changes whose commit failed (already published): committed again, first, with the next change. */
  private unpersisted: PendingChange | undefined;

  constructor(private readonly opts: AlarmCommitOptions) {}

  get hasUnpersisted(): boolean {
    return this.unpersisted !== undefined;
  }

  apply(out: RulesOutput, audit: AuditEntry[] = []): void {
    if (out.alarms.length === 0 && out.incidents.length === 0 && audit.length === 0) return;
    const now = this.opts.now();
    const clockSynced = this.opts.clockSynced();
    for (const ev of out.incidents) {
      // The centre's admissions bind a patient to the bed; the incident carries the patient known at the time.
      if (ev.patientId === undefined) {
        const patientId = this.opts.patientOf(ev.bed);
        if (patientId) ev.patientId = patientId;
      }
    }
    const p = this.pending;
    p.alarms.push(...out.alarms);
    p.incidents.push(...out.incidents);
    p.audit.push(...audit);
    const identity = this.opts.identity;
    for (const ev of out.incidents) {
      const id = this.opts.newId(now);
      // Snapshot now, like the vitals: the body is built at commit time.
      const unmapped = this.opts.unmappedOf?.(ev.bed, ev.at) ?? [];
      const wire = unmapped.length > 0 ? { ...ev, unmapped } : ev;
      p.outbox.push({
        id,
        kind: 'incident-event',
        incidentId: ev.incidentId,
        incidentSeq: ev.incidentSeq,
        createdAt: now,
        body: (gwSeq: number) => JSON.stringify(incidentEventMessage(identity, id, wire, { gatewaySeq: gwSeq, wallTime: now, clockSynced })),
      });
    }
    if (!this.scheduled) {
      this.scheduled = true;
      // Group commit: at ward rates the change commits at the end of this turn; under a burst, durable commits
      // (each an fsync that blocks the loop) come at most every GROUP_COMMIT_MS and carry everything since.
      const wait = this.lastCommitAt + GROUP_COMMIT_MS - performance.now();
      if (wait <= 0) setImmediate(() => this.flush());
      else setTimeout(() => this.flush(), wait);
    }
  }

  /**
   * Commits every alarm change of this event-loop turn (with the turn's observations) in one durable transaction,
   * then publishes. One fsync per turn instead of one per alarm change keeps the alarm path fast under load; an
   * alarm is still never published before its commit was attempted.
   */
  flush(): void {
    this.scheduled = false;
    const change = this.pending;
    const retry = this.unpersisted;
    if (change.alarms.length === 0 && change.incidents.length === 0 && change.audit.length === 0 && !retry) return;
    this.pending = { alarms: [], incidents: [], outbox: [], audit: [] };
    // Changes a failed commit left behind go first, so the store and the outbox keep the order they happened in.
    const all = retry
      ? { alarms: [...retry.alarms, ...change.alarms], incidents: [...retry.incidents, ...change.incidents], outbox: [...retry.outbox, ...change.outbox], audit: [...retry.audit, ...change.audit] }
      : change;
    let storeFailed = false;
    try {
      const started = performance.now();
      this.opts.store.commitAlarmChange(all.alarms, all.incidents, all.outbox, all.audit, this.opts.within?.(all.alarms));
      this.lastCommitAt = performance.now();
      this.opts.timed?.((this.lastCommitAt - started) / 1000);
      this.unpersisted = undefined;
    } catch (err) {
      storeFailed = true;
      this.opts.onStoreFailure();
      this.unpersisted = boundedRetry(all, this.opts.log);
      this.opts.log.error({ err, retained: this.unpersisted.alarms.length + this.unpersisted.incidents.length }, 'store: alarm change NOT persisted; publishing anyway, will retry the commit');
    }
    for (const a of change.alarms) this.opts.publish(a);
    this.opts.committed({ storeFailed, alarmsChanged: change.alarms.length > 0, outboxCommitted: all.outbox.length > 0 && !storeFailed });
  }
}
