import type { Hl7Message } from './hl7-reader.js';
import { MllpReceiver, type ReceiverBehaviour } from './mllp-receiver.js';
import { checkPcd01, type ObservationReading } from './profile-checks.js';

/**
 * The reference Device Observation Consumer (an EHR interface engine, IHE PCD DEC, TF-2 rev. 9.0 section 3.1): accepts
 * PCD-01 ORU^R01 over MLLP, checks each against the profile, acknowledges (CA), and prints what it filed.
 */
export class EhrSim {
  readonly receiver: MllpReceiver;
  readonly stats = { messages: 0, failed: 0, resent: 0, values: 0 };
  private readonly seen = new Set<string>();

  constructor(o: { host: string; port: number; behaviour: ReceiverBehaviour; record?: string; print: (line: string) => void }) {
    this.receiver = new MllpReceiver({ ...o, handle: (m) => this.handle(m, o.print) });
  }

  start(): Promise<number> {
    return this.receiver.start();
  }

  private handle(m: Hl7Message, print: (line: string) => void): { errors: string[]; resend: boolean; reading?: ObservationReading } {
    this.stats.messages += 1;
    const c = checkPcd01(m);
    const r = c.reading!;
    const resend = this.seen.has(r.controlId);
    this.seen.add(r.controlId);
    if (resend) this.stats.resent += 1;
    if (c.errors.length) this.stats.failed += 1;
    if (!resend) {
      this.stats.values += r.values.length;
      print(`     bed ${r.bed}${r.patientId ? ` patient ${r.patientId}` : ''}: ${r.values.map((v) => `${v.name}=${v.value} ${v.unit}`).join(', ')}`);
    }
    return { errors: c.errors, resend, reading: r };
  }

  verdict(): { pass: boolean; text: string } {
    const pass = this.stats.failed === 0 && this.stats.messages > 0;
    return { pass, text: `ehr verdict: ${pass ? 'PASS' : 'FAIL'}\n  messages ${this.stats.messages} (${this.stats.resent} resent), failing checks ${this.stats.failed}, values filed ${this.stats.values}` };
  }

  stop(): Promise<void> {
    return this.receiver.stop();
  }
}
