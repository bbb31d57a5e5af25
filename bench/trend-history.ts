/**
 * The screen's trend history after a restart: how long loading the window from the store takes, and the longest the
 * event loop is held by one page (what an alarm could wait behind).
 *   npx tsx bench/trend-history.ts [beds, default 24] [hours, default 8] [messages per bed per second, default 1]
 * Writes that much ward data into a fresh store (one message per bed per interval, six vitals each, a retention mark
 * a minute, as the daemon does), then loads it through the screen's own path (TrendHistory.load on
 * storedTrendReadings) and prints rows, readings, total milliseconds and the slowest page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observation } from '../drivers/core/observation.js';
import { canonicalUnit, type ParamName } from '../drivers/core/parameters.js';
import { TrendHistory, type StoredReadings } from '../gateway/screen/trend-history.js';
import { Store } from '../gateway/store/store.js';
import { storedTrendReadings } from '../gateway/store/trend-readings.js';

const beds = Number(process.argv[2] ?? 24);
const hours = Number(process.argv[3] ?? 8);
const rate = Number(process.argv[4] ?? 1);
const PARAMS: ParamName[] = ['hr', 'spo2', 'rr', 'temp', 'sbp', 'dbp'];
const BASE: Record<string, number> = { hr: 75, spo2: 97, rr: 16, temp: 36.9, sbp: 120, dbp: 75 };

const dir = mkdtempSync(join(tmpdir(), 'wardgate-bench-trends-'));
const store = new Store(dir, { commitIntervalMs: 60_000, maxBatch: 50_000, maxPending: 1_000_000 });
const now = Date.now();
const start = now - hours * 3600_000;
const stepMs = 1000 / rate;
let written = 0;
const t0 = performance.now();
for (let t = start, k = 0; t < now; t += stepMs, k++) {
  for (let b = 0; b < beds; b++) {
    for (const p of PARAMS) {
      const o: Observation = { gatewayId: 'gw', seq: store.nextSeq(), receivedAt: Math.round(t), bedId: `bed-${b}`, deviceId: `dev-${b}`, source: 'mqtt', param: p, value: BASE[p]! + ((k + b) % 7), unit: canonicalUnit(p), flags: [] };
      store.queueObservation(o);
    }
    written += 1;
  }
  if (k % Math.round(60 * rate) === 0) store.prune(Math.round(t), 48 * 3600_000); // a retention mark a minute
  if (store.pendingObservations > 30_000) store.flushObservations();
}
store.flushObservations();
const writeMs = performance.now() - t0;

const cursor = storedTrendReadings(store, now - hours * 3600_000);
let slowest = 0;
let pages = 0;
const pageMs: number[] = [];
const timed: StoredReadings = {
  next: (maxRows, each) => {
    const p0 = performance.now();
    const more = cursor.next(maxRows, each);
    slowest = Math.max(slowest, performance.now() - p0);
    pageMs.push(performance.now() - p0);
    pages += 1;
    return more;
  },
};
const history = new TrendHistory(hours);
const l0 = performance.now();
const readings = await history.load(timed, () => true, () => false);
const loadMs = performance.now() - l0;
const points = history.get('bed-0', now).params.hr?.length ?? 0;
store.close();
rmSync(dir, { recursive: true, force: true });

console.log(`trend history: ${beds} beds x ${hours} h x ${rate} msg/s (${written} rows, ${readings} readings; written in ${(writeMs / 1000).toFixed(1)} s)`);
console.log(`  load ${loadMs.toFixed(0)} ms (${((readings / loadMs) * 1000 / 1e6).toFixed(2)} M readings/s), pages: p99 ${[...pageMs].sort((a, b) => a - b)[Math.floor(pageMs.length * 0.99)]!.toFixed(1)} ms, slowest ${slowest.toFixed(1)} ms, mean ${(loadMs / Math.max(1, pages)).toFixed(1)} ms (${pages} pages), ${points} chart points per parameter`);
