import type { GatewayConfig } from '../config/schema.js';
import type { DownlinkStore } from './store/downlink.js';
import { createUpstream } from '../sync/setup.js';
import type { Upstream } from '../sync/upstream.js';
import { heartbeatMessage, parseDownlink, type GatewayIdentity } from '../sync/wire.js';
import { clockState } from './clock.js';
import type { Logger, RateLimitedLog } from './log.js';
import type { ScreenServer } from './screen/server.js';
import type { Store } from './store/store.js';
import type { WardState } from './ward-state.js';

export interface SyncLinkOptions {
  sync: GatewayConfig['sync'];
  identity: GatewayIdentity;
  store: Store;
  ward: WardState;
  screen: () => ScreenServer | undefined;
  broadcastBed: (bed: string) => void;
  log: Logger;
  limited: RateLimitedLog;
  now: () => number;
  startedAt: number;
  /** The store's size against its budget, for the heartbeat (undefined until first measured). */
  disk: () => { usedBytes: number; budgetBytes: number } | undefined;
}

/**
 * The link to the hospital's central system: the upstream (outbox relay), the heartbeat, and the downlink (the
 * centre's incident statuses and admissions, kept in the store and shown on the screen).
 */
export class SyncLink {
  upstream: Upstream | undefined;
  readonly downlink: DownlinkStore;
  /** The centre's admissions, bed -> patient id, kept in memory for the incident path. */
  private readonly patientByBed = new Map<string, string>();
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SyncLinkOptions) {
    this.downlink = opts.store.downlink;
  }

  /** The centre's last word before a restart: open incidents' statuses and the admissions. */
  restore(): void {
    const ward = this.opts.ward;
    for (const v of this.downlink.centralStatuses()) if (v.status !== 'RESOLVED') ward.centralUpdate(v);
    for (const a of this.downlink.admissions()) {
      ward.admission(a);
      if (a.state === 'admitted' && a.patient) this.patientByBed.set(a.bed, a.patient.id);
    }
  }

  patientOf(bed: string): string | undefined {
    return this.patientByBed.get(bed);
  }

  /** Starts the upstream when sync is enabled, and the heartbeat timer. */
  start(): void {
    const { sync, store, identity, now } = this.opts;
    if (sync.enabled) {
      this.upstream = createUpstream(sync, identity, {
        outbox: store.outbox,
        log: this.opts.log.child({ module: 'sync' }),
        stamp: () => ({ gatewaySeq: store.lastSeq, wallTime: now(), clockSynced: clockState() === 'synchronised' }),
        onDownlink: (payload) => this.onDownlink(payload),
      });
      this.upstream?.start();
    }
    this.heartbeatTimer = setInterval(() => this.heartbeat(), sync.heartbeatSeconds * 1000);
  }

  async stop(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.upstream?.stop();
  }

  /** New outbox rows were committed: send them now rather than at the next poll. */
  kick(): void {
    this.upstream?.kick();
  }

  private heartbeat(): void {
    if (!this.upstream) return;
    const { store, identity, ward } = this.opts;
    const stats = store.outboxStats();
    const now = this.opts.now();
    const disk = this.opts.disk();
    const message = heartbeatMessage(identity, { gatewaySeq: store.lastSeq, wallTime: now, clockSynced: clockState() === 'synchronised' }, {
      uptimeSeconds: Math.max(0, Math.round((now - this.opts.startedAt) / 1000)),
      outboxDepth: stats.depth,
      oldestUndeliveredAgeSeconds: stats.oldestCreatedAt === null ? null : Math.max(0, Math.round((now - stats.oldestCreatedAt) / 1000)),
      devices: ward.deviceList().map((d) => ({ id: d.id, state: d.state })),
      ...(disk ? { disk } : {}),
    });
    this.upstream.publishHeartbeat(JSON.stringify(message));
  }

  private onDownlink(payload: unknown): void {
    const msg = parseDownlink(payload);
    if ('error' in msg) {
      this.opts.limited.warn('downlink', { error: msg.error }, 'sync: bad downlink message dropped');
      return;
    }
    const r = this.downlink.apply(msg, this.opts.now());
    if (!r.applied) return; // a duplicate, or older than what we hold
    const { ward, log } = this.opts;
    const screen = this.opts.screen();
    if (r.kind === 'incident-status') {
      ward.centralUpdate(r.view);
      screen?.broadcast({ type: 'central', central: r.view });
      log.info({ incidentId: r.view.incidentId, status: r.view.status, assignedTo: r.view.assignedTo?.id }, 'sync: centre update');
    } else {
      for (const v of r.views) {
        ward.admission(v);
        if (v.state === 'admitted' && v.patient) this.patientByBed.set(v.bed, v.patient.id);
        else this.patientByBed.delete(v.bed);
        this.opts.broadcastBed(v.bed);
        screen?.broadcast({ type: 'admission', admission: v });
        log.info({ bed: v.bed, state: v.state }, 'sync: admission');
      }
    }
  }
}
