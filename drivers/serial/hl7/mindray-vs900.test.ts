import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pcd01Message } from './fixtures.js';
import { decodeHl7Message } from './oru.js';

/**
 * A Mindray VS-900 vital-signs monitor's IHE PCD-01 message as published in a public repository
 * (test/fixtures/captures/PROVENANCE.md: the PID's test identity emptied, nothing else changed). The file keeps the
 * source's LF between segments; a monitor sends CR (HL7 v2.5.1 2.5.4), so the test joins the segments with CR.
 *
 * Expected outputs from the message as printed, read with IHE PCD TF-2 (PCD-01: OBX-3 "<code>^<refid>^MDC", OBX-4
 * the containment path, OBX-8 measurement status, OBX-14 observation time, OBX-18 equipment EUI-64) and the codes
 * the rows carry: 150456 MDC_PULS_OXIM_SAT_O2 (%), 149530 MDC_PULS_OXIM_PULS_RATE (/min), the older cuff terms
 * 150301/150303/150302 MDC_PRESS_CUFF_SYS/MEAN/DIA (mmHg, drivers/serial/hl7/vocabulary.ts), and 150488
 * MDC_BLD_PERF_INDEX, which the parameter table does not map (its `pi` is 150448 MDC_PULS_OXIM_PERF_REL): passed on
 * unmapped. Every row says OBX-8 `DEMO`: the monitor was in demo mode, so every reading carries the `demo` flag.
 */
const text = readFileSync(new URL('../../../test/fixtures/captures/mindray-vs900-pcd01.hl7', import.meta.url), 'utf8');
const message = text.trim().split('\n').join('\r') + '\r';

describe('Mindray VS-900 PCD-01 (a public message from the monitor)', () => {
  it('carries no patient identity: the PID keeps only its assigning authority and name type', () => {
    expect(text.split('\n')[1]).toBe('PID|||^^^Hospital^PI||^^^^^^L||');
    const d = decodeHl7Message(message);
    expect(d.patientId).toBeUndefined();
  });

  it('decodes SpO2, pleth pulse and the cuff pressures with their MDC codes and units, all flagged demo; the perfusion index comes through unmapped', () => {
    const d = decodeHl7Message(message);
    expect(d.verdict).toBe('accept');
    expect(d.messageType).toBe('ORU^R01');
    expect(d.sendingApplication).toBe('MINDRAY_VS900');
    expect(d.equipmentId).toBe('00A0370098006640'); // OBX-18 of the first row: the monitor's EUI-64
    expect(d.location).toEqual({ pointOfCare: 'INTER', bed: '1' }); // PV1-3 INTER^^1^1 (PL.1 point of care, PL.3 bed)
    expect(d.warnings).toEqual([]);
    const readings = d.result.items.flatMap((i) => (i.kind === 'reading' ? [[i.param, i.value, i.unit, i.code, i.channel, i.flags]] : []));
    expect(readings).toEqual([
      ['spo2', 100, '%', 'MDC:150456', '1.3.1.150456', ['demo']],
      ['pr', 80, '/min', 'MDC:149530', '1.3.1.149530', ['demo']],
      ['sbp', 166, 'mm[Hg]', 'MDC:150301', '1.1.9.150301', ['demo']],
      ['map', 122, 'mm[Hg]', 'MDC:150303', '1.1.9.150303', ['demo']],
      ['dbp', 100, 'mm[Hg]', 'MDC:150302', '1.1.9.150302', ['demo']],
    ]);
    expect(d.result.items.filter((i) => i.kind === 'unmapped')).toMatchObject([
      { code: 'MDC:150488', label: 'MDC_BLD_PERF_INDEX', value: 12, unit: 'MDC_DIM_PERCENT', channel: '1.3.1.150488' },
    ]);
    // OBX-14 (20200212125541; the cuff rows 20200212125008, their NIBP measurement) carries no UTC offset, so no
    // source time is taken from it (oru.ts: a local time of unknown zone is not guessed).
    expect(d.result.items.every((i) => i.sourceTs === undefined)).toBe(true);
    // MSH-15 AL, MSH-16 NE: the commit accept (HL7 v2.5.1 2.9.3).
    expect(d.ack).toMatch(/MSA\|CA\|13\r$/);
  });

  it("takes the VS-900's axillary temperature row by its reference id as a body (core-site) temperature; the numeric code alone is not taken", () => {
    // The row form of the VS-900's axillary temperature (code 188496, reference id MDC_TEMP_AXIL, OBX-4 1.2.5.188496).
    // 188496 is not in our code lists (they have 188452 MDC_TEMP_AXILLA): the reference id maps it, the number alone
    // comes through unmapped rather than being guessed.
    const d = decodeHl7Message(pcd01Message({
      obx: [
        'OBX|1|NM|188496^MDC_TEMP_AXIL^MDC|1.2.5.188496|35.1|268192^MDC_DIM_DEGC^MDC|||||R',
        'OBX|2|NM|188496^^MDC|1.2.5.188496|35.2|268192^MDC_DIM_DEGC^MDC|||||R',
      ],
    }));
    expect(d.result.items).toMatchObject([
      { kind: 'reading', param: 'temp', value: 35.1, unit: 'Cel', site: 'axillary', code: 'MDC:188496' },
      { kind: 'unmapped', code: 'MDC:188496', value: 35.2 },
    ]);
  });
});
