import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Backoff } from '../drivers/core/backoff.js';
import type { Logger } from '../gateway/log.js';
import { describeTlsFailure, loadTls } from './tls.js';
import type { OutboxPort, OutboxRowLike, Upstream, UpstreamStatus } from './upstream.js';
import type { ClockStamp, GatewayIdentity } from './wire.js';

export interface HttpsUpstreamOptions {
  /** Base URL; the gateway POSTs to <url>/v1/incidents, <url>/v1/heartbeat and <url>/v1/status. */
  url: string;
  /** Bearer token, if the centre wants one. */
  token?: string;
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
  timeoutMs: number;
  batchSize: number;
  identity: GatewayIdentity;
  /** The gateway's clock stamp now (sequence, wall time, whether synchronised). */
  stamp: () => ClockStamp;
  outbox: OutboxPort;
  retryMinMs: number;
  retryMaxMs: number;
  log: Logger;
  /** Messages the centre returned in the `down` array of an answer. */
  onDownlink: (message: unknown) => void;
  statusPayload: (state: 'online' | 'offline') => string;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** Stable for the same batch: a retried batch carries the same key, a different batch a different one. */
export function idempotencyKey(gatewayId: string, rows: OutboxRowLike[]): string {
  const h = createHash('sha256');
  for (const r of rows) h.update(r.id).update('\n');
  return `${gatewayId}:${rows[0]!.gwSeq}-${rows[rows.length - 1]!.gwSeq}:${h.digest('hex').slice(0, 32)}`;
}

/**
 * Drains the outbox to a REST central service: one batch in flight at a time (so one incident's events reach
 * the server in order), POSTed with an `Idempotency-Key` header. A 2xx answer acknowledges the batch, and only
 * then are its rows marked delivered; 5xx, 408, 429, timeouts and network errors are retried with the same
 * batch and key after capped exponential backoff with jitter. Other 4xx answers are retried too (slowly, at
 * the cap) and logged as errors: an undelivered incident is never dropped.
 */
export class HttpsUpstream implements Upstream {
  readonly status: UpstreamStatus = { online: false, lastDeliveredAt: null, delivered: 0, lastError: null };
  private readonly agent: http.Agent;
  private readonly backoff: Backoff;
  private batch: { rows: OutboxRowLike[]; key: string } | undefined;
  private sending = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly base: URL;

  constructor(private readonly o: HttpsUpstreamOptions) {
    this.base = new URL(o.url.endsWith('/') ? o.url : `${o.url}/`);
    this.backoff = new Backoff(o.retryMinMs, o.retryMaxMs);
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: 2, rejectUnauthorized: o.rejectUnauthorized ?? true, ...loadTls(o) })
        : new http.Agent({ keepAlive: true, maxSockets: 2 });
  }

  start(): void {
    void this.post('v1/status', this.o.statusPayload('online')).catch(() => undefined);
    this.kick();
  }

  kick(): void {
    if (this.stopped || this.sending || this.retryTimer) return;
    this.sendNext().catch((err: unknown) => {
      // e.g. the outbox could not be read or marked (disk trouble): retry later rather than reject unhandled
      this.status.lastError = (err as Error).message;
      this.o.log.error({ err: (err as Error).message }, 'upstream: outbox access failed; will retry');
      this.scheduleRetry();
    });
  }

  private async sendNext(): Promise<void> {
    this.sending = true;
    try {
      while (!this.stopped) {
        if (!this.batch) {
          const rows = this.o.outbox.pending(this.o.batchSize, 0);
          if (rows.length === 0) return;
          this.batch = { rows, key: idempotencyKey(this.o.identity.gatewayId, rows) };
        }
        const { rows, key } = this.batch;
        const ok = await this.deliver(rows, key);
        if (!ok) {
          this.scheduleRetry();
          return;
        }
        this.batch = undefined;
        const at = Date.now();
        this.o.outbox.markDelivered(rows.map((r) => r.gwSeq), at);
        this.status.delivered += rows.length;
        this.status.lastDeliveredAt = at;
        this.backoff.reset();
      }
    } finally {
      this.sending = false;
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.backoff.next();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, delay);
  }

  /** POSTs one batch; true when the server acknowledged it with a 2xx. */
  private async deliver(rows: OutboxRowLike[], key: string): Promise<boolean> {
    const stamp = this.o.stamp();
    const who = this.o.identity;
    const body = `{"schema":"wardgate/incident-batch","schemaVersion":1,"gatewayId":${JSON.stringify(who.gatewayId)},"site":${JSON.stringify(who.site)},"ward":${JSON.stringify(who.ward)},"gatewaySeq":${stamp.gatewaySeq},"wallTime":${stamp.wallTime},"clockSynced":${stamp.clockSynced},"events":[${rows.map((r) => r.body).join(',')}]}`;
    try {
      const answer = await this.post('v1/incidents', body, { 'Idempotency-Key': key });
      if (answer.status >= 200 && answer.status < 300) {
        if (!this.status.online) this.o.log.info({ url: this.o.url }, 'upstream: connected');
        this.status.online = true;
        this.status.lastError = null;
        this.takeDownlink(answer.body);
        return true;
      }
      this.status.lastError = `HTTP ${answer.status}`;
      const retryable = answer.status >= 500 || answer.status === 408 || answer.status === 429;
      if (retryable) this.o.log.warn({ status: answer.status, key, events: rows.length }, 'upstream: server error; batch will be retried');
      else this.o.log.error({ status: answer.status, key, body: answer.body.slice(0, 200) }, 'upstream: batch refused by the server; retrying, incidents stay in the outbox');
      // A server that answers is reachable, but the batch is not delivered.
      return false;
    } catch (err) {
      this.offline(err);
      return false;
    }
  }

  private offline(err: unknown): void {
    const message = (err as Error).message ?? String(err);
    this.status.lastError = message;
    const tls = describeTlsFailure(err);
    if (tls) this.o.log.error({ url: this.o.url, refusedBy: tls.refusedBy, reason: tls.reason }, 'upstream: TLS certificate refused');
    else if (this.status.online) this.o.log.warn({ url: this.o.url, err: message }, 'upstream: offline; incidents stay in the outbox');
    this.status.online = false;
  }

  private takeDownlink(text: string): void {
    if (!text) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    const down = (parsed as { down?: unknown }).down;
    if (!Array.isArray(down)) return;
    for (const m of down) {
      try {
        this.o.onDownlink(m);
      } catch (err) {
        this.o.log.error({ err }, 'upstream: downlink handler failed');
      }
    }
  }

  /** One POST with a timeout covering connect, send and answer. */
  post(path: string, body: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const url = new URL(path, this.base);
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<HttpAnswer>((resolve, reject) => {
      const req = mod.request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            ...(this.o.token ? { Authorization: `Bearer ${this.o.token}` } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', (err) => {
            clearTimeout(timer);
            reject(err);
          });
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`timed out after ${this.o.timeoutMs} ms`)), this.o.timeoutMs);
      // TLS 1.3: a server that refuses our client certificate does so after the client's side of the handshake
      // is done, so the client often sees only a reset on a fresh connection. Name that for what it is.
      let freshHandshake = false;
      req.on('socket', (sock) => sock.once('secureConnect', () => (freshHandshake = true)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (freshHandshake && this.o.cert && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          reject(Object.assign(new Error(`the server closed the connection right after the TLS handshake (${err.code}): it refused the client certificate`), { code: 'ERR_TLS_CLIENT_CERT_REFUSED' }));
          return;
        }
        reject(err);
      });
      req.end(body);
    });
  }

  publishHeartbeat(payload: string): void {
    if (this.stopped) return;
    this.post('v1/heartbeat', payload)
      .then((a) => {
        if (a.status >= 200 && a.status < 300) this.takeDownlink(a.body);
      })
      .catch((err: unknown) => this.offline(err));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.post('v1/status', this.o.statusPayload('offline')).catch(() => undefined);
    this.agent.destroy();
  }
}
