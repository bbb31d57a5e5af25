import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Observation } from '../../drivers/core/observation.js';
import { canonicalUnit, type ParamName } from '../../drivers/core/parameters.js';
import { Store } from './store.js';
import { storedTrendReadings } from './trend-readings.js';

const T0 = 1_767_225_600_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-trend-readings-'));
  dirs.push(dir);
  return new Store(dir, { commitIntervalMs: 60_000 });
}

/** One device message: its readings share the receipt time and get consecutive sequences (one stored row). */
function message(s: Store, bed: string, at: number, values: Partial<Record<ParamName, number>>): void {
  for (const [param, value] of Object.entries(values)) {
    const o: Observation = { gatewayId: 'gw', seq: s.nextSeq(), receivedAt: at, bedId: bed, deviceId: `dev-${bed}`, source: 'mqtt', param: param as ParamName, value: value!, unit: canonicalUnit(param as ParamName), flags: [] };
    s.queueObservation(o);
  }
}

describe('stored readings for the trend charts', () => {
  it('reads every reading since a time, oldest first, in pages, up to what was stored when the cursor was made', () => {
    const s = store();
    for (let i = 0; i < 50; i++) {
      message(s, i % 2 ? 'b2' : 'b1', T0 + i * 1000, { hr: 60 + i, spo2: 95 });
      // retention records a mark (time, last sequence) every minute; the cursor starts at the newest one before `since`
      if (i === 10) s.prune(T0 + 10_000, 24 * 3600_000);
    }
    const cursor = storedTrendReadings(s, T0 + 20_000); // queued readings are written first
    message(s, 'b1', T0 + 60_000, { hr: 200 }); // after the cursor: the screen has it live
    s.flushObservations();
    const got: Array<[string, string, number, number]> = [];
    let pages = 0;
    for (let more = true; more; pages++) more = cursor.next(7, (bed, param, value, at) => got.push([bed, param, value, at]));
    expect(got).toHaveLength(30 * 2);
    expect(got[0]).toEqual(['b1', 'hr', 80, T0 + 20_000]);
    expect(got[1]).toEqual(['b1', 'spo2', 95, T0 + 20_000]);
    expect(got.at(-2)).toEqual(['b2', 'hr', 109, T0 + 49_000]);
    expect(got.some(([, , v]) => v === 200)).toBe(false);
    expect(got.map(([, , , at]) => at)).toEqual([...got.map(([, , , at]) => at)].sort((a, b) => a - b));
    expect(pages).toBe(6); // 40 rows from the mark's, 7 per page
    expect(cursor.readings).toBe(60);
    s.close();
  });

  it('merges rows the previous release wrote (table readings, after a rollback) with compact rows, in sequence order', () => {
    const s = store();
    message(s, 'b1', T0, { hr: 61, spo2: 95 }); // seq 1-2, compact
    s.flushObservations();
    const legacySeq = s.nextSeq(); // the previous release, run after a rollback, wrote seq 3-4
    s.nextSeq();
    s.db.prepare('INSERT INTO readings (seq, received_at, source_ts, source_seq, bed, device, source, readings) VALUES (?, ?, NULL, NULL, ?, ?, ?, ?)')
      .run(legacySeq, T0 + 1000, 'b1', 'dev-b1', 'mqtt', JSON.stringify([['hr', 62], ['spo2', 96]]));
    message(s, 'b1', T0 + 2000, { hr: 63 }); // seq 5, compact again
    const cursor = storedTrendReadings(s, T0);
    const got: number[] = [];
    while (cursor.next(1, (_bed, param, value) => param === 'hr' && got.push(value)));
    expect(got).toEqual([61, 62, 63]);
    expect(cursor.readings).toBe(5);
    s.close();
  });

  it('an empty store reads nothing', () => {
    const s = store();
    const cursor = storedTrendReadings(s, T0);
    expect(cursor.next(100, () => expect.unreachable())).toBe(false);
    s.close();
  });
});
