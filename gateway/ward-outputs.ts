import type { RulesEngine } from '../rules/engine.js';
import type { AlarmEvent } from '../rules/types.js';
import type { Upstream } from '../sync/upstream.js';
import type { EmbeddedBroker } from './broker/broker.js';
import { clockState } from './clock.js';
import { operatorNotices } from './health/operator-notices.js';
import type { Logger } from './log.js';
import type { WardgateMetrics } from './metrics/registry.js';
import type { ScreenServer } from './screen/server.js';
import type { Store } from './store/store.js';
import type { WardState } from './ward-state.js';

export interface WardOutputsOptions {
  ward: WardState;
  rules: RulesEngine;
  store: Store;
  metrics: WardgateMetrics;
  log: Logger;
  now: () => number;
  gatewayId: string;
  /** Parts built later than this one (or not at all): read when used. */
  broker: () => EmbeddedBroker | undefined;
  screen: () => ScreenServer | undefined;
  upstream: () => Upstream | undefined;
  onAlarmPublished: () => void;
}

/**
 * What leaves the gateway towards the ward: alarm transitions on alarms/<bed> and the screen, bed tiles, NEWS2
 * tiles (refreshed within 250 ms of new values) and the health line.
 */
export class WardOutputs {
  private readonly lastNews2 = new Map<string, string>();
  private readonly news2Dirty = new Set<string>();
  private news2Timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: WardOutputsOptions) {}

  publishAlarm(a: AlarmEvent): void {
    this.opts.ward.alarm(a);
    this.opts.onAlarmPublished();
    this.opts.metrics.recordAlarm(a);
    const message = JSON.stringify({ ...a, gatewayId: this.opts.gatewayId });
    const broker = this.opts.broker();
    broker?.publish(`alarms/${a.bed}`, message, 1).catch((err: unknown) => this.opts.log.error({ err }, 'broker: alarm publish failed'));
    this.opts.screen()?.broadcast({ type: 'alarm', alarm: a });
    this.opts.log.info({ alarmId: a.id, bed: a.bed, condition: a.condition, priority: a.priority, state: a.state, transition: a.transition, by: a.by }, 'alarm');
  }

  broadcastBed(bedId: string): void {
    const bed = this.opts.ward.bed(bedId);
    if (bed) this.opts.screen()?.broadcast({ type: 'bed', bed });
  }

  /** Recomputes the shown NEWS2 of these beds and pushes the tiles whose score changed. */
  refreshNews2(now: number, beds: Iterable<string>): void {
    for (const bed of beds) {
      const n = this.opts.rules.news2(bed, now);
      const key = JSON.stringify(n);
      if (this.lastNews2.get(bed) !== key) {
        this.lastNews2.set(bed, key);
        this.opts.ward.news2(bed, n);
        this.broadcastBed(bed);
      }
    }
  }

  /** Beds with new values get their NEWS2 refreshed within 250 ms (not on every sample, not only on the 1 s tick). */
  news2Soon(bed: string): void {
    this.news2Dirty.add(bed);
    if (this.news2Timer) return;
    this.news2Timer = setTimeout(() => {
      this.news2Timer = undefined;
      const beds = [...this.news2Dirty];
      this.news2Dirty.clear();
      if (!this.stopped) this.refreshNews2(this.opts.now(), beds);
    }, 250);
  }

  updateHealth(): void {
    const stats = this.opts.store.outboxStats();
    const h = this.opts.ward.health;
    const upstream = this.opts.upstream();
    h.upstreamOnline = upstream?.status.online ?? false;
    h.outboxDepth = stats.depth;
    h.oldestUndeliveredAt = stats.oldestCreatedAt;
    h.lastSyncAt = upstream?.status.lastDeliveredAt ?? h.lastSyncAt;
    h.clock = clockState();
    h.notices = operatorNotices(h.clock);
    this.opts.screen()?.broadcast({ type: 'health', health: h });
  }

  stop(): void {
    this.stopped = true;
    if (this.news2Timer) clearTimeout(this.news2Timer);
  }
}
