import { appendFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { closeServer, listen } from '../../drivers/core/listen.js';
import { get, parseHl7, type Hl7Message } from './hl7-reader.js';

/** MLLP framing (HL7 v2.6 Appendix C): <VT> message <FS><CR>. */
const SB = 0x0b;
const EB = 0x1c;
const CR = 0x0d;

export function mllp(message: string): Buffer {
  return Buffer.concat([Buffer.from([SB]), Buffer.from(message, 'utf8'), Buffer.from([EB, CR])]);
}

export interface ReceiverBehaviour {
  /** Answer after this long. */
  delayMs: number;
  /** Answer every message with this refusal instead of CA (CE: error, CR: reject). */
  refuse?: 'CE' | 'CR';
  /** Never answer (a hung receiver); toggled at run time with SIGUSR1 by the CLI. */
  mute: boolean;
  /** Close the connection on every n-th message without answering (0: never). */
  dropEvery: number;
}

export interface Received {
  at: number;
  controlId: string;
  type: string;
  ok: boolean;
  errors: string[];
  resend: boolean;
  raw: string;
  reading?: unknown;
}

export type MessageHandler = (m: Hl7Message, raw: string) => { errors: string[]; resend: boolean; reading?: unknown };

/**
 * An MLLP listener that reads each message with the counterparts' own parser, checks it, answers with an accept
 * acknowledgment as MSH-15 AL asks (HL7 v2.6 2.9.2.2: MSA-1 CA, or CE/CR when refusing), and records a verdict line.
 */
export class MllpReceiver {
  private server: Server | undefined;
  readonly sockets = new Set<Socket>();
  readonly received: Received[] = [];
  private count = 0;

  constructor(
    private readonly o: {
      host: string;
      port: number;
      behaviour: ReceiverBehaviour;
      handle: MessageHandler;
      /** Called after the answer was written (e.g. to send ORA^R41 on the same connection). */
      after?: (m: Hl7Message, reading: unknown, socket: Socket) => void;
      record?: string;
      print: (line: string) => void;
    },
  ) {}

  async start(): Promise<number> {
    const server = createServer((s) => this.accept(s));
    this.server = server;
    const port = await listen(server, this.o.port, this.o.host);
    server.on('error', () => undefined); // a failed accept: the sender reconnects
    return port;
  }

  private accept(s: Socket): void {
    this.sockets.add(s);
    let buf = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const start = buf.indexOf(SB);
        const end = start < 0 ? -1 : buf.indexOf(EB, start);
        if (start < 0 || end < 0) break;
        const raw = buf.subarray(start + 1, end).toString('utf8');
        buf = buf.subarray(end + 2);
        this.message(raw, s);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => this.sockets.delete(s));
  }

  private message(raw: string, s: Socket): void {
    const b = this.o.behaviour;
    this.count += 1;
    let m: Hl7Message | undefined;
    let result: ReturnType<MessageHandler>;
    try {
      m = parseHl7(raw);
      // An acknowledgment of something this receiver sent (the AM's ORA^R41): noted, never checked or answered.
      const msa = m.segments.find((x) => x.name === 'MSA');
      if (msa) {
        this.o.print(`     ack ${get(msa, 1)} for ${get(msa, 2)}`);
        return;
      }
      result = this.o.handle(m, raw);
    } catch (err) {
      result = { errors: [`unreadable: ${(err as Error).message}`], resend: false };
    }
    const controlId = m ? get(m.segments[0], 10) : '';
    const type = m ? m.segments[0]!.fields[9]?.raw ?? '' : '';
    const rec: Received = { at: Date.now(), controlId, type, ok: result.errors.length === 0, errors: result.errors, resend: result.resend, raw, ...(result.reading ? { reading: result.reading } : {}) };
    this.received.push(rec);
    if (this.o.record) appendFileSync(this.o.record, `${JSON.stringify(rec)}\n`);
    this.o.print(`${rec.ok ? 'ok  ' : 'FAIL'} ${type} ${controlId}${rec.resend ? ' (resent)' : ''}${rec.errors.length ? `\n       ${rec.errors.join('\n       ')}` : ''}`);
    if (b.mute) return;
    if (b.dropEvery > 0 && this.count % b.dropEvery === 0) {
      s.destroy();
      return;
    }
    const code = b.refuse ?? 'CA';
    const ack = [
      `MSH|^~\\&|WARDGATE-SIM|SIM|${m ? get(m.segments[0], 3) : ''}||${stamp()}||ACK^${type.split('^')[1] ?? ''}^ACK|A${controlId}|P|2.6`,
      `MSA|${code}|${controlId}${code === 'CA' ? '' : `|${b.refuse === 'CR' ? 'refused by the simulator' : 'error simulated'}`}`,
    ].join('\r');
    const send = () => {
      if (s.destroyed) return;
      s.write(mllp(ack));
      if (m && code === 'CA' && !result.resend) this.o.after?.(m, result.reading, s);
    };
    if (b.delayMs > 0) setTimeout(send, b.delayMs);
    else send();
  }

  async stop(): Promise<void> {
    await closeServer(this.server, this.sockets);
  }
}

export function stamp(at = Date.now()): string {
  return new Date(at).toISOString().replace(/[-:T]/g, '').replace(/\.(\d{3})Z$/, '.$1+0000');
}
