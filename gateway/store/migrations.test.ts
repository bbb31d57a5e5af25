/**
 * Expand now, contract a release later: every migration after the baseline only adds, so the previous release runs
 * on a store this one migrated (what a rollback relies on). A contract step must say so (`contract: true`) and then
 * older releases refuse the store instead of failing on a missing column.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AlarmEvent, IncidentEvent } from '../../rules/types.js';
import { openDatabase, SCHEMA_VERSION } from './database.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { Store } from './store.js';

/** Migrations up to this version predate the rule (version 3 dropped two unused indexes). */
const BASELINE = 3;

/** Statements of a migration that are not additive, with the reason; empty when the migration only adds. */
export function nonAdditive(sql: string): string[] {
  const problems: string[] = [];
  const statements = sql
    .replace(/--[^\n]*/g, '')
    .split(';')
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const upperSql = statements.map((st) => st.toUpperCase());
  for (const st of statements) {
    const upper = st.toUpperCase();
    // A read-only view replaced in the same migration (its columns are checked by a test of their own).
    const view = /^DROP VIEW (\S+)$/.exec(upper);
    if (view && upperSql.some((u) => u.startsWith(`CREATE VIEW ${view[1]} `))) continue;
    if (/^ALTER TABLE \S+ ADD (COLUMN )?/.test(upper)) {
      if (/\bNOT NULL\b/.test(upper) && !/\bDEFAULT\b/.test(upper)) problems.push(`${st}: NOT NULL without DEFAULT breaks the previous release's INSERTs`);
    } else if (/^CREATE (TABLE|(UNIQUE )?INDEX|VIEW|TRIGGER)\b/.test(upper) || /^(INSERT|DROP INDEX)\b/.test(upper)) {
      // adds, or backfills, or drops an index (the previous release's queries still work without it)
    } else {
      problems.push(`${st}: not additive (drop, rename or rewrite); mark the migration contract: true`);
    }
  }
  return problems;
}

const alarm = (id: string): AlarmEvent => ({
  id, bed: 'b1', condition: 'hr-high', kind: 'physiological', priority: 'high', state: 'active', transition: 'raised',
  audible: true, latched: false, latching: true, escalated: false, raisedAt: 1, at: 2, by: 'rules', incidentId: `inc-${id}`, message: 'HR high',
});
const incident = (id: string): IncidentEvent => ({
  incidentId: id, incidentSeq: 1, type: 'opened', bed: 'b1', condition: 'hr-high', kind: 'physiological', priority: 'high', at: 3, by: 'rules', alarmId: 'a1', vitals: { hr: 150 }, message: 'x',
});

describe('migrations are additive', () => {
  it('every shipped migration after the baseline only adds, unless marked contract', () => {
    for (const m of MIGRATIONS.filter((x) => x.version > BASELINE && !x.contract)) {
      expect(nonAdditive(m.sql), `migration ${m.version} ${m.name}`).toEqual([]);
    }
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('a migration that replaces a view keeps every column the view had, in order', () => {
    for (const m of MIGRATIONS.filter((x) => x.version > BASELINE)) {
      const views = [...m.sql.matchAll(/DROP VIEW (\w+)/gi)].map((v) => v[1]!);
      if (views.length === 0) continue;
      const dir = mkdtempSync(join(tmpdir(), 'wg-view-'));
      const before = openDatabase(dir, 'wardgate.db', MIGRATIONS.filter((x) => x.version < m.version));
      const columns = (db: typeof before.db, view: string) => db.prepare(`SELECT * FROM ${view}`).columns().map((c) => c.name);
      const old = Object.fromEntries(views.map((v) => [v, columns(before.db, v)]));
      before.db.close();
      const after = openDatabase(dir, 'wardgate.db', MIGRATIONS.filter((x) => x.version <= m.version));
      for (const v of views) expect(columns(after.db, v).slice(0, old[v]!.length), `${v} in migration ${m.version}`).toEqual(old[v]);
      after.db.close();
    }
  });

  it('the check itself flags drops, renames and NOT NULL columns without a default', () => {
    expect(nonAdditive('ALTER TABLE alarms DROP COLUMN body')).toHaveLength(1);
    expect(nonAdditive('ALTER TABLE alarms RENAME COLUMN body TO payload')).toHaveLength(1);
    expect(nonAdditive('DROP TABLE audit')).toHaveLength(1);
    expect(nonAdditive('ALTER TABLE alarms ADD COLUMN site TEXT NOT NULL')).toHaveLength(1);
    expect(nonAdditive(`ALTER TABLE alarms ADD COLUMN site TEXT NOT NULL DEFAULT ''; CREATE TABLE x (a INT); -- note`)).toEqual([]);
    expect(nonAdditive('DROP VIEW observation_readings')).toHaveLength(1);
    expect(nonAdditive('DROP VIEW observation_readings; CREATE VIEW observation_readings AS SELECT 1 AS a')).toEqual([]);
  });

  it('this release runs on a store the next release migrated additively, and keeps writing alarms', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-migrate-'));
    const next: Migration = {
      version: SCHEMA_VERSION + 1,
      name: 'next-release-adds',
      sql: `ALTER TABLE incidents ADD COLUMN ward_zone TEXT NOT NULL DEFAULT ''; CREATE TABLE handovers (id TEXT PRIMARY KEY, at INTEGER NOT NULL);`,
    };
    expect(nonAdditive(next.sql)).toEqual([]);
    const newer = openDatabase(dir, 'wardgate.db', [...MIGRATIONS, next]);
    expect(newer.schemaVersion).toBe(SCHEMA_VERSION + 1);
    newer.db.close();

    const rolledBack = new Store(dir);
    expect(rolledBack.schemaVersion).toBe(SCHEMA_VERSION + 1);
    expect(rolledBack.migrated).toEqual([]);
    rolledBack.commitAlarmChange([alarm('a1')], [incident('inc-a1')], [
      { id: 'e1', kind: 'incident-event', incidentId: 'inc-a1', incidentSeq: 1, createdAt: 5, body: (g) => JSON.stringify({ g }) },
    ]);
    expect(rolledBack.openIncidents().map((i) => i.incidentId)).toEqual(['inc-a1']);
    rolledBack.close();

    // And the newer release, started again after the rollback, sees what was written meanwhile.
    const again = openDatabase(dir, 'wardgate.db', [...MIGRATIONS, next]);
    expect(again.migrated).toEqual([]);
    expect(again.db.prepare(`SELECT id, ward_zone AS zone FROM incidents`).all()).toEqual([{ id: 'inc-a1', zone: '' }]);
    again.db.close();
  });

  it('a contract migration makes this release refuse the store with a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-migrate-'));
    const contract: Migration = { version: SCHEMA_VERSION + 1, name: 'drop-old', sql: 'DROP TABLE device_state', contract: true };
    openDatabase(dir, 'wardgate.db', [...MIGRATIONS, contract]).db.close();
    expect(() => new Store(dir)).toThrow(new RegExp(`needs a release that knows schema ${SCHEMA_VERSION + 1} or later; refusing to downgrade`));
  });
});

describe('order by commit, never by wall time', () => {
  it('open alarms and incidents come back in commit order even when the wall clock went backwards between them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-order-'));
    const s = new Store(dir);
    // Raised before NTP fixed the clock (a Pi boots at its last shutdown time, here 2027), then after (2026).
    const first = { ...alarm('first'), raisedAt: Date.UTC(2027, 0, 1), at: Date.UTC(2027, 0, 1) };
    const second = { ...alarm('second'), raisedAt: Date.UTC(2026, 0, 1), at: Date.UTC(2026, 0, 1) };
    s.commitAlarmChange([first], [{ ...incident('inc-first'), at: first.at }], []);
    s.commitAlarmChange([second], [{ ...incident('inc-second'), at: second.at }], []);
    s.commitAlarmChange([{ ...first, state: 'acknowledged', transition: 'acknowledged', at: second.at + 1 }], [], []);
    expect(s.openAlarms().map((a) => a.id)).toEqual(['first', 'second']);
    expect(s.openIncidents().map((i) => i.incidentId)).toEqual(['inc-first', 'inc-second']);
    s.close();
  });
});
