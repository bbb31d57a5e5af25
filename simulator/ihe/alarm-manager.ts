import { connect, type Socket } from 'node:net';
import type { Hl7Message } from './hl7-reader.js';
import { MllpReceiver, mllp, stamp, type ReceiverBehaviour } from './mllp-receiver.js';
import { AlertSequences, checkPcd04, type AlertReading } from './profile-checks.js';

export interface AlarmManagerOptions {
  host: string;
  port: number;
  behaviour: ReceiverBehaviour;
  /** What the simulated phones do with each new alert: PCD-05 statuses sent back (none: no ORA^R41 at all). */
  pages: 'accept' | 'reject' | 'ignore' | 'none';
  pageDelayMs: number;
  recipient: string;
  device: string;
  /** Send ORA^R41 to this host:port (the gateway's PCD-05 listener) instead of on the reply path. */
  statusTo?: { host: string; port: number };
  record?: string;
  print: (line: string) => void;
}

/**
 * The reference Alarm Manager (IHE PCD ACM, TF-2 rev. 9.0 section 3.4 and 3.5): accepts PCD-04 over MLLP, checks each
 * message and each alert's phase sequence, confirms watchdogs, and plays the phones: delivered, read, then accepted or
 * rejected by a named person (PCD-05 ORA^R41).
 */
export class AlarmManagerSim {
  readonly receiver: MllpReceiver;
  readonly sequences = new AlertSequences();
  readonly stats = { messages: 0, failed: 0, resent: 0, watchdogs: 0, finalWatchdog: false, statusesSent: 0 };
  private statusSeq = 0;

  constructor(private readonly o: AlarmManagerOptions) {
    this.receiver = new MllpReceiver({
      host: o.host,
      port: o.port,
      behaviour: o.behaviour,
      record: o.record,
      print: o.print,
      handle: (m, raw) => this.handle(m, raw),
      after: (_m, reading, socket) => this.page(reading as AlertReading, socket),
    });
  }

  start(): Promise<number> {
    return this.receiver.start();
  }

  private handle(m: Hl7Message, raw: string): { errors: string[]; resend: boolean; reading?: unknown } {
    this.stats.messages += 1;
    const c = checkPcd04(m);
    const r = c.reading!;
    const seq = this.sequences.take(r, raw);
    const errors = [...c.errors, ...seq.errors];
    if (seq.resend) this.stats.resent += 1;
    if (errors.length) this.stats.failed += 1;
    if (r.watchdog) {
      this.stats.watchdogs += 1;
      if (r.state === 'inactive') {
        this.stats.finalWatchdog = true;
        this.o.print(`     watchdog: the reporter announced an intended shutdown`);
      }
    } else if (!seq.resend) {
      this.o.print(`     alert ${r.alertId} ${r.eventName} ${r.priority}/${r.type} phase=${r.phase} state=${r.state} inactivation=${r.inactivation} bed=${r.bed}${r.value ? ` value=${r.value} limit=${r.range}` : ''}`);
    }
    return { errors, resend: seq.resend, reading: r };
  }

  /** PCD-05: the simulated phones' answers to a new alert. */
  private page(r: AlertReading, socket: Socket): void {
    if (this.o.pages === 'none' || r.watchdog || r.phase !== 'start') return;
    const steps: Array<'delivered' | 'read' | 'accepted' | 'rejected'> = ['delivered', 'read'];
    if (this.o.pages === 'accept') steps.push('accepted');
    if (this.o.pages === 'reject') steps.push('rejected');
    steps.forEach((status, i) => setTimeout(() => this.sendStatus(r, status, socket), this.o.pageDelayMs * (i + 1)));
  }

  private sendStatus(r: AlertReading, status: string, socket: Socket): void {
    const [given, ...family] = this.o.recipient.split(' ');
    const id = `S${process.pid}-${++this.statusSeq}`;
    const msg = [
      `MSH|^~\\&|WARDGATE-SIM-AM|SIM|WARDGATE||${stamp()}||ORA^R41^ORA_R41|${id}|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.4.1^ISO`,
      `OBR|1||${r.alertId}^WARDGATE|196616^MDC_EVT_ALARM^MDC`,
      `PRT|1|UC|${status}^${status}^L|RCP^Alert recipient^HL70912|${this.o.recipient.toLowerCase().replace(/\s+/g, '.')}^${family.join(' ')}^${given}|||||${this.o.device}|${stamp()}`,
    ].join('\r');
    this.stats.statusesSent += 1;
    this.o.print(`     PCD-05 ${status} by ${this.o.recipient} (${this.o.device}) for alert ${r.alertId}`);
    if (this.o.statusTo) {
      const c = connect(this.o.statusTo);
      c.on('connect', () => c.write(mllp(msg)));
      c.on('data', () => c.end());
      c.on('error', (err) => this.o.print(`     PCD-05 not delivered: ${err.message}`));
    } else if (!socket.destroyed) socket.write(mllp(msg));
  }

  /** The verdict: pass when every message met the profile and every alert's sequence was sound. */
  verdict(): { pass: boolean; text: string } {
    const pass = this.stats.failed === 0 && this.stats.messages > 0;
    const text = [
      `alarm manager verdict: ${pass ? 'PASS' : 'FAIL'}`,
      `  messages ${this.stats.messages} (${this.stats.resent} resent with the same MSH-10), failing checks ${this.stats.failed}`,
      `  alerts ${this.sequences.alerts}, watchdogs ${this.stats.watchdogs}${this.stats.finalWatchdog ? ' (final inactive watchdog received)' : ''}, PCD-05 statuses sent ${this.stats.statusesSent}`,
    ].join('\n');
    return { pass, text };
  }

  stop(): Promise<void> {
    return this.receiver.stop();
  }
}
