import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEventPayload, decodeVitalsPayload } from './payload.js';

const NOW = 1_790_000_000_000;

describe('vitals JSON payload (the wearables contract)', () => {
  it('decodes any subset of vitals with t and seq', () => {
    const r = decodeVitalsPayload(JSON.stringify({ t: 1700000000000, seq: 7, hr: 72, spo2: 97, rr: 16, temp: 36.8, sbp: 120, dbp: 80 }), NOW);
    expect(r.error).toBeUndefined();
    expect(r.items).toHaveLength(6);
    expect(r.items[0]).toEqual({ kind: 'reading', param: 'hr', value: 72, unit: '/min', sourceTs: 1700000000000, sourceSeq: 7 });
    expect(r.items.find((i) => i.kind === 'reading' && i.param === 'temp')).toMatchObject({ value: 36.8, unit: 'Cel' });
    expect(r.items.find((i) => i.kind === 'reading' && i.param === 'sbp')).toMatchObject({ unit: 'mm[Hg]' });
    expect(decodeVitalsPayload('{"spo2":91}', NOW).items).toEqual([{ kind: 'reading', param: 'spo2', value: 91, unit: '%', sourceTs: undefined, sourceSeq: undefined }]);
  });

  it('rejects wrong types, non-JSON, implausible values and empty payloads with a reason', () => {
    expect(decodeVitalsPayload('not json', NOW).error).toBe('payload is not JSON');
    expect(decodeVitalsPayload('{"hr":"fast"}', NOW).error).toBe('hr: must be a number');
    expect(decodeVitalsPayload('{"hr":72,"t":"now"}', NOW).error).toMatch(/^t:/);
    expect(decodeVitalsPayload('{"seq":1.5,"hr":72}', NOW).error).toMatch(/^seq:/);
    expect(decodeVitalsPayload('{"spo2":140}', NOW).error).toMatch(/plausible/);
    expect(decodeVitalsPayload('{"colour":"blue"}', NOW).error).toBe('no vital sign in payload');
    expect(decodeVitalsPayload('42', NOW).error).toMatch(/object or a SenML array/);
  });

  it('maps battery level to the low-battery technical condition', () => {
    const low = decodeVitalsPayload('{"hr":70,"battery":12}', NOW).items.find((i) => i.kind === 'condition');
    expect(low).toMatchObject({ condition: 'low-battery', active: true });
    const ok = decodeVitalsPayload('{"hr":70,"battery":80}', NOW).items.find((i) => i.kind === 'condition');
    expect(ok).toMatchObject({ condition: 'low-battery', active: false });
  });
});

describe('SenML payload (RFC 8428)', () => {
  it('resolves base name, base time, units and relative times', () => {
    const pack = [
      { bn: 'urn:dev:wearable-01:', bt: 1700000000, n: 'hr', u: 'beat/min', v: 71 },
      { n: 'spo2', u: '%', v: 98, t: 1 },
      { n: 'temp', u: '[degF]', v: 98.6 },
      { n: 'sbp', u: 'kPa', v: 16 },
    ];
    const r = decodeVitalsPayload(JSON.stringify(pack), NOW);
    expect(r.error).toBeUndefined();
    expect(r.items[0]).toMatchObject({ param: 'hr', value: 71, unit: '/min', sourceTs: 1700000000000 });
    expect(r.items[1]).toMatchObject({ param: 'spo2', value: 98, sourceTs: 1700000001000 });
    expect(r.items[2]).toMatchObject({ param: 'temp', value: 37, unit: 'Cel' });
    expect(r.items[3]).toMatchObject({ param: 'sbp', unit: 'mm[Hg]' });
    expect((r.items[3] as { value: number }).value).toBeCloseTo(120.01, 1);
    // t below 2^28 is relative to now (RFC 8428 section 4.5.3)
    expect(decodeVitalsPayload(JSON.stringify([{ n: 'rr', v: 14, t: -5 }]), NOW).items[0]).toMatchObject({ sourceTs: NOW - 5000 });
  });

  it('rejects a unit that does not fit the parameter and malformed records', () => {
    expect(decodeVitalsPayload(JSON.stringify([{ n: 'hr', u: 'Cel', v: 70 }]), NOW).error).toMatch(/unit 'Cel' does not fit hr/);
    expect(decodeVitalsPayload(JSON.stringify([{ n: 'hr', v: '70' }]), NOW).error).toMatch(/\[0\]\.v/);
    expect(decodeVitalsPayload(JSON.stringify([5]), NOW).error).toMatch(/\[0\]: must be an object/);
  });

  it('refuses a time that overflows once resolved to ms, instead of passing on -Infinity (found by the fuzzer)', () => {
    const r = decodeVitalsPayload('[{"bn":"urn:dev:mac:0024befffe804ff1:","bt":1700000000,"n":"hr","u":"beat/min","v":72,"t":-1e+308}]', NOW);
    expect(r).toEqual({ items: [], error: '[0].t: time out of range' });
    expect(decodeVitalsPayload(JSON.stringify([{ n: 'hr', v: 72, bt: 1e300 }]), NOW).error).toBe('[0].t: time out of range');
    expect(decodeVitalsPayload(JSON.stringify([{ n: 'hr', v: 72, bt: 8.64e12 }]), NOW).items[0]).toMatchObject({ sourceTs: 8.64e15 });
  });
});

describe('events payload', () => {
  it('takes a fall and refuses anything else', () => {
    expect(decodeEventPayload('{"event":"fall","t":1700000000000}').items).toEqual([{ kind: 'event', event: 'fall', sourceTs: 1700000000000 }]);
    expect(decodeEventPayload('{"event":"dance"}').error).toMatch(/unknown event/);
  });
});

describe('robustness (property)', () => {
  it('never throws and never yields a non-finite reading for arbitrary JSON or bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), fc.uint8Array().map((b) => Buffer.from(b).toString('latin1'))), (text) => {
        for (const r of [decodeVitalsPayload(text, NOW), decodeEventPayload(text)]) {
          for (const item of r.items) if (item.kind === 'reading') expect(Number.isFinite(item.value)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never yields a non-finite value from SenML-shaped records', () => {
    const rec = fc.record({ bn: fc.option(fc.string(), { nil: undefined }), n: fc.constantFrom('hr', 'spo2', 'temp', 'sbp', 'x'), u: fc.constantFrom('%', 'Cel', 'kPa', 'beat/min', '/s', 'K', undefined), v: fc.double(), t: fc.option(fc.double(), { nil: undefined }) }, { requiredKeys: ['n', 'v'] });
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 6 }), (pack) => {
        const r = decodeVitalsPayload(JSON.stringify(pack), NOW);
        for (const item of r.items) if (item.kind === 'reading') expect(Number.isFinite(item.value)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
