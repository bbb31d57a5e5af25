import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../gateway/store/store.js';
import { Central } from '../../simulator/central/central.js';
import { HttpsUpstream } from '../../sync/https-upstream.js';
import { validateMessage } from '../../sync/json-schema.js';
import { parseDownlink } from '../../sync/wire.js';
import { captureLogger, commitIncidents, makePki, waitFor, type TestPki } from './helpers.js';

const who = { gatewayId: 'gw-https', site: 'site', ward: 'ward', version: 'test' };

interface Seen {
  path: string;
  key: string | undefined;
  answer: string;
  eventIds: string[];
  body: unknown;
}

describe('HTTPS transport against a local mutual-TLS server with 5xx answers and timeouts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-sync-https-'));
  let pki: TestPki;
  let server: Server;
  let central: Central;
  let port = 0;
  const seen: Seen[] = [];
  /** What the next /v1/incidents requests get: '503', 'hang', or 'ok' once the script is used up. */
  const script: Array<'503' | 'hang' | '400'> = [];

  beforeAll(async () => {
    pki = makePki(join(dir, 'pki'));
    central = new Central({ dbPath: join(dir, 'central.db'), username: 'c', password: 'c', assignDelayMs: 10 });
    await central.open();
    const handler = central.httpHandler();
    server = createServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert), ca: readFileSync(pki.ca), requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const body = JSON.parse(text) as { events?: Array<{ eventId: string }> };
        const step = req.url === '/v1/incidents' ? (script.shift() ?? 'ok') : 'ok';
        seen.push({ path: req.url ?? '', key: req.headers['idempotency-key'] as string | undefined, answer: step, eventIds: (body.events ?? []).map((e) => e.eventId), body });
        if (step === '503') return void res.writeHead(503).end('busy');
        if (step === '400') return void res.writeHead(400).end('{"error":"nope"}');
        if (step === 'hang') return; // never answers: the gateway's timeout must fire
        // Hand the same bytes to the reference central's HTTP intake.
        const fake = Object.assign(req, {}) as typeof req;
        handler(Object.assign(Object.create(fake) as typeof req, { url: req.url, on: (ev: string, fn: (x?: Buffer) => void) => {
          if (ev === 'data') fn(Buffer.from(text));
          if (ev === 'end') fn();
          return fake;
        } }), res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await central.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries 5xx and timeouts with the same Idempotency-Key, marks delivered only on 2xx, keeps order, takes downlink from the answer', async () => {
    const store = new Store(join(dir, 'gw'));
    const events = commitIncidents(store, who, 10, 3);
    const { log, lines } = captureLogger();
    const down: unknown[] = [];
    script.push('503', 'hang', '503');
    const u = new HttpsUpstream({
      url: `https://localhost:${port}/`, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, timeoutMs: 300, batchSize: 4, identity: who,
      stamp: () => ({ gatewaySeq: store.lastSeq, wallTime: Date.now(), clockSynced: true }),
      outbox: store.outbox,
      retryMinMs: 50, retryMaxMs: 200, log, onDownlink: (m) => down.push(m), statusPayload: (s) => JSON.stringify({ s }),
    });
    central.admission(who, 'admit', 'bed-1', { id: 'patient-9' }); // queued until the gateway first calls in
    u.start();
    await waitFor(() => seen.filter((s) => s.path === '/v1/incidents' && s.answer !== 'ok').length === 3, 5000, 'the three failures');
    expect(store.outboxStats().depth).toBe(10); // nothing marked before a 2xx
    await waitFor(() => store.outboxStats().depth === 0, 10_000, 'drained');
    const posts = seen.filter((s) => s.path === '/v1/incidents');
    // The first batch was tried four times with one key and the same events; then the other two batches.
    expect(posts.slice(0, 4).map((p) => p.answer)).toEqual(['503', 'hang', '503', 'ok']);
    expect(new Set(posts.slice(0, 4).map((p) => p.key)).size).toBe(1);
    expect(new Set(posts.slice(0, 4).map((p) => p.eventIds.join()))).toHaveProperty('size', 1);
    const delivered = posts.filter((p) => p.answer === 'ok');
    expect(delivered.map((p) => p.eventIds.length)).toEqual([4, 4, 2]);
    expect(new Set(delivered.map((p) => p.key)).size).toBe(3);
    for (const p of posts) expect(validateMessage('incident-batch', p.body)).toEqual([]);
    for (const p of delivered) for (const e of (p.body as { events: unknown[] }).events) expect(validateMessage('incident-event', e)).toEqual([]);
    // Gateway order and per-incident order at the centre.
    expect(central.events().map((e) => `${e.incidentId}#${e.incidentSeq}`)).toEqual(events.map((e) => `${e.incidentId}#${e.incidentSeq}`));
    expect(lines.some((l) => l.msg === 'upstream: server error; batch will be retried' && l.status === 503)).toBe(true);
    // The admission came back in an answer and validates.
    await waitFor(() => down.length > 0, 2000, 'downlink');
    expect(parseDownlink(down[0])).toMatchObject({ action: 'admit', bed: 'bed-1', patient: { id: 'patient-9' } });
    u.publishHeartbeat(JSON.stringify({ schema: 'wardgate/heartbeat' }));
    await waitFor(() => seen.find((s) => s.path === '/v1/heartbeat'), 2000, 'heartbeat POST');
    await u.stop();
    expect(seen.filter((s) => s.path === '/v1/status').length).toBe(2);
    store.close();
  });

  it('a 4xx is logged as an error and retried; the events stay in the outbox until accepted', async () => {
    const store = new Store(join(dir, 'gw2'));
    commitIncidents(store, { ...who, gatewayId: 'gw-https2' }, 2, 1);
    const { log, lines } = captureLogger();
    script.push('400', '400');
    const u = new HttpsUpstream({
      url: `https://localhost:${port}`, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, timeoutMs: 1000, batchSize: 10, identity: { ...who, gatewayId: 'gw-https2' },
      stamp: () => ({ gatewaySeq: store.lastSeq, wallTime: Date.now(), clockSynced: false }),
      outbox: store.outbox,
      retryMinMs: 50, retryMaxMs: 100, log, onDownlink: () => undefined, statusPayload: (s) => JSON.stringify({ s }),
    });
    u.start();
    await waitFor(() => lines.find((l) => l.msg?.toString().startsWith('upstream: batch refused')), 5000, '4xx log');
    await waitFor(() => store.outboxStats().depth === 0, 5000, 'accepted after the 4xx stopped');
    await u.stop();
    store.close();
  });

  it('a client certificate the server does not trust is refused with a clear log line', async () => {
    const store = new Store(join(dir, 'gw3'));
    commitIncidents(store, who, 1, 1);
    const { log, lines } = captureLogger();
    const u = new HttpsUpstream({
      url: `https://localhost:${port}`, ca: pki.ca, cert: pki.rogueCert, key: pki.rogueKey, timeoutMs: 1000, batchSize: 10, identity: who,
      stamp: () => ({ gatewaySeq: store.lastSeq, wallTime: Date.now(), clockSynced: false }),
      outbox: store.outbox,
      retryMinMs: 50, retryMaxMs: 100, log, onDownlink: () => undefined, statusPayload: (s) => JSON.stringify({ s }),
    });
    u.start();
    const line = await waitFor(() => lines.find((l) => l.msg === 'upstream: TLS certificate refused'), 5000, 'refusal');
    expect(line.refusedBy).toBe('server');
    expect(store.outboxStats().depth).toBe(1);
    await u.stop();
    store.close();
  });
});
