import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { frame, MllpDeframer } from './hl7.js';
import { readReply, type AckReply, type Reply } from './replies.js';
import { loadTls, type TlsFiles } from '../tls.js';

export interface MllpClientOptions {
  host: string;
  port: number;
  /** TLS to the receiver (HL7 over TLS is the hospital's choice; IHE ITI TF-2 "ATNA secure node" style). */
  tls?: TlsFiles & { enabled: boolean; rejectUnauthorized: boolean; servername?: string };
  connectTimeoutMs: number;
  /** A message that is not an answer to ours (an ORA^R41 on the reply path). */
  onUnsolicited?: (reply: Reply, raw: string, answer: (message: string) => void) => void;
  /** The connection went up (true) or down (false). */
  onConnection?: (up: boolean, error?: string) => void;
}

interface Waiter {
  resolve: (ack: AckReply) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  /** The connection the message went out on (undefined while it waits for one). */
  socket?: Socket;
}

/**
 * One MLLP connection to a receiver (HL7 v2.6 Appendix C): opened on first use and again after it drops; each sent
 * message waits for the acknowledgment whose MSA-2 names its MSH-10. Several may wait at once (a watchdog beside a
 * message). A dropped connection fails every waiter at once, so the sender retries without waiting out a timeout.
 */
export class MllpClient {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private readonly waiters = new Map<string, Waiter>();
  private closed = false;
  private readonly tlsMaterial: ReturnType<typeof loadTls> | undefined;

  constructor(private readonly o: MllpClientOptions) {
    this.tlsMaterial = o.tls?.enabled ? loadTls(o.tls) : undefined;
  }

  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** Sends `message` (its MSH-10 is `controlId`) and resolves with the receiver's acknowledgment. */
  request(message: string, controlId: string, timeoutMs: number): Promise<AckReply> {
    // The time allowed runs from now, connecting included: a receiver that does not answer the connection attempt
    // is as late as one that does not answer the message.
    return new Promise<AckReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(controlId);
        reject(new Error(`no acknowledgment within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(controlId, { resolve, reject, timer });
      this.open().then(
        (socket) => {
          const w = this.waiters.get(controlId);
          if (!w) return;
          w.socket = socket;
          socket.write(frame(message));
        },
        (err: Error) => {
          if (!this.waiters.delete(controlId)) return;
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  private open(): Promise<Socket> {
    if (this.closed) return Promise.reject(new Error('client closed'));
    if (this.socket) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<Socket>((resolve, reject) => {
      const t = this.o.tls;
      const s: Socket = this.tlsMaterial
        ? tlsConnect({ host: this.o.host, port: this.o.port, ...this.tlsMaterial, rejectUnauthorized: t?.rejectUnauthorized ?? true, ...(t?.servername ? { servername: t.servername } : {}) })
        : netConnect({ host: this.o.host, port: this.o.port });
      const timer = setTimeout(() => s.destroy(new Error(`connect timeout after ${this.o.connectTimeoutMs} ms`)), this.o.connectTimeoutMs);
      const deframer = new MllpDeframer();
      s.setNoDelay(true);
      s.setKeepAlive(true, 10_000);
      let established = false;
      s.once(this.tlsMaterial ? 'secureConnect' : 'connect', () => {
        established = true;
        clearTimeout(timer);
        this.socket = s;
        this.connecting = undefined;
        this.o.onConnection?.(true);
        resolve(s);
      });
      s.on('data', (chunk: Buffer) => {
        for (const raw of deframer.push(chunk)) this.received(raw, s);
      });
      let lastError: Error | undefined;
      s.on('error', (err) => (lastError = err)); // 'close' follows with the outcome
      s.once('close', () => {
        clearTimeout(timer);
        const wasUp = this.socket === s;
        if (wasUp) this.socket = undefined;
        const why = lastError?.message ?? 'connection closed by the receiver';
        if (!established) {
          if (this.connecting === attempt) this.connecting = undefined;
          reject(lastError ?? new Error('connection closed'));
        }
        // Only the messages that went out on this connection fail (those waiting for a connection get the rejection).
        for (const [id, w] of this.waiters) {
          if (w.socket !== s) continue;
          clearTimeout(w.timer);
          w.reject(new Error(why));
          this.waiters.delete(id);
        }
        if (wasUp) this.o.onConnection?.(false, why);
      });
    });
    const attempt = this.connecting;
    return attempt;
  }

  private received(raw: string, s: Socket): void {
    const reply = readReply(raw);
    if (reply.kind === 'ack') {
      const w = this.waiters.get(reply.controlId);
      if (w) {
        this.waiters.delete(reply.controlId);
        clearTimeout(w.timer);
        w.resolve(reply);
      }
      return; // an acknowledgment nobody waits for (late, after a timeout): the message is resent and acked again
    }
    this.o.onUnsolicited?.(reply, raw, (message) => {
      if (!s.destroyed) s.write(frame(message));
    });
  }

  /** Drops the connection (the next request opens a new one). */
  reset(): void {
    const s = this.socket;
    this.socket = undefined; // the next request opens a new connection even before this one's 'close' arrives
    s?.destroy();
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}
