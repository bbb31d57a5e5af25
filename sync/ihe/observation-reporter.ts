import { randomUUID } from 'node:crypto';
import { MllpClient, type MllpClientOptions } from './mllp-client.js';
import { OutboxSender, type OutputQueue } from './outbox-sender.js';
import { encodeObservationsPcd01, reportable, type ReportedValue } from './pcd01.js';

export const EHR = 'ehr';

/** Flags that mark a value as not validated: never reported (the same values the rules never score). */
const NOT_VALIDATED = new Set(['invalid', 'demo', 'questionable', 'out-of-range']);

/** A stored observation as the periodic report reads it (the store's `observationsAfter` returns these). */
export interface StoredObservation {
  seq: number;
  receivedAt: number;
  sourceTs: number | null;
  bed: string;
  device: string;
  param: string;
  value: number;
  unit: string;
  flags: string[];
  /** Where a temperature was taken, when known (its OBX-3 then names the site). */
  site?: string;
}

/** What the reporter needs of the store (gateway/store/output-outbox.ts, injected). */
export interface ObservationSource extends OutputQueue {
  observationsAfter(seq: number, limit?: number): StoredObservation[];
  mark(destination: string, key: string): string | undefined;
  enqueue(messages: Array<{ destination: string; messageId: string; stream: string; createdAt: number; body: string }>, mark?: { destination: string; key: string; value: string }): void;
}

export interface ObservationReporterOptions {
  connection: Omit<MllpClientOptions, 'onUnsolicited' | 'onConnection'>;
  source: ObservationSource;
  identity: { gatewayId: string; site: string; ward: string; receivingApplication?: string; receivingFacility?: string };
  beds: string[];
  patientOf: (bed: string) => string | undefined;
  intervalMs: number;
  /** Parameters to send (all when empty). */
  parameters?: string[];
  /** A value older than this is not part of an at-once NEWS2 report (the NEWS2 freshness). */
  freshMs: number;
  answerTimeoutMs: number;
  retryMinMs: number;
  retryMaxMs: number;
  now: () => number;
  log?: { warn: (o: object, m: string) => void };
}

/**
 * The Device Observation Reporter of IHE PCD DEC (TF-2 rev. 9.0, 3.1 PCD-01): every interval, one ORU^R01 per bed
 * with the latest validated value of each parameter received since the last report, read from the store; and at once,
 * for a bed whose NEWS2 set just completed, the whole fresh set. Each message is queued durably (with the store mark
 * that says how far the report has read) and sent until the EHR accepts it.
 */
export class ObservationReporter {
  private readonly client: MllpClient;
  readonly sender: OutboxSender;
  private timer: NodeJS.Timeout | undefined;
  private readonly params: Set<string>;
  private readonly beds: Set<string>;
  /** Latest reported value per bed, device and parameter (for the at-once set; rebuilt as values arrive). */
  private readonly latest = new Map<string, Map<string, ReportedValue>>();

  constructor(private readonly o: ObservationReporterOptions) {
    this.params = reportable(o.parameters);
    this.beds = new Set(o.beds);
    this.client = new MllpClient({ ...o.connection });
    this.sender = new OutboxSender({
      destination: EHR, queue: o.source, client: this.client, answerTimeoutMs: o.answerTimeoutMs, retryMinMs: o.retryMinMs, retryMaxMs: o.retryMaxMs, now: o.now,
      onRefused: (messageId, ack) => o.log?.warn({ messageId, code: ack.code, text: ack.text }, 'ehr: message refused; retrying'),
    });
  }

  start(): void {
    this.sender.start();
    this.timer = setInterval(() => this.report(), this.o.intervalMs);
  }

  /** Reads what arrived since the last report and queues one message per bed; `atOnce` beds get their full set. */
  report(atOnce: string[] = []): number {
    const now = this.o.now();
    const after = Number(this.o.source.mark(EHR, 'last-seq') ?? 0);
    const rows = this.o.source.observationsAfter(after);
    const fresh = new Map<string, Map<string, ReportedValue>>();
    let last = after;
    for (const r of rows) {
      last = Math.max(last, r.seq);
      if (!this.beds.has(r.bed) || !this.params.has(r.param) || r.flags.some((f) => NOT_VALIDATED.has(f))) continue;
      const v: ReportedValue = { param: r.param, value: r.value, at: r.sourceTs ?? r.receivedAt, deviceId: r.device, flags: r.flags, ...(r.site !== undefined ? { site: r.site } : {}) };
      const key = `${r.device}|${r.param}`;
      if (!fresh.has(r.bed)) fresh.set(r.bed, new Map());
      fresh.get(r.bed)!.set(key, v);
      if (!this.latest.has(r.bed)) this.latest.set(r.bed, new Map());
      this.latest.get(r.bed)!.set(key, v);
    }
    const messages = [];
    for (const bed of new Set([...fresh.keys(), ...atOnce])) {
      const set = atOnce.includes(bed) ? [...(this.latest.get(bed)?.values() ?? [])].filter((v) => now - v.at <= this.o.freshMs) : [...fresh.get(bed)!.values()];
      const messageId = randomUUID().replace(/-/g, '');
      const patientId = this.o.patientOf(bed);
      const body = encodeObservationsPcd01(set, { ...this.o.identity, bed, now, messageId, ...(patientId ? { patientId } : {}) });
      if (body) messages.push({ destination: EHR, messageId, stream: bed, createdAt: now, body });
    }
    if (messages.length === 0 && last === after) return 0;
    this.o.source.enqueue(messages, { destination: EHR, key: 'last-seq', value: String(last) });
    if (messages.length > 0) this.sender.kick();
    return messages.length;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const drained = this.sender.stop();
    this.client.reset();
    await drained;
    this.client.close();
  }
}
