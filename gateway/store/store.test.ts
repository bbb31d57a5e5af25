import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../drivers/core/observation.js';
import type { AlarmEvent, IncidentEvent } from '../../rules/types.js';
import { MIGRATIONS } from './migrations.js';
import { Store } from './store.js';

const obs = (seq: number, extra: Partial<Observation> = {}): Observation => ({
  gatewayId: 'gw', deviceId: 'd1', bedId: 'b1', source: 'mqtt', param: 'hr', value: 70 + seq, unit: '/min', receivedAt: 1000 + seq, seq, flags: [], ...extra,
});

const alarm = (id: string, state: AlarmEvent['state']): AlarmEvent => ({
  id, bed: 'b1', condition: 'hr-high', kind: 'physiological', priority: 'high', state, transition: state === 'cleared' ? 'cleared' : 'raised',
  audible: state === 'active', latched: false, latching: true, escalated: false, raisedAt: 1, at: 2, by: 'rules', incidentId: `inc-${id}`, message: 'HR high',
});

const incident = (id: string, seq: number, type: IncidentEvent['type']): IncidentEvent => ({
  incidentId: id, incidentSeq: seq, type, bed: 'b1', condition: 'hr-high', kind: 'physiological', priority: 'high', at: 3, by: 'rules', alarmId: 'a1', vitals: { hr: 150 }, message: 'x',
});

describe('store', () => {
  it('opens in WAL, resting at synchronous=NORMAL (alarm commits raise it to FULL), and migrates forward', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir);
    const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    expect(s.migrated).toEqual(MIGRATIONS.map((m) => m.version));
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL at rest
    expect(s.db.pragma('user_version', { simple: true })).toBe(latest);
    s.close();
    const again = new Store(dir);
    expect(again.migrated).toEqual([]);
    again.close();
  });

  it('writes observations batched per event-loop turn and keeps the sequence strictly increasing across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir);
    for (let i = 0; i < 5; i++) s.queueObservation(obs(s.nextSeq()));
    expect(s.pendingObservations).toBe(5);
    await new Promise((r) => setImmediate(r));
    expect(s.pendingObservations).toBe(0);
    expect((s.db.prepare('SELECT COUNT(*) AS n FROM observations').get() as { n: number }).n).toBe(5);
    // telemetry batches commit at the resting NORMAL
    expect(s.db.pragma('synchronous', { simple: true })).toBe(1);
    const last = s.lastSeq;
    s.close();
    const t = new Store(dir);
    expect(t.nextSeq()).toBe(last + 1);
    t.close();
  });

  it('commits alarms, incidents, outbox and pending observations in one transaction', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir);
    s.queueObservation(obs(s.nextSeq()));
    const rows = s.commitAlarmChange([alarm('a1', 'active')], [incident('inc-a1', 1, 'opened')], [
      { id: 'e1', kind: 'incident-event', incidentId: 'inc-a1', incidentSeq: 1, createdAt: 5, body: (g) => JSON.stringify({ g }) },
    ]);
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.body)).toEqual({ g: rows[0]!.gwSeq });
    expect(rows[0]!.gwSeq).toBeGreaterThan(1);
    expect(s.pendingObservations).toBe(0);
    expect(s.openAlarms().map((a) => a.id)).toEqual(['a1']);
    expect(s.openIncidents().map((i) => i.incidentId)).toEqual(['inc-a1']);
    expect(s.pendingOutbox(10).map((r) => r.id)).toEqual(['e1']);
    s.markDelivered([rows[0]!.gwSeq], 10);
    expect(s.pendingOutbox(10)).toEqual([]);
    expect(s.outboxStats().depth).toBe(0);
    s.commitAlarmChange([alarm('a1', 'cleared')], [incident('inc-a1', 2, 'closed')], []);
    expect(s.openAlarms()).toEqual([]);
    expect(s.openIncidents()).toEqual([]);
    s.close();
  });

  it('rolls back everything when any part of an alarm change fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir);
    const msg = { id: 'dup', kind: 'incident-event', createdAt: 1, body: () => '{}' };
    expect(() => s.commitAlarmChange([alarm('a2', 'active')], [], [msg, msg])).toThrow();
    expect(s.openAlarms()).toEqual([]);
    expect(s.pendingOutbox(10)).toEqual([]);
    s.close();
  });

  it('prunes old observations and delivered outbox rows but never undelivered ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir);
    s.queueObservation(obs(s.nextSeq(), { receivedAt: 10 }));
    s.flushObservations();
    expect(s.prune(100, 1000, 1000).observations).toBe(0); // marks (100, seq 1); nothing is older than 1 s yet
    s.queueObservation(obs(s.nextSeq(), { receivedAt: 10_000_000 }));
    s.flushObservations();
    const [a, b] = s.commitAlarmChange([], [], [
      { id: 'old-delivered', kind: 'k', createdAt: 1, body: () => '{}' },
      { id: 'old-pending', kind: 'k', createdAt: 1, body: () => '{}' },
    ]);
    s.markDelivered([a!.gwSeq], 1);
    const r = s.prune(10_000_000, 1000, 1000);
    expect(r).toEqual({ observations: 1, outbox: 1 });
    expect(s.pendingOutbox(10).map((x) => x.id)).toEqual(['old-pending']);
    expect(b).toBeDefined();
    s.close();
  });

  it('refuses a database a newer wardgate contracted (min_reader_schema above ours)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    new Store(dir).close();
    const raw = new Database(join(dir, 'wardgate.db'));
    raw.pragma('user_version = 99');
    raw.prepare("INSERT INTO meta (key, value) VALUES ('min_reader_schema', '99')").run();
    raw.close();
    expect(() => new Store(dir)).toThrow(/newer than this wardgate/);
  });
});

describe('store migrations', () => {
  it('backs up an existing database before migrating it forward', async () => {
    const { openDatabase } = await import('./database.js');
    const { existsSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const raw = new Database(join(dir, 'wardgate.db'));
    raw.exec(MIGRATIONS[0]!.sql);
    raw.pragma('user_version = 1');
    raw.prepare("INSERT INTO meta (key, value) VALUES ('seq', '41')").run();
    raw.close();
    const opened = openDatabase(dir);
    const later = MIGRATIONS.filter((m) => m.version > 1).map((m) => m.version);
    expect(opened.migrated).toEqual(later);
    if (later.length > 0) {
      expect(opened.backupPath).toBeDefined();
      expect(existsSync(opened.backupPath!)).toBe(true);
      const backup = new Database(opened.backupPath!, { readonly: true });
      expect(backup.pragma('user_version', { simple: true })).toBe(1);
      backup.close();
    }
    expect((opened.db.prepare("SELECT value FROM meta WHERE key = 'seq'").get() as { value: string }).value).toBe('41');
    opened.db.close();
  });
});
