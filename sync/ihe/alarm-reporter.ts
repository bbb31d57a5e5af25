import { randomUUID } from 'node:crypto';
import { MllpClient, type MllpClientOptions } from './mllp-client.js';
import { OutboxSender, type OutputQueue, type SenderCounters } from './outbox-sender.js';
import { encodeWatchdogPcd04, type AlertContext } from './pcd04.js';
import { encodeAck, type AlertStatusReply, type Reply } from './replies.js';

export const ALARM_MANAGER = 'alarm-manager';

export interface AlarmReporterOptions {
  connection: Omit<MllpClientOptions, 'onUnsolicited' | 'onConnection'>;
  queue: OutputQueue;
  identity: Pick<AlertContext, 'gatewayId' | 'site' | 'ward' | 'receivingApplication' | 'receivingFacility'>;
  /** The manager must confirm each message and watchdog within this time (MDC_ATTR_CONFIRM_TIMEOUT). */
  confirmTimeoutMs: number;
  watchdogIntervalMs: number;
  retryMinMs: number;
  retryMaxMs: number;
  now: () => number;
  /** The manager became unreachable (true) or answers again (false). */
  onReachability: (reachable: boolean, detail: string) => void;
  onAlertStatus?: (status: AlertStatusReply) => void;
  log?: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };
}

export interface AlarmReporterCounters extends SenderCounters {
  watchdogsSent: number;
  watchdogsAnswered: number;
  watchdogsMissed: number;
  statusesReceived: number;
}

/**
 * The Alarm Reporter of IHE PCD ACM (TF-2 rev. 9.0, 3.4): drains the durable PCD-04 queue to the alarm manager,
 * sends the watchdog, reads PCD-05 statuses on the reply path, and watches reachability: no accepted answer for
 * longer than the confirm timeout while something failed means the manager is unreachable (raised once, cleared on
 * the next accepted answer).
 */
export class AlarmReporter {
  readonly counters: AlarmReporterCounters;
  private readonly client: MllpClient;
  private readonly sender: OutboxSender;
  private readonly watchdogId: string;
  private readonly startedAt: number;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private lastGoodAt: number;
  private failingSince: number | undefined;
  private lastFailure = '';
  private unreachable = false;
  private deadline: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: AlarmReporterOptions) {
    this.startedAt = o.now();
    this.lastGoodAt = this.startedAt;
    this.watchdogId = `${o.identity.gatewayId}-watchdog`;
    this.client = new MllpClient({
      ...o.connection,
      onUnsolicited: (reply, _raw, answer) => this.unsolicited(reply, answer),
      onConnection: (up, error) => {
        if (!up) this.failure(error ?? 'connection lost');
        o.log?.info({ up, error }, up ? 'alarm manager: connected' : 'alarm manager: connection lost');
      },
    });
    this.sender = new OutboxSender({
      destination: ALARM_MANAGER,
      queue: o.queue,
      client: this.client,
      answerTimeoutMs: o.confirmTimeoutMs,
      retryMinMs: o.retryMinMs,
      retryMaxMs: o.retryMaxMs,
      now: o.now,
      onOutcome: (ok, detail) => (ok ? this.good() : this.failure(detail)),
      onRefused: (messageId, ack) => o.log?.warn({ messageId, code: ack.code, text: ack.text }, 'alarm manager: message refused; retrying'),
    });
    const base = this.sender.counters;
    this.counters = Object.assign(base, { watchdogsSent: 0, watchdogsAnswered: 0, watchdogsMissed: 0, statusesReceived: 0 });
  }

  get isReachable(): boolean {
    return !this.unreachable;
  }

  /** The unreachable alarm stands from before a restart: the first confirmation clears it. */
  assumeUnreachable(): void {
    this.unreachable = true;
  }

  start(): void {
    this.sender.start();
    this.watchdogTimer = setInterval(() => void this.watchdog(false), this.o.watchdogIntervalMs);
    this.checkTimer = setInterval(() => this.check(), 250);
    void this.watchdog(false);
  }

  /** New PCD-04 messages were committed. */
  kick(): void {
    this.sender.kick();
  }

  private async watchdog(final: boolean): Promise<boolean> {
    const messageId = randomUUID().replace(/-/g, '');
    const msg = encodeWatchdogPcd04(
      { ...this.o.identity, now: this.o.now(), messageId },
      { watchdogId: this.watchdogId, startedAt: this.startedAt, confirmTimeoutSeconds: Math.max(1, Math.round(this.o.confirmTimeoutMs / 1000)), final },
    );
    this.counters.watchdogsSent += 1;
    try {
      const ack = await this.client.request(msg, messageId, final ? Math.min(this.o.confirmTimeoutMs, 2000) : this.o.confirmTimeoutMs);
      if (ack.code !== 'CA' && ack.code !== 'AA') throw new Error(`watchdog answered ${ack.code}`);
      this.counters.watchdogsAnswered += 1;
      if (!final) this.good();
      return true;
    } catch (err) {
      this.counters.watchdogsMissed += 1;
      if (!final && !this.stopped) {
        this.o.log?.warn({ error: (err as Error).message }, 'alarm manager: watchdog not confirmed');
        this.failure(`watchdog not confirmed: ${(err as Error).message}`);
      }
      return false;
    }
  }

  private good(): void {
    this.lastGoodAt = this.o.now();
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = undefined;
    const was = this.failingSince !== undefined;
    this.failingSince = undefined;
    if (this.unreachable) {
      this.unreachable = false;
      this.o.onReachability(true, 'the alarm manager answers again');
    }
    if (was) this.sender.kick(); // retry the queue now instead of at the end of its back-off
  }

  private failure(detail: string): void {
    if (this.stopped) return;
    this.lastFailure = detail;
    this.failingSince ??= this.o.now();
    this.check();
    // Raised the moment the manager has been silent for the confirm timeout, not at the next poll.
    if (!this.unreachable && !this.deadline) {
      this.deadline = setTimeout(() => {
        this.deadline = undefined;
        this.check();
      }, Math.max(0, this.lastGoodAt + this.o.confirmTimeoutMs - this.o.now()));
    }
  }

  private check(): void {
    if (this.stopped || this.unreachable || this.failingSince === undefined) return;
    if (this.o.now() - this.lastGoodAt < this.o.confirmTimeoutMs) return;
    this.unreachable = true;
    this.o.onReachability(false, `no confirmation for ${Math.round((this.o.now() - this.lastGoodAt) / 1000)} s: ${this.lastFailure}`);
  }

  private unsolicited(reply: Reply, answer: (message: string) => void): void {
    const now = this.o.now();
    const ackId = randomUUID().replace(/-/g, '');
    if (reply.kind === 'alert-status') {
      this.counters.statusesReceived += 1;
      this.o.onAlertStatus?.(reply);
      answer(encodeAck(reply.controlId, 'CA', now, ackId));
    } else if (reply.kind === 'other') {
      answer(encodeAck(reply.controlId, 'CR', now, ackId, `unsupported message type ${reply.type}`));
    } else if (reply.kind === 'error') {
      this.o.log?.warn({ error: reply.error }, 'alarm manager: unreadable message ignored');
    }
  }

  /** Stops sending; on a clean shutdown the last watchdog says the silence is intended (state inactive). */
  async stop(clean = true): Promise<void> {
    if (this.stopped) return;
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    if (this.checkTimer) clearInterval(this.checkTimer);
    if (this.deadline) clearTimeout(this.deadline);
    const drained = this.sender.stop();
    this.client.reset(); // an answer still awaited is not waited for: that message is resent, same MSH-10, next start
    await drained;
    if (clean) await this.watchdog(true);
    this.stopped = true;
    this.client.close();
  }
}
