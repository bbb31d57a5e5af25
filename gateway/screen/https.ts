import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { closeServer, listen } from '../../drivers/core/listen.js';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import { RateLimitedLog, type Logger } from '../log.js';
import { describeHandshakeError } from '../tls/peer-identity.js';

/** HTTPS for the screen (and WSS on the same port). */
export interface ScreenTlsOptions {
  host: string;
  port: number;
  /** Reads certificate and key; called at start and again on reload. */
  load: () => SecureContextOptions;
  hstsMaxAgeSeconds: number;
  /** A plain HTTP listener on `host` that only redirects to HTTPS (for tablets that type http://). */
  redirectPort?: number | undefined;
}

/** Paths that stay on plain HTTP for probes and scrapers: never redirected (gateway/health/endpoints.ts). */
export const MANAGEMENT_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function isEncrypted(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}

/** ` Secure` on cookies set over HTTPS: a browser then never sends the session over plain HTTP. */
export function cookieSecurity(req: IncomingMessage): string {
  return isEncrypted(req) ? '; Secure' : '';
}

/** Strict-Transport-Security (RFC 6797 section 6.1) on every HTTPS response. */
export function hstsHeader(req: IncomingMessage, res: ServerResponse, maxAgeSeconds: number): void {
  if (isEncrypted(req)) res.setHeader('Strict-Transport-Security', `max-age=${maxAgeSeconds}`);
}

/** 308 to the same path on HTTPS, same host name (RFC 9110 section 15.4.9: the method and body are kept). */
export function redirectToHttps(req: IncomingMessage, res: ServerResponse, httpsPort: number): void {
  const hostHeader = req.headers.host ?? 'localhost';
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname;
  } catch {
    hostname = 'localhost';
  }
  const location = `https://${hostname}${httpsPort === 443 ? '' : `:${httpsPort}`}${req.url ?? '/'}`;
  res.writeHead(308, { Location: location, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`The ward screen is at ${location}\n`);
}

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The screen's HTTPS listener (same request and WebSocket handlers as the plain one) and the optional
 * redirect-only HTTP listener. Certificates are swapped on reload() without closing open connections.
 */
export class ScreenHttps {
  private https: HttpsServer | undefined;
  private redirect: HttpServer | undefined;
  private readonly limited: RateLimitedLog;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly o: ScreenTlsOptions,
    private readonly log: Logger,
  ) {
    this.limited = new RateLimitedLog(log);
  }

  get port(): number {
    return (this.https?.address() as AddressInfo | null)?.port ?? 0;
  }

  get redirectPort(): number {
    return (this.redirect?.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(handler: RequestListener, upgrade: UpgradeListener): Promise<number> {
    const https = createHttpsServer({ ...this.o.load() }, handler);
    https.on('upgrade', upgrade);
    this.track(https);
    https.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
      const reason = describeHandshakeError(err);
      this.limited.warn(`handshake:${socket.remoteAddress}:${err.code ?? ''}`, { address: socket.remoteAddress, reason }, `screen: TLS handshake refused: ${reason}`);
    });
    this.https = https;
    await listen(https, this.o.port, this.o.host);
    if (this.o.redirectPort !== undefined) {
      const redirect = createHttpServer((req, res) => {
        if (MANAGEMENT_PATHS.has(new URL(req.url ?? '/', 'http://x').pathname)) {
          res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not on this listener\n');
          return;
        }
        redirectToHttps(req, res, this.port);
      });
      this.track(redirect);
      this.redirect = redirect;
      await listen(redirect, this.o.redirectPort, this.o.host);
      this.log.info({ host: this.o.host, port: this.redirectPort }, 'screen: HTTP redirect listening');
    }
    return this.port;
  }

  reload(): void {
    this.https?.setSecureContext({ ...this.o.load() });
  }

  async stop(): Promise<void> {
    const servers = [this.https, this.redirect].filter((s): s is HttpsServer | HttpServer => s !== undefined);
    this.https = undefined;
    this.redirect = undefined;
    await Promise.all(servers.map((s) => closeServer(s, this.sockets)));
  }

  private track(server: HttpServer | HttpsServer): void {
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }
}
