import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from './store.js';
import { commitIncidents } from '../../test/sync/helpers.js';
import { enforceDiskBudget, usedBytes } from './disk-budget.js';

const who = { gatewayId: 'gw', site: 's', ward: 'w', version: 't' };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function filledStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-budget-'));
  dirs.push(dir);
  const store = new Store(dir);
  for (let i = 0; i < 20_000; i++) {
    store.queueObservation({ param: 'hr', value: 70 + (i % 30), unit: '/min', flags: [], gatewayId: 'gw', deviceId: 'd1', bedId: 'b1', source: 'mqtt', receivedAt: 1000 + i, seq: store.nextSeq() });
  }
  store.flushObservations();
  commitIncidents(store, who, 300, 10);
  const delivered = store.pendingOutbox(200).map((r) => r.gwSeq);
  store.markDelivered(delivered, 1); // 200 delivered long ago, 100 still waiting
  return store;
}

describe('disk budget', () => {
  it('prunes delivered events, then the oldest observations, never undelivered incidents', () => {
    const store = filledStore();
    const before = usedBytes(store.db, store.path);
    const r = enforceDiskBudget(store.db, store.path, Date.now(), { budgetBytes: Math.floor(before * 0.6) });
    expect(r.prunedDelivered).toBe(200);
    expect(r.prunedObservations).toBeGreaterThan(0);
    expect(r.undelivered).toBe(100);
    expect(store.outboxStats().depth).toBe(100);
    const oldest = (store.db.prepare('SELECT MIN(received_at) AS m FROM observation_readings').get() as { m: number | null }).m;
    expect(oldest === null || oldest > 1000).toBe(true); // oldest went first
    expect(r.usedBytes).toBeLessThan(before);
    store.close();
  });

  it('when undelivered incidents alone exceed the budget it reports over and keeps them all', () => {
    const store = filledStore();
    const r = enforceDiskBudget(store.db, store.path, Date.now(), { budgetBytes: 4096 });
    expect(r.level).toBe('over');
    expect(r.undelivered).toBe(100);
    expect(store.outboxStats().depth).toBe(100);
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM observation_readings').get() as { n: number }).n).toBe(0);
    store.close();
  });

  it('within the budget it prunes nothing and reports ok', () => {
    const store = filledStore();
    const r = enforceDiskBudget(store.db, store.path, Date.now(), { budgetBytes: 500 * 1024 * 1024 });
    expect(r).toMatchObject({ level: 'ok', prunedDelivered: 0, prunedObservations: 0, belowTarget: true });
    store.close();
  });
});
