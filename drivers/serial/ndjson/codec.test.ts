import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeNdjsonLine } from './codec.js';

describe('decodeNdjsonLine', () => {
  it('decodes the vitals fields with canonical units, t and seq', () => {
    const r = decodeNdjsonLine('{"hr":72,"spo2":97,"temp":37.2,"sbp":120,"dbp":80,"map":93,"rr":16,"pi":2.5,"pr":71,"t":1700000000000,"seq":5}');
    expect(r.error).toBeUndefined();
    const byParam = Object.fromEntries(r.items.map((i) => (i.kind === 'reading' ? [i.param, [i.value, i.unit, i.sourceTs, i.sourceSeq]] : [])));
    expect(byParam).toEqual({
      hr: [72, '/min', 1700000000000, 5],
      pr: [71, '/min', 1700000000000, 5],
      spo2: [97, '%', 1700000000000, 5],
      pi: [2.5, '%', 1700000000000, 5],
      rr: [16, '/min', 1700000000000, 5],
      temp: [37.2, 'Cel', 1700000000000, 5],
      sbp: [120, 'mm[Hg]', 1700000000000, 5],
      dbp: [80, 'mm[Hg]', 1700000000000, 5],
      map: [93, 'mm[Hg]', 1700000000000, 5],
    });
  });

  it('treats null and absent fields as no value and ignores unknown fields', () => {
    const r = decodeNdjsonLine('{"hr":null,"spo2":97,"battery":80}');
    expect(r).toEqual({ items: [{ kind: 'reading', param: 'spo2', value: 97, unit: '%' }] });
  });

  it('rejects bad lines whole', () => {
    for (const bad of ['', 'not json', '[1,2]', '42', 'null', '{"hr":"72"}', '{"spo2":101}', '{"hr":-1}', '{"hr":72,"t":"now"}', '{"hr":72,"seq":-1}', '{"hr":1e999}']) {
      const r = decodeNdjsonLine(bad);
      expect(r.error, bad).toMatch(/^ndjson: /);
      expect(r.items).toEqual([]);
    }
  });

  it('never throws and never yields a non-finite value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ hr: v, spo2: v, temp: v }))), (s) => {
        const r = decodeNdjsonLine(s);
        for (const i of r.items) if (i.kind === 'reading') expect(Number.isFinite(i.value)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
