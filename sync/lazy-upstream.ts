import type { Upstream, UpstreamStatus } from './upstream.js';

/**
 * An Upstream whose implementation module is imported on first use, so that reading the transport registry (the
 * config schema does, for `wardgate config check` too) does not load an MQTT or HTTP client. Until the module is
 * loaded the status is "offline"; a kick that arrives meanwhile is replayed, a heartbeat is dropped (the next one
 * follows within `sync.heartbeatSeconds`). Nothing is lost: the outbox is drained once the transport starts.
 */
export class LazyUpstream implements Upstream {
  private inner: Upstream | undefined;
  private started = false;
  private stopped = false;
  private kicked = false;
  private readonly loading: Promise<void>;
  private readonly waiting: UpstreamStatus = { online: false, lastDeliveredAt: null, delivered: 0, lastError: null };

  constructor(load: () => Promise<Upstream>, onLoadError: (err: Error) => void) {
    this.loading = load().then(
      (u) => {
        if (this.stopped) return;
        this.inner = u;
        if (this.started) u.start();
        if (this.kicked) u.kick();
      },
      (e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e));
        this.waiting.lastError = `transport failed to load: ${err.message}`;
        onLoadError(err);
      },
    );
  }

  get status(): UpstreamStatus {
    return this.inner?.status ?? this.waiting;
  }

  start(): void {
    this.started = true;
    this.inner?.start();
  }

  kick(): void {
    if (this.inner) this.inner.kick();
    else this.kicked = true;
  }

  publishHeartbeat(payload: string): void {
    this.inner?.publishHeartbeat(payload);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loading;
    await this.inner?.stop();
  }
}
