import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { QualityFlag, Reading } from '../drivers/core/observation.js';
import { canonicalUnit, type ParamName } from '../drivers/core/parameters.js';
import { createRulesEngine, type RulesEngine } from './engine.js';
import { seqIds, testConfig } from './test-helpers.js';
import type { RulesOutput } from './types.js';

/**
 * `observeMessage` (what the gateway calls, once per device message) against `observe` called for each reading of
 * the message in turn (what it called before): two engines fed the same inputs must emit the same alarm transitions
 * and the same incident events, each list in the same order, and end in the same state.
 */
const T0 = 1_700_000_000_000;
const BEDS = ['b1', 'b2'] as const;
const DEVICES = ['w1', 'w2'] as const;

const readingArb: fc.Arbitrary<Reading> = fc
  .record({
    param: fc.constantFrom<ParamName>('hr', 'spo2', 'rr', 'temp', 'sbp', 'dbp', 'abp_sys', 'pr'),
    value: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 25, max: 200 }) }, { weight: 1, arbitrary: fc.constant(Number.NaN) }),
    flags: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant<QualityFlag[]>(['questionable']) }, { weight: 1, arbitrary: fc.constant<QualityFlag[]>(['interference']) }),
    sourceSeq: fc.option(fc.nat(1000), { nil: undefined }),
  })
  .map(({ param, value, flags, sourceSeq }) => {
    // Values in each parameter's own range, so limits and NEWS2 bands are crossed both ways.
    const v = param === 'spo2' ? 75 + (value % 26) : param === 'temp' ? 34 + (value % 80) / 10 : param === 'rr' ? 4 + (value % 36) : value;
    const r: Reading = { param, value: Number.isNaN(value) ? value : v, unit: canonicalUnit(param), sourceTs: T0, sourceSeq };
    if (flags) r.flags = flags;
    return r;
  });

type Op =
  | { op: 'msg'; bed: number; device: number; readings: Reading[]; dt: number }
  | { op: 'tick'; dt: number }
  | { op: 'ack'; pick: number; dt: number }
  | { op: 'manual'; bed: number; o2: boolean; dt: number };

const dt = fc.integer({ min: 0, max: 40_000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('msg' as const), bed: fc.nat(BEDS.length - 1), device: fc.nat(DEVICES.length - 1), readings: fc.array(readingArb, { minLength: 1, maxLength: 8 }), dt }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 200_000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('ack' as const), pick: fc.nat(), dt }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('manual' as const), bed: fc.nat(BEDS.length - 1), o2: fc.boolean(), dt }) },
);

const engine = (): RulesEngine =>
  createRulesEngine(
    testConfig({
      news2: { enabled: true },
      technical: { noDataSeconds: 60 },
      lifecycle: { escalateAfterSeconds: 30 },
      incidents: { rejoinWindowSeconds: 60 },
      beds: [{ id: 'b1', profile: 'adult', devices: ['w1'] }],
    }),
    { newId: seqIds() },
  );

describe('observeMessage', () => {
  it('gives the events of observe called for each reading in turn, each list in the same order, and the same state', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const byMessage = engine();
        const byReading = engine();
        const both = (f: (e: RulesEngine) => RulesOutput): void => expect(f(byMessage)).toEqual(f(byReading));
        let t = T0;
        let seq = 0;
        for (const op of ops) {
          t += op.dt;
          switch (op.op) {
            case 'msg': {
              const m = { gatewayId: 'gw', deviceId: DEVICES[op.device] as string, bedId: BEDS[op.bed] as string, source: 'mqtt', receivedAt: t, firstSeq: seq + 1, readings: op.readings };
              seq += op.readings.length;
              const got = byMessage.observeMessage(m);
              const want: RulesOutput = { alarms: [], incidents: [] };
              op.readings.forEach((r, k) => {
                const one = byReading.observe({ ...r, flags: r.flags ?? [], gatewayId: m.gatewayId, deviceId: m.deviceId, bedId: m.bedId, source: m.source, receivedAt: t, seq: m.firstSeq + k });
                want.alarms.push(...one.alarms);
                want.incidents.push(...one.incidents);
              });
              expect(got).toEqual(want);
              break;
            }
            case 'tick':
              both((e) => e.tick(t));
              break;
            case 'ack': {
              const list = byMessage.activeAlarms();
              const a = list[op.pick % Math.max(1, list.length)];
              if (a) both((e) => e.acknowledge(a.id, 'staff:prop', t));
              break;
            }
            case 'manual':
              both((e) => e.setManualInputs(BEDS[op.bed] as string, { o2: op.o2, scale: op.o2 ? 2 : 1 }, 'staff:prop', t));
              break;
          }
        }
        expect(byMessage.activeAlarms()).toEqual(byReading.activeAlarms());
        for (const b of BEDS) expect(byMessage.news2(b, t)).toEqual(byReading.news2(b, t));
      }),
      { numRuns: 300 },
    );
  });
});
