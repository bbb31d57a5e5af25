import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics/registry.js';
import { createHealthEndpoints, type HealthEndpointsOptions } from './endpoints.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(options: HealthEndpointsOptions): Promise<string> {
  const handle = createHealthEndpoints(options);
  server = createServer((req, res) => {
    void handle(req, res).then((handled) => {
      if (!handled) res.writeHead(200, { 'Content-Type': 'text/plain' }).end('screen');
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe('health endpoints over real HTTP', () => {
  it('/healthz answers 200 with version and uptime; other paths fall through to the screen', async () => {
    let t = 1_000_000;
    const base = await serve({ checks: {}, version: '0.1.0', now: () => t });
    t += 61_000;
    const r = await fetch(`${base}/healthz`);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(await r.json()).toEqual({ status: 'ok', version: '0.1.0', uptimeSeconds: 61 });
    expect(await (await fetch(`${base}/`)).text()).toBe('screen');
    expect(await (await fetch(`${base}/healthzz`)).text()).toBe('screen');
  });

  it('/healthz reports the release schema and the open store schema (newer after a rollback)', async () => {
    let store: number | undefined = 5;
    const base = await serve({ checks: {}, version: '0.2.0', schema: { release: 4, store: () => store }, now: () => 0 });
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok', version: '0.2.0', schemaVersion: 4, storeSchemaVersion: 5, uptimeSeconds: 0 });
    store = undefined;
    expect(await (await fetch(`${base}/healthz`)).json()).toMatchObject({ schemaVersion: 4, storeSchemaVersion: null });
  });

  it('/readyz stays 200 with degraded parts and lists them in the body', async () => {
    let degraded = [{ family: 'ble', detail: 'D-Bus system bus unreachable' }];
    const base = await serve({ checks: { store: () => ({ ok: true }) }, degraded: () => degraded });
    const r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ready', checks: { store: { ok: true } }, degraded: [{ family: 'ble', detail: 'D-Bus system bus unreachable' }] });
    degraded = [];
    expect(((await (await fetch(`${base}/readyz`)).json()) as { degraded: unknown[] }).degraded).toEqual([]);
  });

  it('/readyz is 200 only when every check passes, and names the failing ones', async () => {
    let brokerUp = true;
    const base = await serve({
      checkTimeoutMs: 200,
      checks: {
        store: () => ({ ok: true, detail: 'open' }),
        broker: async () => ({ ok: brokerUp, detail: brokerUp ? 'listening' : 'not listening' }),
        drivers: () => ({ ok: true }),
      },
    });
    const ok = await fetch(`${base}/readyz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      status: 'ready',
      checks: { store: { ok: true, detail: 'open' }, broker: { ok: true, detail: 'listening' }, drivers: { ok: true } },
    });
    brokerUp = false;
    const down = await fetch(`${base}/readyz`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { checks: Record<string, unknown> }).checks.broker).toEqual({
      ok: false,
      detail: 'not listening',
    });
  });

  it('/readyz counts a throwing or hanging check as failed instead of hanging itself', async () => {
    const base = await serve({
      checkTimeoutMs: 150,
      checks: {
        store: () => {
          throw new Error('database is locked');
        },
        sync: () => new Promise(() => {}),
      },
    });
    const started = Date.now();
    const r = await fetch(`${base}/readyz`);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({
      status: 'not-ready',
      checks: {
        store: { ok: false, detail: 'check failed: database is locked' },
        sync: { ok: false, detail: 'no answer within 150 ms' },
      },
    });
  });

  it('/metrics serves the registry with the Prometheus content type; HEAD has no body; POST is refused', async () => {
    const metrics = createMetrics({ version: '0.1.0', defaultMetrics: false });
    metrics.recordDecodeError('ihe-pcd01');
    const base = await serve({ checks: {}, metrics });
    const r = await fetch(`${base}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe(metrics.contentType);
    expect(await r.text()).toContain('wardgate_decode_errors_total{codec="ihe-pcd01"} 1\n');
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${base}/readyz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('/metrics is 404 when no registry is wired', async () => {
    const base = await serve({ checks: {} });
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
  });
});
