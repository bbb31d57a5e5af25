import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParamName } from '../drivers/core/parameters.js';
import { createRulesEngine } from './engine.js';
import { wardOpArb, type WardOp } from './test-arbitraries.js';
import { obs, seqIds, testConfig } from './test-helpers.js';
import type { AlarmEvent, IncidentEvent, RulesOutput } from './types.js';

const T0 = 1_700_000_000_000;
const BEDS = ['b1', 'b2'] as const;

type Op = WardOp;

const opArb = wardOpArb(BEDS.length);

interface Run {
  alarms: AlarmEvent[];
  incidents: IncidentEvent[];
  observations: { bed: string; param: ParamName; value: number; at: number }[];
  /** For each alarm event, how many observations had been fed when it was emitted. */
  seen: number[];
  active: AlarmEvent[];
}

function run(ops: Op[], finish: boolean): Run {
  const e = createRulesEngine(testConfig({ lifecycle: { escalateAfterSeconds: 30 }, incidents: { rejoinWindowSeconds: 60 } }), { newId: seqIds() });
  const r: Run = { alarms: [], incidents: [], observations: [], seen: [], active: [] };
  const take = (o: RulesOutput): void => {
    r.alarms.push(...o.alarms);
    for (let i = 0; i < o.alarms.length; i++) r.seen.push(r.observations.length);
    r.incidents.push(...o.incidents);
  };
  let t = T0;
  let seq = 0;
  const observe = (b: string, param: ParamName, value: number): void => {
    r.observations.push({ bed: b, param, value, at: t });
    take(e.observe(obs(b, param, value, t, { seq: ++seq })));
  };
  for (const op of ops) {
    t += op.dt;
    switch (op.op) {
      case 'obs':
        observe(BEDS[op.bed] as string, op.param, op.value);
        break;
      case 'tick':
        take(e.tick(t));
        break;
      case 'ack': {
        const list = e.activeAlarms();
        const a = list[op.pick % Math.max(1, list.length)];
        if (a) take(e.acknowledge(a.id, 'staff:prop', t));
        break;
      }
      case 'pause':
        take(e.pauseAudio(BEDS[op.bed] as string, 'staff:prop', t));
        break;
      case 'tech':
        take(e.technical({ bed: BEDS[op.bed] as string, deviceId: 'ox', condition: 'sensor-off', active: op.active, at: t }));
        break;
      case 'fall':
        take(e.deviceEvent(BEDS[op.bed] as string, 'band', 'fall', t));
        break;
    }
  }
  if (finish) {
    // Conditions go away and staff answer everything: every alarm must end.
    t += 1000;
    for (const b of BEDS) {
      observe(b, 'hr', 80);
      observe(b, 'spo2', 97);
      observe(b, 'temp', 37);
      take(e.technical({ bed: b, deviceId: 'ox', condition: 'sensor-off', active: false, at: t }));
    }
    for (const a of e.activeAlarms()) take(e.acknowledge(a.id, 'staff:prop', t));
    take(e.tick(t + 3_600_000));
  }
  r.active = e.activeAlarms();
  return r;
}

function violates(a: AlarmEvent, value: number): boolean {
  return a.condition.endsWith('-high') ? value > (a.limit as number) : value < (a.limit as number);
}

describe('rules engine properties', () => {
  it('no limit alarm rises (or rises in priority) without observations violating that band for the whole delay', () => {
    const delayMs: Record<string, number> = { hr: 0, spo2: 15_000, temp: 0 };
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
        const r = run(ops, false);
        r.alarms.forEach((a, k) => {
          if (a.kind !== 'physiological' || a.param === undefined) return;
          if (a.transition !== 'raised' && !(a.transition === 'escalated' && a.by !== 'timer')) return;
          const mine = r.observations.slice(0, r.seen[k]).filter((o) => o.bed === a.bed && o.param === a.param);
          const latest = mine[mine.length - 1];
          expect(latest, 'an observation precedes the alarm').toBeDefined();
          expect(violates(a, latest?.value as number)).toBe(true);
          if (a.transition === 'raised') {
            const since = a.at - (delayMs[a.param] ?? 0);
            // The value was in violation (of the lowest band) through the delay: the last value before the window
            // and every value inside it.
            const before = mine.filter((o) => o.at <= since).pop();
            const inside = mine.filter((o) => o.at > since);
            for (const o of [before, ...inside]) {
              if (!o) continue;
              const lowest = a.param === 'hr' ? (a.condition === 'hr-high' ? o.value > 120 : o.value < 40) : a.param === 'spo2' ? o.value < 90 : o.value > 39;
              expect(lowest, `value ${o.value} at ${o.at - T0} inside the delay of ${a.condition}@${a.at - T0}`).toBe(true);
            }
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it('event streams are well formed, and every raised alarm ends cleared once conditions end and staff acknowledge', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
        const r = run(ops, true);
        const byId = new Map<string, AlarmEvent[]>();
        for (const a of r.alarms) byId.set(a.id, [...(byId.get(a.id) ?? []), a]);
        for (const [id, evs] of byId) {
          expect(evs[0]?.transition, id).toBe('raised');
          expect(evs.filter((x) => x.transition === 'raised')).toHaveLength(1);
          const clearedAt = evs.findIndex((x) => x.state === 'cleared');
          expect(clearedAt, `${id} ends cleared`).toBe(evs.length - 1);
          for (const x of evs) expect(x.by).toMatch(/^(device:|staff:|timer$|gateway$|rules$)/);
          for (let i = 1; i < evs.length; i++) expect((evs[i] as AlarmEvent).at).toBeGreaterThanOrEqual((evs[i - 1] as AlarmEvent).at);
        }
        expect(r.active).toEqual([]);
        const byInc = new Map<string, IncidentEvent[]>();
        for (const i of r.incidents) byInc.set(i.incidentId, [...(byInc.get(i.incidentId) ?? []), i]);
        for (const [id, evs] of byInc) {
          expect(evs.map((x) => x.incidentSeq), id).toEqual(evs.map((_, k) => k + 1));
          expect(evs[0]?.type).toBe('opened');
          expect(evs.findIndex((x) => x.type === 'closed'), `${id} closes last`).toBe(evs.length - 1);
        }
        for (const a of r.alarms) expect(byInc.has(a.incidentId)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic: the same inputs give the same events', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        expect(run(ops, true)).toEqual(run(ops, true));
      }),
      { numRuns: 50 },
    );
  });
});
