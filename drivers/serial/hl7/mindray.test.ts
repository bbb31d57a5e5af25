import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pcd01Message } from './fixtures.js';
import { decodeHl7Message } from './oru.js';

/** The capture's messages as a monitor sends them: CR between segments (the file keeps them one a line). */
const capture = readFileSync(new URL('../../../test/fixtures/captures/mindray-egateway.hl7', import.meta.url), 'utf8')
  .split(/\n\s*\n/)
  .map((m) => `${m.trim().split('\n').join('\r')}\r`);

describe("Mindray's HL7 (a Mindray eGateway capture and the older MDC terms Mindray sends)", () => {
  it('takes the waveform message without turning its attribute rows into readings, unmapped values or alarms', () => {
    const d = decodeHl7Message(capture[1]!);
    expect(d.messageType).toBe('ORU^R01');
    expect(d.location).toEqual({ pointOfCare: 'HDU', room: '507', bed: '3' });
    expect(d.equipmentId).toBe('00A037000000');
    // MDC_ATTR_SAMP_RATE 500 Hz, MDC_ATTR_NU_MSMT_RES and MDC_EVT_INOP 32767 describe the ECG and pleth waveforms.
    expect(d.result.items).toEqual([]);
    expect(d.deviceAlarms).toBeUndefined();
    expect(d.verdict).toBe('accept');
    expect(d.ack).toMatch(/MSA\|CA\|1227/); // MSH-15 AL: commit accept
  });

  it('takes the ORU^R40 lead-off report as the device\'s own low-priority technical alarm (IHE PCD-04), answered with a commit accept', () => {
    const d = decodeHl7Message(capture[0]!);
    expect(d.messageType).toBe('ORU^R40');
    expect(d.result.error).toBeUndefined();
    expect(d.verdict).toBe('accept');
    expect(d.location).toEqual({ pointOfCare: 'HDU', room: '507', bed: '3' });
    expect(d.equipmentId).toBe('00A037000000');
    // The alert row and its facets: OBX-8 A~PL~ST, phase start, state active, priority PL, type ST.
    expect(d.alertEvents).toEqual([
      {
        key: '1.7.0.196680|196680',
        active: true,
        phase: 'start',
        state: 'active',
        alarm: { kind: 'technical', priority: 'low', text: 'MDC_EVT_LEAD_OFF', eventCode: 196680, eventRef: 'MDC_EVT_LEAD_OFF', sourceTs: Date.UTC(2026, 0, 24, 4, 47, 38) },
      },
    ]);
    expect(d.result.items).toEqual([]); // the source and facet rows are not readings
    // MSH-15 AL, MSH-16 NE (enhanced mode, HL7 v2.5.1 2.9.3): the commit accept, as ACK^R40.
    expect(d.ack).toMatch(/^MSH\|\^~\\&\|\|\|MINDRAY_\^00A037000000\^EUI-64\|MINDRAY\|\d{14}\+0000\|\|ACK\^R40\^ACK\|A1\|P\|2\.6\rMSA\|CA\|1\r$/);
  });

  it('maps the older cuff terms to the cuff and the CO2 concentration term to EtCO2', () => {
    const d = decodeHl7Message(pcd01Message({
      obx: [
        'OBX|1|NM|150301^MDC_PRESS_CUFF_SYS^MDC|1.1.9.150301|142|266016^MDC_DIM_MMHG^MDC|||||F',
        'OBX|2|NM|150303^MDC_PRESS_CUFF_MEAN^MDC|1.1.9.150303|114|266016^MDC_DIM_MMHG^MDC|||||F',
        'OBX|3|NM|150302^MDC_PRESS_CUFF_DIA^MDC|1.1.9.150302|100|266016^MDC_DIM_MMHG^MDC|||||F',
        'OBX|4|NM|^MDC_CONC_AWAY_CO2_ET^MDC|1.5.1|38|266016^MDC_DIM_MMHG^MDC|||||F',
        // The numeric code alone (no reference id) maps the same way.
        'OBX|5|NM|150301^^MDC|1.1.9.150301|141|266016^MDC_DIM_MMHG^MDC|||||F',
        // The inflation pressure itself is not a blood pressure: kept as unmapped.
        'OBX|6|NM|150300^MDC_PRESS_CUFF^MDC|1.1.9.150300|180|266016^MDC_DIM_MMHG^MDC|||||F',
      ],
    }));
    const readings = d.result.items.filter((i) => i.kind === 'reading').map((i) => i.kind === 'reading' && [i.param, i.value, i.unit, i.code]);
    expect(readings).toEqual([
      ['sbp', 142, 'mm[Hg]', 'MDC:150301'],
      ['map', 114, 'mm[Hg]', 'MDC:150303'],
      ['dbp', 100, 'mm[Hg]', 'MDC:150302'],
      ['etco2', 38, 'mm[Hg]', 'MDC:MDC_CONC_AWAY_CO2_ET'],
      ['sbp', 141, 'mm[Hg]', 'MDC:150301'],
    ]);
    expect(d.result.items.filter((i) => i.kind === 'unmapped')).toMatchObject([{ code: 'MDC:150300', label: 'MDC_PRESS_CUFF', value: 180 }]);
  });

  it('still keeps an arterial line apart from the cuff', () => {
    const d = decodeHl7Message(pcd01Message({ obx: ['OBX|1|NM|150301^MDC_PRESS_BLD_ART_ABP_SYS^MDC|1.2.1|90|266016^MDC_DIM_MMHG^MDC|||||F'] }));
    expect(d.result.items).toMatchObject([{ kind: 'reading', param: 'abp_sys', value: 90 }]);
  });
});
