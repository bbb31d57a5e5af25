import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Backoff } from '../drivers/core/backoff.js';
import type { Logger } from '../gateway/log.js';
import { describeTlsFailure, loadTls } from './tls.js';
import type { OutboxPort, OutboxRowLike, Upstream, UpstreamStatus } from './upstream.js';

export interface MqttUpstreamOptions {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  protocolVersion?: 4 | 5;
  /** File paths: CA bundle, client certificate and key for mutual TLS. */
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
  topics: { incidents: string; status: string; heartbeat: string; down: string };
  outbox: OutboxPort;
  maxInFlight: number;
  /** Rows read from the outbox per query (default: maxInFlight). */
  batchSize?: number;
  retryMinMs: number;
  retryMaxMs: number;
  /** In flight but unacknowledged this long: reconnect and resend (default 30 s). */
  ackTimeoutMs?: number;
  log: Logger;
  onDownlink: (topic: string, payload: Buffer) => void;
  /** Retained status payload for `online` / the last will's `offline`. */
  statusPayload: (state: 'online' | 'offline') => string;
}

/**
 * Drains the outbox to the central broker over MQTT 5, QoS 1, on a persistent session. A message counts as
 * delivered only when its PUBACK arrives. Reconnects with capped exponential backoff and jitter (mqtt.js's own
 * reconnect is a fixed period); after a reconnect everything not yet acknowledged is sent again from the
 * outbox, so the centre may see an event twice and de-duplicates on its eventId.
 */
export class MqttUpstream implements Upstream {
  private client: MqttClient | undefined;
  private readonly backoff: Backoff;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private cursor = 0;
  private queue: OutboxRowLike[] = [];
  private inFlight = 0;
  private generation = 0;
  private stopped = false;
  private pumping = false;
  private delivered: number[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastProgressAt = Date.now();
  private readonly ackTimeoutMs: number;
  readonly status: UpstreamStatus = { online: false, lastDeliveredAt: null, delivered: 0, lastError: null };

  constructor(private readonly o: MqttUpstreamOptions) {
    this.backoff = new Backoff(o.retryMinMs, o.retryMaxMs);
    this.ackTimeoutMs = o.ackTimeoutMs ?? 30_000;
  }

  start(): void {
    const o = this.o;
    const opts: IClientOptions = {
      protocolVersion: o.protocolVersion ?? 5,
      clientId: o.clientId,
      clean: false,
      // MQTT 5 needs a session expiry for the broker to keep the session (and queued downlink) at all.
      ...((o.protocolVersion ?? 5) === 5 ? { properties: { sessionExpiryInterval: 7 * 24 * 3600 } } : {}),
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 30,
      queueQoSZero: false,
      resubscribe: true,
      username: o.username,
      password: o.password,
      will: { topic: o.topics.status, payload: Buffer.from(o.statusPayload('offline')), qos: 1, retain: true },
      rejectUnauthorized: o.rejectUnauthorized ?? true,
      ...loadTls(o),
    };
    const client = mqtt.connect(o.url, opts);
    this.client = client;
    client.on('connect', () => {
      // The backoff resets on delivered events, not on connect: a broker that accepts the connection but refuses
      // a message must not be hammered with reconnects.
      this.status.online = true;
      this.status.lastError = null;
      o.log.info({ url: o.url }, 'upstream: connected');
      client.publish(o.topics.status, o.statusPayload('online'), { qos: 1, retain: true });
      client.subscribe(o.topics.down, { qos: 1 }, (err) => {
        if (err) o.log.warn({ err: err.message }, 'upstream: downlink subscribe failed');
      });
      this.cursor = 0;
      this.queue = [];
      this.inFlight = 0;
      this.generation += 1;
      this.lastProgressAt = Date.now();
      this.pump();
    });
    this.watchdog = setInterval(() => this.checkProgress(), Math.min(5000, this.ackTimeoutMs / 2));
    this.watchdog.unref();
    client.on('message', (topic, payload) => {
      try {
        o.onDownlink(topic, payload);
      } catch (err) {
        o.log.error({ err, topic }, 'upstream: downlink handler failed');
      }
    });
    client.on('error', (err) => {
      this.status.lastError = err.message;
      const tls = describeTlsFailure(err);
      if (tls) o.log.error({ url: o.url, refusedBy: tls.refusedBy, reason: tls.reason }, 'upstream: TLS certificate refused');
      else o.log.warn({ err: err.message, url: o.url }, 'upstream: connection error');
    });
    client.on('close', () => {
      // A close we asked for (shutdown) is not a fault: no warning on a clean stop.
      if (this.status.online && !this.stopped) o.log.warn({ url: o.url }, 'upstream: offline; incidents stay in the outbox');
      this.status.online = false;
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.backoff.next();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped && this.client && !this.client.connected) this.client.reconnect();
    }, delay);
  }

  /** New outbox rows exist: send them if connected. */
  kick(): void {
    this.pump();
  }

  private pump(): void {
    const client = this.client;
    if (!client || !client.connected || this.stopped || this.pumping) return;
    this.pumping = true;
    try {
      const gen = this.generation;
      while (this.inFlight < this.o.maxInFlight) {
        if (this.queue.length === 0) {
          // One query reads a batch ahead; rows leave the outbox only when marked delivered after their PUBACK.
          this.queue = this.o.outbox.pending(this.o.batchSize ?? this.o.maxInFlight, this.cursor);
          if (this.queue.length === 0) break;
          this.cursor = this.queue[this.queue.length - 1]!.gwSeq;
        }
        const row = this.queue.shift()!;
        this.inFlight += 1;
        client.publish(this.o.topics.incidents, row.body, { qos: 1 }, (err) => this.acked(row, gen, err));
      }
    } finally {
      this.pumping = false;
    }
  }

  private acked(row: OutboxRowLike, gen: number, err: Error | undefined): void {
    if (gen !== this.generation) {
      if (!err) {
        this.delivered.push(row.gwSeq); // a late PUBACK still proves delivery
        this.scheduleFlush();
      }
      return;
    }
    this.inFlight -= 1;
    if (err) {
      // Refused by the broker (too large, not authorised ...). Skipping it would reorder the incident's events,
      // so start over from the oldest undelivered event after a reconnect with backoff.
      this.forceReconnect(`event ${row.id} refused: ${err.message}`);
      return;
    }
    this.lastProgressAt = Date.now();
    this.backoff.reset();
    this.delivered.push(row.gwSeq);
    this.scheduleFlush();
    this.pump();
  }

  /** Messages in flight but no acknowledgement for ackTimeoutMs: the session is stuck; reconnect and resend. */
  private checkProgress(): void {
    if (this.stopped || !this.client?.connected || this.inFlight === 0) return;
    if (Date.now() - this.lastProgressAt > this.ackTimeoutMs) this.forceReconnect(`no acknowledgement for ${Math.round(this.ackTimeoutMs / 1000)} s`);
  }

  private forceReconnect(reason: string): void {
    this.status.lastError = reason;
    this.o.log.error({ reason, url: this.o.url }, 'upstream: delivery stuck; reconnecting to resend from the oldest undelivered event');
    this.generation += 1;
    this.inFlight = 0;
    this.queue = [];
    this.client?.end(true); // 'close' schedules the reconnect with backoff
  }

  /**
   * Delivery marks are written in one durable transaction per 25 ms (or per 2,000 acks), not per ack: a crash
   * in between only means those events are sent again, which the centre de-duplicates.
   */
  private scheduleFlush(): void {
    if (this.delivered.length >= 2000) {
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushDelivered();
      return;
    }
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flushDelivered(), 25);
  }

  private flushDelivered(): void {
    this.flushTimer = undefined;
    if (this.delivered.length === 0) return;
    const seqs = this.delivered;
    this.delivered = [];
    const at = Date.now();
    try {
      this.o.outbox.markDelivered(seqs, at);
    } catch (err) {
      // Not marked: these are sent again later and the centre de-duplicates them on eventId.
      this.o.log.error({ err: (err as Error).message, events: seqs.length }, 'upstream: could not mark events delivered; they will be resent');
      return;
    }
    this.status.delivered += seqs.length;
    this.status.lastDeliveredAt = at;
  }

  publishHeartbeat(payload: string): void {
    if (this.client?.connected) this.client.publish(this.o.topics.heartbeat, payload, { qos: 0 });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    const client = this.client;
    this.client = undefined;
    // Shutdown must finish within systemd's and the daemon's limits even when the broker does not answer.
    const within = (ms: number, p: Promise<void>) => Promise.race([p, new Promise<void>((r) => setTimeout(r, ms).unref())]);
    if (client) {
      if (client.connected) {
        await within(1000, new Promise<void>((resolve) => client.publish(this.o.topics.status, this.o.statusPayload('offline'), { qos: 1, retain: true }, () => resolve())));
      }
      await within(1000, new Promise<void>((resolve) => client.end(false, {}, () => resolve())));
      if (!client.disconnected) client.end(true);
    }
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushDelivered();
  }
}
