/** What sync needs from the store's outbox (sync knows nothing of drivers or rules' internals). */
export interface OutboxRowLike {
  gwSeq: number;
  id: string;
  body: string;
}

export interface OutboxPort {
  /** Undelivered messages in gateway order after `afterGwSeq`. */
  pending(limit: number, afterGwSeq: number): OutboxRowLike[];
  markDelivered(gwSeqs: number[], at: number): void;
}

export interface UpstreamStatus {
  online: boolean;
  lastDeliveredAt: number | null;
  delivered: number;
  lastError: string | null;
}

/** An upstream transport (MQTT or HTTPS) draining the outbox. */
export interface Upstream {
  readonly status: UpstreamStatus;
  start(): void;
  kick(): void;
  publishHeartbeat(payload: string): void;
  stop(): Promise<void>;
}
