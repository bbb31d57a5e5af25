import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { closeServer, listen } from '../../drivers/core/listen.js';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { PATTERNS } from '../buzzer/patterns.js';
import type { Logger } from '../log.js';
import { auditCsv, auditLine } from './audit-text.js';
import { DEFAULT_DISPLAY, presentPatient, redactMessage, redactState, type DisplaySettings } from './display.js';
import { isStaticPath, serveStatic } from './static-files.js';
import { TrendHistory, type StoredReadings } from './trend-history.js';
import { buildVocabulary, type Vocabulary } from './vocabulary.js';
import type { HealthHandler } from '../health/endpoints.js';
import { cookieValue, sessionKey, Sessions, type Session, type StaffMember } from './sessions.js';
import { cookieSecurity, hstsHeader, isEncrypted, redirectToHttps, ScreenHttps, type ScreenTlsOptions } from './https.js';

import type { BedSetup, ScreenBackend, ScreenSetup, ActionResult } from './contract.js';

export const SESSION_COOKIE = 'wardgate_session';

export type { ActionResult, BedSetup, BuzzerView, ScreenBackend, ScreenSetup } from './contract.js';

export interface ScreenOptions {
  /** /healthz, /readyz and /metrics (gateway/health/endpoints.ts), served on the screen's port. */
  health?: HealthHandler;
  host: string;
  port: number;
  staff: StaffMember[];
  sessionHours: number;
  readOnlyView: boolean;
  allowedOrigins: string[];
  backend: ScreenBackend;
  log: Logger;
  beds?: BedSetup[];
  profiles?: ScreenSetup['profiles'];
  /** Where the key that signs session tokens is kept, so sessions survive a restart. */
  sessionKeyFile?: string;
  /** Patient display, locale, time zone, trend window (`screen` in the config); defaults in display.ts. */
  display?: Partial<DisplaySettings>;
  /** Validates a bed's limit overrides (the rules' schema, handed in so the screen does not import rules/). */
  limitOverrides: z.ZodType<Record<string, unknown>>;
  /** Technical condition -> label, from the rules' registry (handed in for the same reason). */
  technicalLabels?: Record<string, string>;
  /** HTTPS and WSS; the plain listener then serves only /healthz, /readyz, /metrics and redirects the rest. */
  tls?: ScreenTlsOptions;
  security?: () => ScreenSetup['security'];
}

type TrendInput = { bedId: string; param: string; value: number; receivedAt: number };

const HEARTBEAT_MS = 5000;
const MAX_BODY = 16 * 1024;

/**
 * The ward screen: static page, a small JSON API for actions, and a WebSocket (/ws) that sends a full
 * snapshot on connect and every change after it. Login is by staff id and PIN; the session cookie is
 * HttpOnly and SameSite=Strict; the WebSocket checks the session and the Origin.
 */
export class ScreenServer {
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly sessions: Sessions;
  private readonly clients = new Set<WebSocket>();
  private readonly sockets = new Set<Socket>();
  private pingTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private boundPort = 0;
  private readonly beds = new Map<string, BedSetup>();
  private readonly display: DisplaySettings;
  private readonly trends: TrendHistory;
  private readonly vocabulary: Vocabulary;
  private https: ScreenHttps | undefined;

  private readonly limitsChange;

  constructor(private readonly o: ScreenOptions) {
    this.limitsChange = z.object({ profile: z.string().min(1).max(64).optional(), overrides: o.limitOverrides.optional() }).strict();
    this.sessions = new Sessions(o.staff, o.sessionHours * 3600_000, Date.now, sessionKey(o.sessionKeyFile));
    for (const b of o.beds ?? []) this.beds.set(b.id, { ...b });
    this.display = { ...DEFAULT_DISPLAY, ...Object.fromEntries(Object.entries(o.display ?? {}).filter(([, v]) => v !== undefined)) };
    this.trends = new TrendHistory(this.display.trendHours);
    this.vocabulary = buildVocabulary(o.technicalLabels ?? {});
    // After a restart the charts' hours before it come from the store (loaded in pages once started); everything
    // stored after this point reaches observe() live.
    this.stored = o.backend.storedReadings?.(Date.now() - this.display.trendHours * 3600_000);
  }

  private readonly stored: StoredReadings | undefined;
  /** While the hours before the start are still being read from the store (the charts say so). */
  private trendsLoading = false;

  /** Beds' settings, profiles and buzzer state, sent with every snapshot and after a limits change. */
  setup(): ScreenSetup {
    const beds = Object.fromEntries(
      [...this.beds].map(([id, { patientId, ...b }]) => [id, { ...b, ...this.o.backend.bedLimits?.(id), patient: presentPatient(patientId ? { id: patientId } : undefined, this.display.patientDisplay) }]),
    );
    return { beds, profiles: this.o.profiles ?? {}, buzzer: this.o.backend.buzzer?.() ?? null, security: this.o.security?.() ?? [] };
  }

  /** An observation the gateway took in, for the trend charts (cheap: one bucket update). */
  observe(o: TrendInput): void {
    this.trends.add(o);
  }

  /** The readings of one device message, for the trend charts. */
  observeMessage(m: { bedId: string; receivedAt: number; readings: readonly { param: string; value: number }[] }): void {
    this.trends.addAll(m.bedId, m.receivedAt, m.readings);
  }

  get port(): number {
    return this.boundPort;
  }

  /** The HTTPS port, 0 without TLS. */
  get tlsPort(): number {
    return this.https?.port ?? 0;
  }

  /** SIGHUP: a new certificate for new HTTPS connections; open screens stay connected. */
  reloadTls(): void {
    this.https?.reload();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async start(): Promise<number> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.route(req, res).catch((err: unknown) => {
        this.o.log.error({ err }, 'screen: request failed');
        if (!res.headersSent) this.json(res, 500, { error: 'internal error' });
      });
    };
    const server = createServer(handler);
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
    const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      const url = new URL(req.url ?? '/', 'http://x');
      const session = this.sessionOf(req);
      const viewer = !session && this.o.readOnlyView;
      const plainWhileTls = this.o.tls !== undefined && !isEncrypted(req);
      if (url.pathname !== '/ws' || (!session && !viewer) || !this.originAllowed(req) || plainWhileTls) {
        socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.onClient(ws, session));
    };
    server.on('upgrade', upgrade);
    this.server = server;
    this.wss = wss;
    this.boundPort = await listen(server, this.o.port, this.o.host);
    if (this.o.tls) {
      this.https = new ScreenHttps(this.o.tls, this.o.log);
      await this.https.start(handler, upgrade);
    }
    this.pingTimer = setInterval(() => this.reap(), 15_000);
    this.pingTimer.unref();
    // An application heartbeat: the page treats HEARTBEAT_MS x 3 without any message as a lost connection, which
    // catches a half-open TCP connection (network cable out) that the browser would not report for minutes.
    this.heartbeatTimer = setInterval(() => this.broadcast({ type: 'heartbeat', now: Date.now(), buzzer: this.o.backend.buzzer?.() ?? null, security: this.o.security?.() ?? [] }), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
    if (this.stored) {
      this.trendsLoading = true;
      void this.loadTrends(this.stored).finally(() => (this.trendsLoading = false));
    }
    return this.boundPort;
  }

  /** The trend history of the window before the start, from the store; the charts show what arrives live meanwhile. */
  private async loadTrends(stored: StoredReadings): Promise<void> {
    const t0 = Date.now();
    try {
      const readings = await this.trends.load(stored, (bed, param) => this.beds.has(bed) && !param.startsWith('unmapped:'), () => this.server === undefined);
      this.o.log.info({ readings, ms: Date.now() - t0 }, 'screen: trend history loaded');
    } catch (err) {
      this.o.log.warn({ err }, 'screen: trend history not loaded from the store; the charts start from live values');
    }
  }

  /** Sends a change to every connected screen; slow clients are dropped rather than buffered without bound. */
  broadcast(message: { type: string; [k: string]: unknown }): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify(redactMessage(this.display.patientDisplay, message));
    for (const ws of this.clients) {
      if (ws.bufferedAmount > 4 * 1024 * 1024) {
        ws.terminate();
        continue;
      }
      ws.send(text);
    }
  }

  private onClient(ws: WebSocket, session: Session | undefined): void {
    const alive = ws as WebSocket & { isAlive?: boolean };
    alive.isAlive = true;
    ws.on('pong', () => (alive.isAlive = true));
    this.clients.add(ws);
    ws.on('close', () => this.clients.delete(ws));
    ws.on('error', () => this.clients.delete(ws));
    ws.send(
      JSON.stringify({
        type: 'snapshot',
        user: session ? { id: session.staffId, name: session.name, role: session.role } : null,
        readOnly: !session,
        heartbeatMs: HEARTBEAT_MS,
        vocabulary: this.vocabulary,
        display: { locale: this.display.locale, timeZone: this.display.timeZone, hour12: this.display.hour12, trendHours: this.display.trendHours, patientDisplay: this.display.patientDisplay },
        setup: this.setup(),
        state: redactState(this.display.patientDisplay, this.o.backend.snapshot()),
      }),
    );
  }

  private reap(): void {
    for (const ws of this.clients) {
      const alive = ws as WebSocket & { isAlive?: boolean };
      if (alive.isAlive === false) {
        ws.terminate();
        continue;
      }
      alive.isAlive = false;
      ws.ping();
    }
  }

  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (!origin) return true; // non-browser clients (tests, tools) send none; the session still applies
    if (this.o.allowedOrigins.includes(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  private sessionOf(req: IncomingMessage): Session | undefined {
    return this.sessions.get(cookieValue(req.headers.cookie, SESSION_COOKIE));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (this.o.health && (await this.o.health(req, res))) return; // /healthz, /readyz, /metrics: never redirected
    if (this.o.tls && !isEncrypted(req)) return redirectToHttps(req, res, this.tlsPort);
    if (this.o.tls) hstsHeader(req, res, this.o.tls.hstsMaxAgeSeconds);
    if (req.method === 'GET' && path === '/alarm-patterns.json') return this.json(res, 200, PATTERNS);
    if (req.method === 'GET' && isStaticPath(path)) return serveStatic(path, res);
    if (req.method === 'POST' && path === '/api/login') {
      const body = await readJson(req);
      const staffId = typeof body?.staffId === 'string' ? body.staffId : '';
      const pin = typeof body?.pin === 'string' ? body.pin : '';
      const result = await this.sessions.login(staffId, pin);
      if ('error' in result) {
        this.o.log.warn({ staffId }, 'screen: login refused');
        return this.json(res, 401, { error: result.error });
      }
      this.o.log.info({ staffId }, 'screen: login');
      res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${result.token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(this.o.sessionHours * 3600)}${cookieSecurity(req)}`);
      return this.json(res, 200, { id: result.staffId, name: result.name, role: result.role });
    }
    if (req.method === 'POST' && path === '/api/logout') {
      this.sessions.logout(cookieValue(req.headers.cookie, SESSION_COOKIE));
      res.setHeader('Set-Cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${cookieSecurity(req)}`);
      return this.json(res, 200, { ok: true });
    }
    if (req.method === 'GET' && path === '/api/session') {
      const s = this.sessionOf(req);
      if (s) return this.json(res, 200, { user: { id: s.staffId, name: s.name, role: s.role }, readOnlyView: this.o.readOnlyView });
      return this.json(res, 200, { user: null, readOnlyView: this.o.readOnlyView });
    }
    if (path.startsWith('/api/')) {
      const session = this.sessionOf(req);
      // What a wall display may show without login (readOnlyView): the words and the trends, as over /ws.
      if (req.method === 'GET' && (session || this.o.readOnlyView)) {
        if (path === '/api/vocabulary') return this.json(res, 200, this.vocabulary);
        const t = /^\/api\/beds\/([^/]+)\/trends$/.exec(path);
        if (t && this.beds.has(decodeURIComponent(t[1]!))) return this.json(res, 200, { ...this.trends.get(decodeURIComponent(t[1]!), Date.now()), loading: this.trendsLoading });
      }
      if (!session) return this.json(res, 401, { error: 'log in first' });
      // The ward state for staff tools (a staff session is required; the page itself uses /ws), under the same
      // patientDisplay policy as the page: a logged-in browser on a wall display is still seen by visitors.
      if (req.method === 'GET' && path === '/api/state') return this.json(res, 200, redactState(this.display.patientDisplay, this.o.backend.snapshot()));
      if (req.method === 'GET' && (path === '/api/audit' || path === '/api/audit.csv') && this.o.backend.audit) return this.audit(url, res);
      if (req.method === 'POST') {
        if (!this.originAllowed(req)) return this.json(res, 403, { error: 'origin not allowed' });
        const body = await readJson(req);
        const m = /^\/api\/(alarms|beds)\/([^/]+)\/([a-z-]+)$/.exec(path);
        if (m) {
          const [, what, idPart, action] = m as unknown as [string, string, string, string];
          const id = decodeURIComponent(idPart);
          let r: ActionResult | undefined;
          if (what === 'alarms' && action === 'ack') r = this.o.backend.acknowledge(id, session);
          if (what === 'beds' && action === 'pause') r = this.o.backend.pauseAudio(id, session);
          if (what === 'beds' && action === 'manual') r = this.o.backend.setManualInputs(id, (body ?? {}) as never, session);
          if (what === 'beds' && action === 'limits') r = this.changeLimits(id, body, session);
          if (r) return this.json(res, r.ok ? 200 : 400, r);
        }
      }
    }
    this.json(res, 404, { error: 'not found' });
  }

  /** GET /api/audit (JSON, in words) and /api/audit.csv, filtered by bed and time (`bed`, `since`, `until` in epoch ms). */
  private audit(url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const num = (k: string) => (q.get(k) && Number.isFinite(Number(q.get(k))) ? Number(q.get(k)) : undefined);
    const bed = q.get('bed') || undefined;
    const since = num('since');
    const until = num('until');
    const csv = url.pathname.endsWith('.csv');
    const rows = this.o.backend.audit!({ limit: num('limit') ?? (csv ? 500 : 50), ...(bed ? { bed } : {}), ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) });
    const lines = rows.map((r) => auditLine(r, this.vocabulary));
    if (!csv) return this.json(res, 200, { rows: lines });
    res.writeHead(200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="wardgate-audit.csv"', 'Cache-Control': 'no-store' });
    res.end(auditCsv(lines, (id) => this.beds.get(id)?.label ?? id, this.display.timeZone));
  }

  /** Validates a limits change before the rules see it, and remembers the bed's new settings for the page. */
  private changeLimits(bedId: string, body: Record<string, unknown> | undefined, session: Session): ActionResult {
    const parsed = this.limitsChange.safeParse(body ?? {});
    if (!parsed.success) return { ok: false, error: `limits: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}` };
    const change = parsed.data;
    if (change.profile === undefined && change.overrides === undefined) return { ok: false, error: 'limits: give a profile or overrides' };
    if (change.profile !== undefined && this.o.profiles && !this.o.profiles[change.profile]) return { ok: false, error: `unknown profile ${change.profile}` };
    const r = this.o.backend.setBedLimits(bedId, change, session);
    if (r.ok) {
      const bed = this.beds.get(bedId) ?? { id: bedId, profile: change.profile ?? 'adult' };
      if (change.profile !== undefined) bed.profile = change.profile; // the rules keep the overrides (rules/engine.ts)
      if (change.overrides !== undefined) bed.overrides = change.overrides;
      this.beds.set(bedId, bed);
      this.broadcast({ type: 'setup', setup: this.setup() });
    }
    return r;
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  }

  async stop(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const ws of this.clients) ws.terminate();
    this.clients.clear();
    this.wss?.close();
    await this.https?.stop();
    this.https = undefined;
    const server = this.server;
    this.server = undefined;
    await closeServer(server, this.sockets);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  if (chunks.length === 0) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
