/**
 * The ward input streams the engine's property tests generate (fast-check): observations, ticks, acknowledgements,
 * audio pauses, technical conditions and device events on a few beds, `dt` ms apart. Each test applies an op to
 * the engine itself; beds are indices into the test's own bed list.
 */
import fc from 'fast-check';

/** One step of a stream without NEWS2 inputs. */
export type WardOp =
  | { op: 'obs'; bed: number; param: 'hr' | 'spo2' | 'temp'; value: number; dt: number }
  | { op: 'tick'; dt: number }
  | { op: 'ack'; pick: number; dt: number }
  | { op: 'pause'; bed: number; dt: number }
  | { op: 'tech'; bed: number; active: boolean; dt: number }
  | { op: 'fall'; bed: number; dt: number };

/** One step of a stream with NEWS2 on: also respiration rate, systolic pressure and the manual inputs. */
export type News2WardOp =
  | WardOp
  | { op: 'obs'; bed: number; param: 'rr' | 'sbp'; value: number; dt: number }
  | { op: 'manual'; bed: number; acvpu: 'A' | 'V' | 'U'; o2: boolean; dt: number };

/** How often each kind of step is drawn (fast-check `oneof` weights). */
export interface WardOpWeights {
  hr: number;
  spo2: number;
  temp: number;
  tick: number;
  ack: number;
  pause: number;
  tech: number;
  fall: number;
}

const DEFAULT_WEIGHTS: WardOpWeights = { hr: 6, spo2: 6, temp: 2, tick: 3, ack: 2, pause: 1, tech: 1, fall: 1 };

const dtArb = fc.integer({ min: 0, max: 20_000 });
const bedArb = (beds: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: beds - 1 });

/** Steps on `beds` beds: heart rate 20-200, SpO2 70-100, temperature 35-41, ticks, acks, pauses, sensor-off, falls. */
export function wardOpArb(beds: number, weights: Partial<WardOpWeights> = {}): fc.Arbitrary<WardOp> {
  const w = { ...DEFAULT_WEIGHTS, ...weights };
  const bed = bedArb(beds);
  const dt = dtArb;
  return fc.oneof(
    { weight: w.hr, arbitrary: fc.record({ op: fc.constant('obs' as const), bed, param: fc.constant('hr' as const), value: fc.integer({ min: 20, max: 200 }), dt }) },
    { weight: w.spo2, arbitrary: fc.record({ op: fc.constant('obs' as const), bed, param: fc.constant('spo2' as const), value: fc.integer({ min: 70, max: 100 }), dt }) },
    { weight: w.temp, arbitrary: fc.record({ op: fc.constant('obs' as const), bed, param: fc.constant('temp' as const), value: fc.double({ min: 35, max: 41, noNaN: true }), dt }) },
    { weight: w.tick, arbitrary: fc.record({ op: fc.constant('tick' as const), dt }) },
    { weight: w.ack, arbitrary: fc.record({ op: fc.constant('ack' as const), pick: fc.nat(), dt }) },
    { weight: w.pause, arbitrary: fc.record({ op: fc.constant('pause' as const), bed, dt }) },
    { weight: w.tech, arbitrary: fc.record({ op: fc.constant('tech' as const), bed, active: fc.boolean(), dt }) },
    { weight: w.fall, arbitrary: fc.record({ op: fc.constant('fall' as const), bed, dt }) },
  );
}

/** `base` (weight 8) plus respiration rate 6-30, systolic 80-230 and manual inputs (ACVPU, air or oxygen). */
export function news2WardOpArb(beds: number, base: fc.Arbitrary<WardOp>): fc.Arbitrary<News2WardOp> {
  const bed = bedArb(beds);
  const dt = dtArb;
  return fc.oneof(
    { weight: 8, arbitrary: base as fc.Arbitrary<News2WardOp> },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('obs' as const), bed, param: fc.constant('rr' as const), value: fc.integer({ min: 6, max: 30 }), dt }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('obs' as const), bed, param: fc.constant('sbp' as const), value: fc.integer({ min: 80, max: 230 }), dt }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('manual' as const), bed, acvpu: fc.constantFrom('A' as const, 'A' as const, 'V' as const, 'U' as const), o2: fc.boolean(), dt }) },
  );
}
