import type { AddressInfo, Socket } from 'node:net';
import { closeServer, listen } from '../../drivers/core/listen.js';
import { createServer, type SecureContextOptions, type Server, type TLSSocket } from 'node:tls';
import { RateLimitedLog, type Logger } from '../log.js';
import { describeHandshakeError, refusedPeerCertificate } from './peer-identity.js';

export interface TlsListenerOptions {
  /** Names the listener in log lines: broker, hl7, ... */
  name: string;
  host: string;
  port: number;
  /** Reads certificate, key and client CA; called at start and again on reload(). */
  load: () => SecureContextOptions;
  /**
   * Client certificates, verified against the loaded client CA. 'optional': a client that offers none still connects
   * (and logs in with a password), one that offers a certificate that does not verify is refused. 'required': no
   * verified certificate, no connection.
   */
  clientCert: 'off' | 'optional' | 'required';
  log: Logger;
  maxConnections?: number;
  /** Called for every refused handshake or client certificate (for the owner's counters). */
  onRefused?: () => void;
}

/**
 * A TLS server socket in front of a plain-socket protocol handler (MQTT, MLLP): handshakes, verifies client
 * certificates, logs every refusal with its reason (rate-limited), and swaps certificates on reload() without
 * touching open connections.
 */
export class TlsListener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly limited: RateLimitedLog;
  /** Handshakes or client certificates refused, for the listener's counters. */
  refused = 0;

  constructor(
    private readonly o: TlsListenerOptions,
    private readonly accept: (socket: TLSSocket) => void,
  ) {
    this.limited = new RateLimitedLog(o.log);
  }

  get listening(): boolean {
    return this.server?.listening === true;
  }

  get port(): number {
    const a = this.server?.address();
    return a && typeof a !== 'string' ? (a as AddressInfo).port : 0;
  }

  /** The TLS server with its handlers, not yet listening (for a protocol listener that listens itself). */
  createServer(): Server {
    const o = this.o;
    const server = createServer({ ...o.load(), requestCert: o.clientCert !== 'off', rejectUnauthorized: false }, (socket) => {
      const refusal = o.clientCert === 'off' ? undefined : refusedPeerCertificate(socket) ?? (o.clientCert === 'required' && !socket.authorized ? 'no client certificate' : undefined);
      if (refusal) {
        this.refused += 1;
        o.onRefused?.();
        this.limited.warn(`cert:${socket.remoteAddress}:${refusal}`, { address: socket.remoteAddress, reason: refusal }, `${o.name}: TLS client certificate refused: ${refusal}`);
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      this.accept(socket);
    });
    server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
      this.refused += 1;
      o.onRefused?.();
      const reason = describeHandshakeError(err);
      this.limited.warn(`handshake:${socket.remoteAddress}:${err.code ?? ''}`, { address: socket.remoteAddress, reason }, `${o.name}: TLS handshake refused: ${reason}`);
    });
    server.maxConnections = o.maxConnections ?? 500;
    this.server = server;
    return server;
  }

  async start(): Promise<number> {
    const o = this.o;
    const server = this.createServer();
    await listen(server, o.port, o.host);
    return this.port;
  }

  /** New certificate and key for new handshakes; open connections keep theirs. Throws (and keeps the old) on a bad file. */
  reload(): void {
    this.server?.setSecureContext({ ...this.o.load() });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server, this.sockets);
  }
}
