/**
 * /healthz, /readyz and /metrics as one request handler that the gateway's HTTP server (the screen's port) calls
 * first; it answers only those three paths and returns false for everything else.
 * - /healthz: 200 whenever the event loop can answer (liveness; the systemd watchdog is the hard backstop), with the
 *   version and the schema versions (this release's and the store's).
 * - /readyz: 200 when every readiness check passes, else 503; the JSON body names each check's state and the
 *   degraded parts (a driver family that cannot run degrades the gateway without making it unready).
 * - /metrics: the Prometheus exposition text.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface CheckStatus {
  ok: boolean;
  /** Short human-readable state, e.g. "listening on 1883" or "3 of 4 devices connected". */
  detail?: string;
}
export type ReadinessCheck = () => CheckStatus | Promise<CheckStatus>;

export interface HealthEndpointsOptions {
  /** Named readiness checks, e.g. store, broker, drivers, sync. */
  checks: Record<string, ReadinessCheck>;
  metrics?: { scrape(): Promise<string>; readonly contentType: string };
  version?: string;
  /**
   * Schema versions on /healthz: `release` is the newest this build knows; `store()` is the open store's, which is
   * newer after a rollback to this release (migrations are additive, so that is fine; see gateway/store/migrations.ts).
   */
  schema?: { release: number; store: () => number | undefined };
  /** A check slower than this counts as failed. Default 1000 ms. */
  checkTimeoutMs?: number;
  now?: () => number;
  /** Parts that do not work while the gateway stays ready (a driver family): listed in /readyz's body. */
  degraded?: () => { family: string; detail: string }[];
}

export type HealthHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckStatus>;
}

export async function runChecks(checks: Record<string, ReadinessCheck>, timeoutMs = 1000): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckStatus]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<CheckStatus>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
      });
      try {
        const status = await Promise.race([Promise.resolve().then(check), timeout]);
        return [name, { ok: status.ok === true, ...(status.detail !== undefined ? { detail: status.detail } : {}) }];
      } catch (err) {
        return [name, { ok: false, detail: `check failed: ${err instanceof Error ? err.message : String(err)}` }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const result = Object.fromEntries(entries);
  return { ready: entries.every(([, s]) => s.ok), checks: result };
}

export function createHealthEndpoints(options: HealthEndpointsOptions): HealthHandler {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const send = (res: ServerResponse, status: number, type: string, body: string, head: boolean) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
    res.end(head ? undefined : body);
  };
  const json = 'application/json; charset=utf-8';

  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/healthz' && path !== '/readyz' && path !== '/metrics') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, json, JSON.stringify({ error: 'method not allowed' }), false);
      return true;
    }
    const head = req.method === 'HEAD';
    if (path === '/healthz') {
      const schema = options.schema ? { schemaVersion: options.schema.release, storeSchemaVersion: options.schema.store() ?? null } : {};
      const body = { status: 'ok', version: options.version, ...schema, uptimeSeconds: Math.round((now() - startedAt) / 1000) };
      send(res, 200, json, JSON.stringify(body), head);
    } else if (path === '/readyz') {
      const report = await runChecks(options.checks, options.checkTimeoutMs);
      const body = { status: report.ready ? 'ready' : 'not-ready', checks: report.checks, ...(options.degraded ? { degraded: options.degraded() } : {}) };
      send(res, report.ready ? 200 : 503, json, JSON.stringify(body), head);
    } else if (!options.metrics) {
      send(res, 404, json, JSON.stringify({ error: 'metrics disabled' }), head);
    } else {
      try {
        send(res, 200, options.metrics.contentType, await options.metrics.scrape(), head);
      } catch (err) {
        send(res, 500, json, JSON.stringify({ error: `scrape failed: ${err instanceof Error ? err.message : String(err)}` }), head);
      }
    }
    return true;
  };
}
