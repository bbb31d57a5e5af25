/**
 * Delivery marks in their own table (migration 7): a store of the release before, with delivered and undelivered
 * events, drains exactly the undelivered ones after the upgrade; a rollback sends again only what this release
 * delivered; pruning removes rows and marks together.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import { MIGRATIONS } from './migrations.js';
import { Store } from './store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'wg-marks-'));
  dirs.push(d);
  return d;
};

/** The release before this one: schema 6, marks in outbox.delivered_at. */
const previousRelease = (dir: string) => openDatabase(dir, 'wardgate.db', MIGRATIONS.filter((m) => m.version <= 6));

/** Writes outbox rows as that release does, and marks some delivered as it does. */
function writeAsPrevious(db: Db, seqs: number[], delivered: Record<number, number>): void {
  const insert = db.prepare('INSERT INTO outbox (gw_seq, id, kind, incident_id, incident_seq, created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const s of seqs) insert.run(s, `e${s}`, 'incident-event', 'inc-1', s, 100 + s, JSON.stringify({ eventId: `e${s}` }));
  const mark = db.prepare('UPDATE outbox SET delivered_at = ? WHERE gw_seq = ? AND delivered_at IS NULL');
  for (const [s, at] of Object.entries(delivered)) mark.run(at, Number(s));
}

/** What the previous release would send next (its own query). */
const previousPending = (db: Db): string[] =>
  (db.prepare('SELECT id FROM outbox WHERE delivered_at IS NULL AND gw_seq > 0 ORDER BY gw_seq').all() as Array<{ id: string }>).map((r) => r.id);

const drain = (s: Store, at: number, batch = 2): string[] => {
  const sent: string[] = [];
  for (let rows = s.pendingOutbox(batch); rows.length > 0; rows = s.pendingOutbox(batch, rows.at(-1)!.gwSeq)) {
    sent.push(...rows.map((r) => r.id));
    s.markDelivered(rows.map((r) => r.gwSeq), at);
  }
  return sent;
};

describe('outbox delivery marks (migration 7)', () => {
  it('a store of the previous release with delivered and undelivered events drains exactly the undelivered ones after the upgrade', () => {
    const dir = tmp();
    const old = previousRelease(dir);
    writeAsPrevious(old.db, [1, 2, 3, 4, 5, 6, 7], { 1: 50, 2: 51, 4: 52, 7: 53 });
    old.db.close();

    const s = new Store(dir);
    expect(s.migrated).toEqual([7]);
    expect(s.outboxStats()).toEqual({ depth: 3, oldestCreatedAt: 103 });
    expect(drain(s, 1000)).toEqual(['e3', 'e5', 'e6']);
    expect(s.outboxStats()).toEqual({ depth: 0, oldestCreatedAt: null });
    expect(drain(s, 1001)).toEqual([]);
    // The old marks were carried over; the new ones went only to the narrow table (the old column is untouched).
    expect(s.db.prepare('SELECT gw_seq AS s, delivered_at AS at FROM outbox_delivered ORDER BY gw_seq').all()).toEqual([
      { s: 1, at: 50 }, { s: 2, at: 51 }, { s: 3, at: 1000 }, { s: 4, at: 52 }, { s: 5, at: 1000 }, { s: 6, at: 1000 }, { s: 7, at: 53 },
    ]);
    expect(s.db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL').get()).toEqual({ n: 3 });
    // New events after a full drain are found (the drained sequence moves only over delivered rows).
    s.commitAlarmChange([], [], [{ id: 'new', kind: 'incident-event', createdAt: 2000, body: () => '{}' }]);
    expect(s.pendingOutbox(10, 0).map((r) => r.id)).toEqual(['new']);
    expect(s.outboxStats().depth).toBe(1);
    s.close();
  });

  it('marks out of order: an unmarked row before marked ones is still pending, also after a restart', () => {
    const dir = tmp();
    const s = new Store(dir);
    const ids = ['a', 'b', 'c', 'd'];
    s.commitAlarmChange([], [], ids.map((id) => ({ id, kind: 'incident-event', createdAt: 1, body: () => '{}' })));
    const seqs = s.pendingOutbox(10).map((r) => r.gwSeq);
    s.markDelivered([seqs[0]!, seqs[2]!, seqs[3]!], 5);
    expect(s.pendingOutbox(10).map((r) => r.id)).toEqual(['b']);
    s.markDelivered([seqs[1]!, seqs[1]!], 6);
    s.markDelivered([seqs[0]!], 99); // a second mark keeps the first
    expect(s.pendingOutbox(10)).toEqual([]);
    s.close();
    const again = new Store(dir);
    expect(again.pendingOutbox(10)).toEqual([]);
    expect(again.db.prepare('SELECT delivered_at AS at FROM outbox_deliveries ORDER BY gw_seq').all()).toEqual([{ at: 5 }, { at: 6 }, { at: 5 }, { at: 5 }]);
    again.close();
  });

  it('after a rollback the previous release resends only what this release delivered; back on this release its marks count', () => {
    const dir = tmp();
    const old = previousRelease(dir);
    writeAsPrevious(old.db, [1, 2, 3], { 1: 50 });
    old.db.close();
    const s = new Store(dir);
    expect(drain(s, 1000)).toEqual(['e2', 'e3']);
    s.commitAlarmChange([], [], [{ id: 'e4', kind: 'incident-event', createdAt: 2000, body: () => '{}' }]);
    s.close();

    // Rollback: the previous release opens the store (schema 7 > its 6: additive) and sends what it sees pending.
    const rolledBack = previousRelease(dir);
    expect(rolledBack.migrated).toEqual([]);
    expect(previousPending(rolledBack.db)).toEqual(['e2', 'e3', 'e4']); // e2, e3 again: the centre de-duplicates them
    writeAsPrevious(rolledBack.db, [5], { 2: 3000, 3: 3000, 4: 3000 });
    rolledBack.db.close();

    // Forward again: the previous release's marks count as delivered; only e5 is pending.
    const forward = new Store(dir);
    expect(forward.migrated).toEqual([]);
    expect(forward.nextSeq()).toBe(6);
    expect(drain(forward, 4000)).toEqual(['e5']);
    forward.close();
  });

  it('pruning deletes delivered rows with their marks, in batches, old column marks too, never pending rows', () => {
    const dir = tmp();
    const old = previousRelease(dir);
    writeAsPrevious(old.db, [1, 2], { 1: 10 });
    old.db.close();
    const s = new Store(dir);
    const n = 5003; // more than one prune batch (5000)
    const msgs = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, kind: 'incident-event', createdAt: 1, body: () => '{}' }));
    s.commitAlarmChange([], [], msgs);
    const rows = s.pendingOutbox(n + 10);
    expect(rows).toHaveLength(n + 1);
    s.markDelivered(rows.slice(0, n).map((r) => r.gwSeq), 100); // e2 and n0 .. n5001; n5002 stays pending
    // A mark the previous release left after a rollback, on a row with no mark here.
    s.db.prepare('UPDATE outbox SET delivered_at = 15 WHERE id = ?').run('n5002');
    s.commitAlarmChange([], [], [{ id: 'last', kind: 'incident-event', createdAt: 1, body: () => '{}' }]);

    expect(s.prune(60, 1e12, 40).outbox).toBe(2); // delivered before 20: e1 (old column, copied) and n5002 (old column)
    expect(s.prune(1000, 1e12, 500).outbox).toBe(n); // e2 and n0 .. n5001
    expect(s.db.prepare('SELECT COUNT(*) AS n FROM outbox_delivered').get()).toEqual({ n: 0 });
    expect(s.db.prepare('SELECT id FROM outbox').all()).toEqual([{ id: 'last' }]);
    expect(s.pendingOutbox(10).map((r) => r.id)).toEqual(['last']);
    s.close();
  });
});
