import { Backoff } from '../../drivers/core/backoff.js';
import type { AckReply } from './replies.js';

/** The durable queue a sender drains (gateway/store/output-outbox.ts, injected: sync holds no SQL). */
export interface OutputQueue {
  pending(destination: string, limit: number, afterRow?: number): Array<{ row: number; messageId: string; body: string; attempts: number }>;
  markAcked(row: number, at: number): void;
  markFailed(row: number, at: number, error: string): void;
}

export interface Requester {
  request(message: string, controlId: string, timeoutMs: number): Promise<AckReply>;
}

export interface SenderCounters {
  sent: number;
  acked: number;
  /** Attempts that failed: no answer in time, connection lost, refused; each is retried. */
  retries: number;
  /** Answers other than an accept (CE, CR, AE, AR). */
  refused: number;
}

export interface OutboxSenderOptions {
  destination: string;
  queue: OutputQueue;
  client: Requester;
  /** How long an answer may take before the attempt counts as failed. */
  answerTimeoutMs: number;
  retryMinMs: number;
  retryMaxMs: number;
  now: () => number;
  /** Every answer (true: accepted) or failure (false), for the reachability watch. */
  onOutcome?: (ok: boolean, detail: string) => void;
  onRefused?: (messageId: string, ack: AckReply) => void;
}

/**
 * Sends a destination's queued messages one at a time, in queue order (so in order per alarm), each until the
 * receiver accepts it; a failure waits a capped, jittered back-off and tries the same message again with the same
 * MSH-10. Nothing is ever dropped: a message that is never accepted holds the queue and is counted.
 */
export class OutboxSender {
  readonly counters: SenderCounters = { sent: 0, acked: 0, retries: 0, refused: 0 };
  private running = false;
  private wake: (() => void) | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(private readonly o: OutboxSenderOptions) {
    this.backoff = new Backoff(o.retryMinMs, o.retryMaxMs);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** New messages are queued, or the receiver is back: try now (ends a back-off wait early). */
  kick(): void {
    const w = this.wake;
    this.wake = undefined;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    w?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loopDone;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.wakeTimer = setTimeout(() => this.kick(), ms);
    });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const [next] = this.o.queue.pending(this.o.destination, 1);
      if (!next) {
        await this.sleep(1000); // kicked on every commit; the poll is a safety net
        continue;
      }
      this.counters.sent += 1;
      let failure: string | undefined;
      try {
        const ack = await this.o.client.request(next.body, next.messageId, this.o.answerTimeoutMs);
        if (ack.code === 'CA' || ack.code === 'AA') {
          this.o.queue.markAcked(next.row, this.o.now());
          this.counters.acked += 1;
          this.backoff.reset();
          this.o.onOutcome?.(true, 'accepted');
          continue;
        }
        this.counters.refused += 1;
        this.o.onRefused?.(next.messageId, ack);
        this.o.onOutcome?.(true, `answered ${ack.code}`); // reachable, but it refused this message
        failure = `refused: ${ack.code}${ack.text ? ` ${ack.text}` : ''}`;
      } catch (err) {
        failure = (err as Error).message;
        this.o.onOutcome?.(false, failure);
      }
      this.counters.retries += 1;
      try {
        this.o.queue.markFailed(next.row, this.o.now(), failure);
      } catch {
        // the count of attempts is bookkeeping; the message stays queued either way
      }
      if (this.running) await this.sleep(this.backoff.next());
    }
  }
}
