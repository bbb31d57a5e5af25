import { describe, expect, it } from 'vitest';
import { pcd01Message } from './fixtures.js';
import { decodeHl7 } from './oru.js';

const SPO2 = 'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|97|262688^MDC_DIM_PERCENT^MDC|||||F';

describe('OBX-3 memo (identifiers reused across messages)', () => {
  it('gives the same readings for a repeated identifier as for its first sight, each reading its own object', () => {
    const first = decodeHl7(pcd01Message({ controlId: 'M1', obx: [SPO2] }));
    const again = decodeHl7(pcd01Message({ controlId: 'M2', obx: [SPO2.replace('|97|', '|95|')] }));
    expect(first.items).toEqual([expect.objectContaining({ kind: 'reading', param: 'spo2', value: 97, code: 'MDC:150456' })]);
    expect(again.items).toEqual([expect.objectContaining({ kind: 'reading', param: 'spo2', value: 95, code: 'MDC:150456' })]);
    expect(again.items[0]).not.toBe(first.items[0]);
  });

  it('reads the same OBX-3 text afresh when a message declares other delimiters', () => {
    expect(decodeHl7(pcd01Message({ obx: [SPO2] })).items[0]).toMatchObject({ kind: 'reading', param: 'spo2' });
    // '$' as the component separator: the '^'s are now data, so the identifier is one unmapped code.
    const other = pcd01Message({ obx: ['OBX-HERE'] }).replaceAll('^', '$').replace('OBX-HERE', SPO2.replace('|262688^MDC_DIM_PERCENT^MDC|', '|%|'));
    expect(decodeHl7(other).items).toEqual([expect.objectContaining({ kind: 'unmapped', code: 'L:150456^MDC_PULS_OXIM_SAT_O2^MDC', value: 97 })]);
    expect(decodeHl7(pcd01Message({ obx: [SPO2] })).items[0]).toMatchObject({ kind: 'reading', param: 'spo2' });
  });
});
