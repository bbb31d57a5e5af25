/**
 * Power-loss durability: which SQLite settings are in effect while each kind of write commits.
 *
 * SQLite's own documentation (https://www.sqlite.org/pragma.html#pragma_synchronous and https://www.sqlite.org/wal.html):
 * in WAL mode, synchronous=FULL syncs the WAL at every commit, so a committed transaction survives a power cut;
 * synchronous=NORMAL syncs only at checkpoints, so the last commits before a power cut may roll back (the database
 * stays consistent). The gateway therefore commits alarm transitions, incidents, outbox and audit rows under FULL,
 * and observation groups at NORMAL with the WAL synced (fsync) at least once per commit interval, 1 s (docs/durability.md).
 *
 * The probe wraps the Store's prepared statements and reads `PRAGMA synchronous` (0 OFF, 1 NORMAL, 2 FULL) and
 * whether a transaction is open at the moment each row is written, i.e. the setting its commit will use.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Observation } from '../../drivers/core/observation.js';
import { Store } from '../../gateway/store/store.js';
import type { AlarmEvent, IncidentEvent } from '../../rules/types.js';

const FULL = 2;
const NORMAL = 1;

interface Probe {
  statement: string;
  synchronous: number;
  inTransaction: boolean;
}

/** Wraps every prepared statement of the store so each run() records the pragmas in effect. */
function probeStore(store: Store): Probe[] {
  const seen: Probe[] = [];
  const inner = store as unknown as { st: Record<string, Statement>; marks: { st: Record<string, Statement> } };
  // The store's own statements, and the delivery marks' (gateway/store/outbox-marks.ts) under `marks.`.
  const statements = { ...inner.st, ...Object.fromEntries(Object.entries(inner.marks.st).map(([k, v]) => [`marks.${k}`, v])) };
  for (const [name, st] of Object.entries(statements)) {
    const run = st.run.bind(st);
    (st as { run: Statement['run'] }).run = (...args: unknown[]) => {
      seen.push({ statement: name, synchronous: store.db.pragma('synchronous', { simple: true }) as number, inTransaction: store.db.inTransaction });
      return run(...args);
    };
  }
  return seen;
}

const obs = (store: Store, param: Observation['param'] = 'hr', value = 80): Observation => ({
  gatewayId: 'gw', deviceId: 'd1', bedId: 'b1', source: 'mqtt', param, value, unit: '/min', receivedAt: Date.now(), seq: store.nextSeq(), flags: [],
});

const alarm = (id: string): AlarmEvent => ({
  id, bed: 'b1', condition: 'hr-high', kind: 'physiological', priority: 'high', state: 'active', transition: 'raised',
  audible: true, latched: false, latching: true, escalated: false, raisedAt: 1, at: 2, by: 'rules', incidentId: `inc-${id}`, message: 'HR high',
});

const incident = (id: string): IncidentEvent => ({
  incidentId: id, incidentSeq: 1, type: 'opened', bed: 'b1', condition: 'hr-high', kind: 'physiological', priority: 'high', at: 3, by: 'rules', alarmId: 'a1', vitals: { hr: 150 }, message: 'x',
});

describe('power-loss durability: settings in effect at each kind of commit', () => {
  const dirs: string[] = [];
  const open = () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-durability-'));
    dirs.push(dir);
    return new Store(dir);
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('runs the database in WAL mode', () => {
    const s = open();
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    s.close();
  });

  it('commits alarm events, alarms, incidents, outbox and audit rows inside one transaction under synchronous=FULL', () => {
    const s = open();
    const seen = probeStore(s);
    s.commitAlarmChange([alarm('a1')], [incident('inc-a1')], [{ id: 'e1', kind: 'incident-event', incidentId: 'inc-a1', incidentSeq: 1, createdAt: 5, body: (g) => JSON.stringify({ g }) }], [
      { at: 5, actor: 'n1', action: 'acknowledge', bed: 'b1', detail: {} },
    ]);
    const names = seen.map((p) => p.statement);
    for (const n of ['insertAlarmEvent', 'upsertAlarm', 'upsertIncident', 'insertOutbox', 'insertAudit']) expect(names).toContain(n);
    for (const p of seen) expect(p, p.statement).toMatchObject({ synchronous: FULL, inTransaction: true });
    s.close();
  });

  it('writes an observation that is still queued when an alarm commits under FULL, with the alarm', () => {
    const s = open();
    const seen = probeStore(s);
    s.queueObservation(obs(s, 'hr', 150));
    s.commitAlarmChange([alarm('a2')], [], []);
    const o = seen.find((p) => p.statement === 'insertObs');
    expect(o).toMatchObject({ synchronous: FULL, inTransaction: true });
    expect(s.pendingObservations).toBe(0);
    s.close();
  });

  it('commits observation groups at NORMAL and syncs the WAL to disk (fsync, off the event loop) at least once per commit interval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-durability-'));
    dirs.push(dir);
    const s = new Store(dir, { commitIntervalMs: 200, maxBatch: 5 });
    const seen = probeStore(s);
    // Devices differ, so each observation is a row of its own (one insertObs each).
    const group = () => {
      for (let i = 0; i < 5; i++) s.queueObservation({ ...obs(s), deviceId: `d${i}` });
    };
    group(); // the first group: nothing synced yet, so a sync starts after its commit
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 50));
    expect(s.walSync.count).toBe(1);
    group(); // within the interval: committed, no new sync
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 50));
    expect(s.walSync.count).toBe(1);
    await new Promise((r) => setTimeout(r, 250));
    s.queueObservation(obs(s)); // a group that closes the interval: synced again, covering the one before too
    await new Promise((r) => setTimeout(r, 350));
    expect(s.pendingObservations).toBe(0);
    expect(s.walSync.count).toBe(2);
    const inserts = seen.filter((p) => p.statement === 'insertObs');
    expect(inserts).toHaveLength(11);
    for (const p of inserts) expect(p).toMatchObject({ synchronous: NORMAL, inTransaction: true });
    expect(s.db.pragma('synchronous', { simple: true })).toBe(NORMAL);
    s.close();
  });

  it('a failing observation batch is dropped and reported, never thrown; a failing alarm commit goes back to NORMAL', () => {
    const s = open();
    const errors: string[] = [];
    s.onWriteError = (_err, what) => errors.push(what);
    s.queueObservation(obs(s));
    s.queueObservation({ ...obs(s), seq: s.lastSeq - 1 }); // duplicate primary key: the batch fails
    expect(() => s.flushObservations()).not.toThrow();
    expect(errors).toEqual(['observations']);
    expect(s.failedObservations).toBe(2);
    const dup = { id: 'same', kind: 'k', createdAt: 1, body: () => '{}' };
    expect(() => s.commitAlarmChange([], [], [dup, dup])).toThrow();
    expect(s.db.pragma('synchronous', { simple: true })).toBe(NORMAL);
    s.close();
  });

  it('records device state and writes standalone audit rows under FULL; delivery marks are NORMAL (a lost mark only resends, and the centre de-duplicates)', () => {
    const s = open();
    const seen = probeStore(s);
    const [row] = s.commitAlarmChange([], [incident('inc-b')], [{ id: 'e2', kind: 'incident-event', incidentId: 'inc-b', incidentSeq: 1, createdAt: 5, body: () => '{}' }]);
    s.markDelivered([row!.gwSeq], 10);
    s.audit({ at: 11, actor: 'n1', action: 'login', detail: {} });
    s.recordDeviceState('d1', 'connected', 'test', 12);
    for (const name of ['insertAudit', 'deviceState']) {
      const p = seen.find((x) => x.statement === name);
      expect(p?.synchronous, name).toBe(FULL);
    }
    expect(seen.find((x) => x.statement === 'marks.mark')?.synchronous).toBe(NORMAL);
    expect(s.db.pragma('synchronous', { simple: true })).toBe(NORMAL);
    s.close();
  });

  it('keeps every committed alarm across a reopen of the file (no checkpoint, WAL only)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-durability-'));
    dirs.push(dir);
    const s = new Store(dir);
    s.db.pragma('wal_autocheckpoint = 0');
    for (let i = 0; i < 20; i++) s.commitAlarmChange([alarm(`k${i}`)], [], []);
    // No close(): the process "dies" with the rows only in the WAL.
    const again = new Store(dir);
    expect((again.db.prepare('SELECT COUNT(*) AS n FROM alarm_events').get() as { n: number }).n).toBe(20);
    again.close();
    s.db.close();
  });
});
