import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { observationOf, type Observation, type ObservationMessage, type Reading } from '../../drivers/core/observation.js';
import type { AlarmEvent, IncidentEvent } from '../../rules/types.js';
import { openDatabase, SCHEMA_VERSION } from './database.js';
import { MIGRATIONS } from './migrations.js';
import { OutputOutbox } from './output-outbox.js';
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

  it('writes observations in time-bounded groups and keeps the sequence strictly increasing across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir, { commitIntervalMs: 100 });
    for (let i = 0; i < 5; i++) s.queueObservation(obs(s.nextSeq()));
    expect(s.pendingObservations).toBe(5);
    await new Promise((r) => setTimeout(r, 20));
    expect(s.pendingObservations).toBe(5); // the group is not due yet
    await new Promise((r) => setTimeout(r, 150));
    expect(s.pendingObservations).toBe(0);
    expect((s.db.prepare('SELECT COUNT(*) AS n FROM observation_readings').get() as { n: number }).n).toBe(5);
    // telemetry batches commit at the resting NORMAL
    expect(s.db.pragma('synchronous', { simple: true })).toBe(1);
    const last = s.lastSeq;
    s.close();
    const t = new Store(dir);
    expect(t.nextSeq()).toBe(last + 1);
    t.close();
  });

  it('commits a group early once maxBatch observations are queued, and the last group at close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir, { commitIntervalMs: 60_000, maxBatch: 10 });
    for (let i = 0; i < 10; i++) s.queueObservation(obs(s.nextSeq()));
    await new Promise((r) => setImmediate(r));
    expect(s.pendingObservations).toBe(0);
    for (let i = 0; i < 3; i++) s.queueObservation(obs(s.nextSeq()));
    expect(s.pendingObservations).toBe(3);
    s.close();
    const t = new Store(dir);
    expect((t.db.prepare('SELECT COUNT(*) AS n FROM observation_readings').get() as { n: number }).n).toBe(13);
    t.close();
  });

  it('stores the readings of one message as one row and reads them back as they were', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir);
    const at = 5000;
    const message: Observation[] = [
      { ...obs(s.nextSeq(), { receivedAt: at, sourceTs: 4999.5, sourceSeq: 7 }), param: 'hr', value: 72, unit: '/min' },
      { ...obs(s.nextSeq(), { receivedAt: at, sourceTs: 4999.5, sourceSeq: 7 }), param: 'spo2', value: 97, unit: '%', channel: 'finger', flags: ['questionable'] },
      { ...obs(s.nextSeq(), { receivedAt: at, sourceTs: 4999.5, sourceSeq: 7 }), param: 'temp', value: 36.85, unit: 'Cel', site: 'oral' },
      { ...obs(s.nextSeq(), { receivedAt: at, sourceTs: 4999.5, sourceSeq: 7 }), param: 'tskin', value: 33.1, unit: 'Cel', site: 'skin' },
      { ...obs(s.nextSeq(), { receivedAt: at, sourceTs: 4999.5, sourceSeq: 7 }), param: 'sbp', value: 16, unit: 'kPa' }, // not the canonical unit: kept
    ];
    const other = obs(s.nextSeq(), { receivedAt: at, deviceId: 'd2' });
    for (const o of [...message, other]) s.queueObservation(o);
    s.flushObservations();
    expect((s.db.prepare('SELECT COUNT(*) AS n FROM device_messages').get() as { n: number }).n).toBe(2);
    expect((s.db.prepare('SELECT COUNT(*) AS n FROM observation_readings').get() as { n: number }).n).toBe(6);
    expect(s.recentObservations(0)).toEqual([...message, other].map((o) => ({ ...o, gatewayId: '' })));
    // The view: one row per reading, names and units spelt out, the site of each temperature.
    expect(s.db.prepare('SELECT seq, received_at, source_ts, source_seq, bed, device, source, param, value, unit, channel, flags, site FROM observation_readings ORDER BY seq').all()).toEqual([
      ...message.map((o) => ({
        seq: o.seq, received_at: at, source_ts: 4999.5, source_seq: 7, bed: 'b1', device: 'd1', source: 'mqtt', param: o.param, value: o.value,
        unit: o.param === 'sbp' ? 'kPa' : null, channel: o.channel ?? null, flags: o.flags.length ? o.flags.join(',') : null, site: o.site ?? null,
      })),
      { seq: other.seq, received_at: at, source_ts: null, source_seq: null, bed: 'b1', device: 'd2', source: 'mqtt', param: 'hr', value: other.value, unit: null, channel: null, flags: null, site: null },
    ]);
    const last = s.lastSeq;
    s.close();
    const t = new Store(dir);
    expect(t.nextSeq()).toBe(last + 1);
    t.close();
  });

  it('queues a device message as one record: the same rows and readings as its observations queued one by one', () => {
    const at = 5000;
    const readings: Reading[] = [
      { param: 'hr', value: 72, unit: '/min', sourceTs: 4999, sourceSeq: 7 },
      { param: 'spo2', value: 97, unit: '%', channel: 'finger', flags: ['questionable'], sourceTs: 4999, sourceSeq: 7 },
      { param: 'temp', value: 36.85, unit: 'Cel', site: 'tympanic', sourceTs: 4999, sourceSeq: 7 },
      { param: 'rr', value: 16, unit: '/min', sourceTs: 5001, sourceSeq: 8 }, // another device sample: a row of its own
    ];
    const stores = [new Store(mkdtempSync(join(tmpdir(), 'wg-store-'))), new Store(mkdtempSync(join(tmpdir(), 'wg-store-')))];
    const [byMessage, byObservation] = stores as [Store, Store];
    const m: ObservationMessage = { gatewayId: 'gw', deviceId: 'd1', bedId: 'b1', source: 'mqtt', receivedAt: at, firstSeq: byMessage.nextSeq(), readings };
    for (let k = 1; k < readings.length; k++) byMessage.nextSeq();
    expect(byMessage.queueMessage(m)).toBe(0);
    for (let k = 0; k < readings.length; k++) byObservation.queueObservation({ ...observationOf(m, k), seq: byObservation.nextSeq() });
    for (const s of stores) s.flushObservations();
    const rows = (s: Store) => s.db.prepare('SELECT * FROM device_messages ORDER BY seq').all();
    expect(rows(byMessage)).toHaveLength(2);
    expect(rows(byMessage)).toEqual(rows(byObservation));
    expect(byMessage.recentObservations(0)).toEqual(byObservation.recentObservations(0));
    expect(byMessage.recentObservations(0).map((o) => [o.seq, o.param])).toEqual([[1, 'hr'], [2, 'spo2'], [3, 'temp'], [4, 'rr']]);
    for (const s of stores) s.close();
  });

  it('a group larger than the queue\'s first allocation (rows, readings, several 64-row statements) reads back exactly', () => {
    const s = new Store(mkdtempSync(join(tmpdir(), 'wg-store-')), { commitIntervalMs: 60_000, maxBatch: 100_000 });
    const params = ['hr', 'spo2', 'rr', 'temp', 'sbp', 'dbp'] as const;
    const units = { hr: '/min', spo2: '%', rr: '/min', temp: 'Cel', sbp: 'mm[Hg]', dbp: 'mm[Hg]' } as const;
    const expected: Observation[] = [];
    for (let i = 0; i < 401; i++) {
      const device = `d${i % 3}`;
      const bed = `b${i % 5}`;
      const timed = i % 4 !== 0; // every fourth message has no device time and no device sequence (NULLs)
      const readings: Reading[] = params.map((param, k) => ({
        param, value: k === 3 ? 36 + (i % 10) / 7 : 50 + ((i * 7 + k) % 90), unit: units[param], ...(timed ? { sourceTs: 1_700_000_000_000 + i * 1000 - 0.25, sourceSeq: i } : {}),
      }));
      const m: ObservationMessage = { gatewayId: 'gw', deviceId: device, bedId: bed, source: i % 2 ? 'mqtt' : 'serial', receivedAt: 1_700_000_000_500 + i * 1000, firstSeq: s.nextSeq(), readings };
      for (let k = 1; k < readings.length; k++) s.nextSeq();
      expect(s.queueMessage(m)).toBe(0);
      for (let k = 0; k < readings.length; k++) expected.push({ ...observationOf(m, k), gatewayId: '' });
    }
    expect(s.pendingObservations).toBe(401 * 6);
    s.flushObservations();
    expect(s.pendingObservations).toBe(0);
    expect((s.db.prepare('SELECT COUNT(*) AS n FROM device_messages').get() as { n: number }).n).toBe(401);
    expect(s.recentObservations(0, 10_000)).toEqual(expected);
    // The queue starts afresh after a group: the next message is a row of its own.
    const next: ObservationMessage = { gatewayId: 'gw', deviceId: 'd0', bedId: 'b0', source: 'mqtt', receivedAt: 1, firstSeq: s.nextSeq(), readings: [{ param: 'hr', value: 61, unit: '/min' }] };
    s.queueMessage(next);
    s.flushObservations();
    expect(s.recentObservations(0, 10_000).at(-1)).toEqual({ ...observationOf(next, 0), gatewayId: '' });
    s.close();
  });

  it('an alarm commit never runs the WAL checkpoint; the next observation group does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir, { walCheckpointBytes: 64 * 1024, commitIntervalMs: 60_000 });
    const dbFile = join(dir, 'wardgate.db');
    const walFrames = () => (statSync(`${dbFile}-wal`).size - 32) / (1024 + 24); // header 32 bytes, frames of page + 24
    s.db.pragma('wal_checkpoint(TRUNCATE)');
    const before = statSync(dbFile).size;
    for (let k = 0; walFrames() < 200 && k < 500; k++) {
      const a = { ...alarm(`a${k}`, 'active'), message: 'x'.repeat(2000) };
      s.commitAlarmChange([a], [incident(`i${k}`, 1, 'opened')], []);
    }
    expect(walFrames()).toBeGreaterThanOrEqual(200); // well past the 64-page threshold, not checkpointed
    expect(statSync(dbFile).size).toBe(before); // only a checkpoint writes the database file in WAL mode
    s.queueObservation(obs(s.nextSeq()));
    s.flushObservations();
    expect(statSync(dbFile).size).toBeGreaterThan(before);
    s.close();
  });

  it('sheds the readings of a message past the queue bound, counted', () => {
    const s = new Store(mkdtempSync(join(tmpdir(), 'wg-store-')), { maxPending: 4, commitIntervalMs: 60_000 });
    const readings: Reading[] = [70, 71, 72].map((value) => ({ param: 'hr', value, unit: '/min' }));
    const message = (): ObservationMessage => ({ gatewayId: 'gw', deviceId: 'd1', bedId: 'b1', source: 'mqtt', receivedAt: 1, firstSeq: s.nextSeq(), readings });
    expect(s.queueMessage(message())).toBe(0);
    expect(s.queueMessage(message())).toBe(2);
    expect(s.queueMessage(message())).toBe(3);
    expect(s.pendingObservations).toBe(4);
    expect(s.droppedObservations).toBe(5);
    s.close();
    expect(s.queueMessage(message())).toBe(3); // closed: nothing taken
    expect(s.droppedObservations).toBe(8);
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

  it('prunes expired observations only in large batches', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir, { pruneBatchMs: 10 * 60_000 });
    const minute = 60_000;
    for (let m = 0; m <= 30; m++) {
      s.queueObservation(obs(s.nextSeq(), { receivedAt: m * minute }));
      const r = s.prune(m * minute, 5 * minute);
      // Marks older than the retention span 10 minutes first at minute 16 (marks 0..10: rows of minutes 0..10),
      // then at minute 26 (marks 10..20: rows of minutes 11..20); nothing is deleted in between.
      expect(r.observations).toBe(m === 16 ? 11 : m === 26 ? 10 : 0);
    }
    s.close();
  });

  it('prunes old observations and delivered outbox rows but never undelivered ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir, { pruneBatchMs: 0 });
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
  it('carries a release-5 store (readings with names) into schema 6: old rows read back, new rows compact, one sequence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const raw = new Database(join(dir, 'wardgate.db'));
    for (const m of MIGRATIONS.filter((x) => x.version <= 5)) raw.exec(m.sql);
    raw.pragma('user_version = 5');
    const v5Columns = raw.prepare('SELECT * FROM observation_readings').columns().map((c) => c.name);
    // As release 5 writes them: [param, value] or [param, value, unit, channel, flags].
    raw.prepare('INSERT INTO readings (seq, received_at, source_ts, source_seq, bed, device, source, readings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(1, 1000, 999, 5, 'b1', 'd1', 'mqtt', JSON.stringify([['hr', 72], ['spo2', 95, null, 'finger', 'questionable']]));
    raw.close();
    const s = new Store(dir);
    expect(s.migrated).toEqual([6, 7]);
    // The view keeps every column it had (readers do not change) and adds the site.
    expect(s.db.prepare('SELECT * FROM observation_readings').columns().map((c) => c.name)).toEqual([...v5Columns, 'site']);
    expect(s.nextSeq()).toBe(3);
    s.queueObservation({ ...obs(3), receivedAt: 2000, param: 'tskin', value: 33, unit: 'Cel', site: 'skin' });
    s.flushObservations();
    expect(s.recentObservations(0).map((o) => [o.seq, o.param, o.value, o.channel, o.flags, o.site])).toEqual([
      [1, 'hr', 72, undefined, [], undefined],
      [2, 'spo2', 95, 'finger', ['questionable'], undefined],
      [3, 'tskin', 33, undefined, [], 'skin'],
    ]);
    expect(s.db.prepare('SELECT seq, param, site FROM observation_readings ORDER BY seq').all()).toEqual([
      { seq: 1, param: 'hr', site: null }, { seq: 2, param: 'spo2', site: null }, { seq: 3, param: 'tskin', site: 'skin' },
    ]);
    s.close();
  });

  it('after a rollback the previous release writes readings again; back on this release nothing of it is lost', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir);
    s.queueObservation({ ...obs(s.nextSeq()), receivedAt: 1000 });
    s.close();
    // The previous release opens the store this one migrated (schema 7 > its 5: allowed, additive) and writes as it does.
    const previous = openDatabase(dir, 'wardgate.db', MIGRATIONS.filter((m) => m.version <= 5));
    expect(previous.schemaVersion).toBe(SCHEMA_VERSION);
    // It takes its next sequence from meta, readings, marks and outbox (it does not know device_messages): the
    // sequence this release left in meta at close keeps it from reusing one.
    expect(previous.db.prepare("SELECT value FROM meta WHERE key = 'seq'").get()).toEqual({ value: '1' });
    previous.db.prepare('INSERT INTO readings (seq, received_at, source_ts, source_seq, bed, device, source, readings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(2, 2000, null, null, 'b1', 'd1', 'mqtt', JSON.stringify([['hr', 80], ['rr', 20]]));
    previous.db.close();
    const again = new Store(dir, { pruneBatchMs: 0 });
    expect(again.migrated).toEqual([]);
    expect(again.nextSeq()).toBe(4); // after the previous release's last reading (seq 3)
    again.queueObservation({ ...obs(4), receivedAt: 3000 });
    again.flushObservations();
    expect(again.recentObservations(0).map((o) => [o.seq, o.value])).toEqual([[1, 71], [2, 80], [3, 20], [4, 74]]);
    expect((again.db.prepare('SELECT COUNT(*) AS n FROM observation_readings').get() as { n: number }).n).toBe(4);
    // Retention empties both tables.
    again.prune(5000, 0);
    expect(again.prune(10_000, 1000).observations).toBe(3); // rows: seq 1 and 4 (compact), seq 2-3 (one legacy row)
    expect((again.db.prepare('SELECT COUNT(*) AS n FROM observation_readings').get() as { n: number }).n).toBe(0);
    again.close();
  });

  it('the PCD-01 report reads the temperature site back from the file (after a reopen)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir);
    s.queueObservation({ ...obs(s.nextSeq()), param: 'temp', value: 37.2, unit: 'Cel', site: 'oral' });
    s.queueObservation({ ...obs(s.nextSeq()), deviceId: 'patch', param: 'tskin', value: 33, unit: 'Cel', site: 'skin' });
    s.close();
    const t = new Store(dir);
    expect(new OutputOutbox(t.db).observationsAfter(0).map((o) => [o.device, o.param, o.value, o.site])).toEqual([
      ['d1', 'temp', 37.2, 'oral'],
      ['patch', 'tskin', 33, 'skin'],
    ]);
    t.close();
  });

  it('a group lost with a failed alarm commit does not lose the reading kinds it introduced', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const s = new Store(dir);
    s.queueObservation({ ...obs(s.nextSeq()), param: 'tskin', value: 33, unit: 'Cel', site: 'finger' });
    const msg = { id: 'dup', kind: 'incident-event', createdAt: 1, body: () => '{}' };
    expect(() => s.commitAlarmChange([], [], [msg, msg])).toThrow(); // rolled back, the queued group with it
    s.queueObservation({ ...obs(s.nextSeq()), param: 'tskin', value: 34, unit: 'Cel', site: 'finger' });
    s.flushObservations();
    expect(s.recentObservations(0).map((o) => [o.param, o.value, o.site])).toEqual([['tskin', 34, 'finger']]);
    s.close();
  });


  it('carries observations stored one row per reading (schema 3) into one row per message (schema 5)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const raw = new Database(join(dir, 'wardgate.db'));
    for (const m of MIGRATIONS.filter((x) => x.version <= 3)) raw.exec(m.sql);
    raw.pragma('user_version = 3');
    const ins = raw.prepare('INSERT INTO observations (seq, received_at, source_ts, source_seq, bed, device, source, param, value, unit, channel, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    ins.run(1, 1000, 999, 5, 'b1', 'd1', 'mqtt', 'hr', 72, '/min', null, null);
    ins.run(2, 1000, 999, 5, 'b1', 'd1', 'mqtt', 'spo2', 95, '%', 'finger', 'questionable');
    raw.close();
    const s = new Store(dir);
    expect(s.migrated).toContain(5);
    expect(s.recentObservations(0).map((o) => [o.seq, o.param, o.value, o.unit, o.channel, o.flags])).toEqual([
      [1, 'hr', 72, '/min', undefined, []],
      [2, 'spo2', 95, '%', 'finger', ['questionable']],
    ]);
    expect(s.nextSeq()).toBe(3);
    s.close();
  });

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
