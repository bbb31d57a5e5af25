/**
 * Rules engine throughput: a 30-bed ward replayed through the engine alone (no parsing, no I/O), on one core.
 *   npx tsx bench/rules.ts [hours-of-ward-data, default 2]
 * Each bed has a monitor (hr, spo2, pr, rr at 1 Hz; sbp every 15 min; temp every 5 min) with values that random-walk
 * around normal and cross limits now and then, so alarms rise, escalate, latch and clear during the run. The engine
 * ticks once per second of ward time, as the daemon does. Prints observations per second and the events produced.
 */
import type { ParamName } from '../drivers/core/parameters.js';
import { canonicalUnit } from '../drivers/core/parameters.js';
import { createRulesEngine } from '../rules/engine.js';
import { loadRulesConfig } from '../rules/profiles.js';
import type { Observation } from '../rules/types.js';

const BEDS = 30;
const hours = Number(process.argv[2] ?? 2);
const seconds = Math.round(hours * 3600);
const T0 = Date.UTC(2025, 0, 1);

// Deterministic pseudo-random walk (mulberry32).
let state = 42;
const rand = (): number => {
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const centre: Record<string, number> = { hr: 80, pr: 80, spo2: 96, rr: 16, sbp: 120, temp: 37 };
const spread: Record<string, number> = { hr: 2, pr: 2, spo2: 0.6, rr: 0.6, sbp: 6, temp: 0.05 };
const lo: Record<string, number> = { hr: 30, pr: 30, spo2: 75, rr: 4, sbp: 70, temp: 34 };
const hi: Record<string, number> = { hr: 170, pr: 170, spo2: 100, rr: 40, sbp: 230, temp: 41 };

function build(): { obs: Observation[]; ticks: number[] } {
  const walk = Array.from({ length: BEDS }, () => ({ ...centre }));
  const obs: Observation[] = [];
  const ticks: number[] = [];
  let seq = 0;
  for (let s = 0; s < seconds; s++) {
    const at = T0 + s * 1000;
    ticks.push(obs.length);
    for (let b = 0; b < BEDS; b++) {
      const w = walk[b] as Record<string, number>;
      const params: ParamName[] = ['hr', 'spo2', 'pr', 'rr'];
      if (s % 900 === b % 900) params.push('sbp');
      if (s % 300 === b % 300) params.push('temp');
      for (const p of params) {
        // Mean-reverting walk with rare excursions.
        const c = centre[p] as number;
        let v = (w[p] as number) + (rand() - 0.5) * 2 * (spread[p] as number) + (c - (w[p] as number)) * 0.02;
        if (rand() < 0.0005) v += (rand() < 0.5 ? -1 : 1) * 12 * (spread[p] as number);
        v = Math.min(hi[p] as number, Math.max(lo[p] as number, v));
        w[p] = v;
        const value = p === 'temp' ? Math.round(v * 10) / 10 : Math.round(v);
        obs.push({ gatewayId: 'gw', deviceId: `mon-${b}`, bedId: `bed-${b}`, source: 'replay', receivedAt: at + b * 7, seq: ++seq, param: p, value, unit: canonicalUnit(p), flags: [] });
      }
    }
  }
  return { obs, ticks };
}

const config = loadRulesConfig({
  ward: 'W1',
  beds: Array.from({ length: BEDS }, (_, b) => ({ id: `bed-${b}`, devices: [`mon-${b}`] })),
});

function runOnce(data: { obs: Observation[]; ticks: number[] }): { ms: number; alarms: number; incidents: number } {
  let n = 0;
  const engine = createRulesEngine(config, { newId: () => `id-${++n}` });
  for (let b = 0; b < BEDS; b++) engine.setManualInputs(`bed-${b}`, { acvpu: 'A', o2: false }, 'staff:bench', T0);
  let alarms = 0;
  let incidents = 0;
  const { obs, ticks } = data;
  let nextTick = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < obs.length; i++) {
    if (nextTick < ticks.length && ticks[nextTick] === i) {
      const t = engine.tick(T0 + nextTick * 1000);
      alarms += t.alarms.length;
      incidents += t.incidents.length;
      nextTick++;
    }
    const r = engine.observe(obs[i] as Observation);
    alarms += r.alarms.length;
    incidents += r.incidents.length;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, alarms, incidents };
}

const data = build();
console.log(`rules bench: ${BEDS} beds, ${hours} h of ward time, ${data.obs.length.toLocaleString('en')} observations, ${data.ticks.length.toLocaleString('en')} ticks`);
runOnce(data); // warm-up (JIT)
const runs = [runOnce(data), runOnce(data), runOnce(data)];
const best = runs.reduce((a, b) => (a.ms < b.ms ? a : b));
const perSec = data.obs.length / (best.ms / 1000);
console.log(`events: ${best.alarms} alarm events, ${best.incidents} incident events per run`);
console.log(`times (ms): ${runs.map((r) => r.ms.toFixed(0)).join(', ')}`);
console.log(`throughput: ${Math.round(perSec).toLocaleString('en')} observations/s on one core (best of 3; ${(1e9 / perSec).toFixed(0)} ns per observation)`);
console.log(`target > 500,000 observations/s: ${perSec > 500_000 ? 'met' : 'NOT met'}`);
