import { describe, expect, it } from 'vitest';
import { pcd01Message } from './fixtures.js';
import { decodeHl7Message } from './oru.js';

const rates = (obx: string[]): unknown[] =>
  decodeHl7Message(pcd01Message({ obx })).result.items.map((i) => i.kind === 'reading' && [i.param, i.value, i.channel]);

describe('the VMD a PCD-01 row belongs to (GE B40/B20 HL7 Reference Manual p. 24 rows 44-47)', () => {
  it('takes a generic respiration rate under the airway analyser VMD as awrr, and only under that VMD', () => {
    expect(rates([
      'OBX|1||69682^MDC_DEV_ANALY_AWAY_MULTI_PARAM_VMD^MDC|1.20.0.0|||||||X',
      'OBX|2|NM|151562^MDC_RESP_RATE^MDC|1.20.1.1|18|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R',
      'OBX|3||70666^MDC_DEV_ECG_RESP_VMD^MDC|1.6.0.0|||||||X',
      'OBX|4|NM|151562^MDC_RESP_RATE^MDC|1.6.1.1|30|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R',
      // A rate whose code names its own source keeps it, whatever the VMD.
      'OBX|5|NM|151578^MDC_TTHOR_RESP_RATE^MDC|1.20.1.2|22|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R',
    ])).toEqual([
      ['awrr', 18, '1.20.1.1'],
      ['rr', 30, '1.6.1.1'],
      ['rr', 22, '1.20.1.2'],
    ]);
  });

  it('without VMD rows, or when a later VMD row reuses the number, the code alone decides', () => {
    expect(rates(['OBX|1|NM|151562^MDC_RESP_RATE^MDC|1.20.1.1|18|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R'])).toEqual([['rr', 18, '1.20.1.1']]);
    expect(rates([
      'OBX|1||69682^MDC_DEV_ANALY_AWAY_MULTI_PARAM_VMD^MDC|1.20.0.0|||||||X',
      'OBX|2||70666^MDC_DEV_ECG_RESP_VMD^MDC|1.20.0.0|||||||X',
      'OBX|3|NM|151562^MDC_RESP_RATE^MDC|1.20.1.1|18|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R',
    ])).toEqual([['rr', 18, '1.20.1.1']]);
  });
});
