import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { closeServer, listen } from '../../drivers/core/listen.js';
import { frame, MllpDeframer } from './hl7.js';
import { encodeAck, readReply, type AlertStatusReply } from './replies.js';

/**
 * PCD-05 on a listener of its own, for alarm managers that open their own connection to report alert status
 * (IHE PCD TF-2 rev. 9.0, 3.5: the AM is the initiator of PCD-05). Each ORA^R41 is answered with an accept
 * acknowledgment (CA) once handed on; anything else is refused (CR), never silently dropped.
 */
export class StatusListener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly o: { host: string; port: number; now: () => number; onAlertStatus: (s: AlertStatusReply) => void }) {}

  async start(): Promise<number> {
    const server = createServer((s) => this.accept(s));
    server.maxConnections = 8;
    this.server = server;
    const port = await listen(server, this.o.port, this.o.host);
    server.on('error', () => undefined); // a failed accept: the alarm manager reconnects
    return port;
  }

  private accept(s: Socket): void {
    this.sockets.add(s);
    const deframer = new MllpDeframer();
    s.on('data', (chunk: Buffer) => {
      for (const raw of deframer.push(chunk)) {
        const r = readReply(raw);
        const id = randomUUID().replace(/-/g, '');
        if (r.kind === 'alert-status') {
          this.o.onAlertStatus(r);
          s.write(frame(encodeAck(r.controlId, 'CA', this.o.now(), id)));
        } else if (r.kind !== 'error') {
          s.write(frame(encodeAck(r.controlId, 'CR', this.o.now(), id, 'only ORA^R41 is accepted here')));
        }
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => this.sockets.delete(s));
  }

  async stop(): Promise<void> {
    await closeServer(this.server, this.sockets);
  }
}
