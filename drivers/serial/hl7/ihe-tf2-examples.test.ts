import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeHl7Message } from './oru.js';

/**
 * The two PCD-01 example messages of the IHE Devices Technical Framework vol. 2 (IHE DEV TF-2, Rev. 10.0 Final Text,
 * 2024-11-04), Appendix E.1.1 "Example of PCD-01 Observation Report (Physiological Monitor)" and E.1.2 "Example of
 * PCD-01 Episodic Observation Report", copied verbatim (test/fixtures/captures/PROVENANCE.md). The file keeps one
 * segment a line and a blank line between the messages; HL7 separates segments with CR (HL7 v2.5.1 2.5.4).
 *
 * Expected outputs are read from the messages as printed, with the TF's own rules: OBX-3 `<code>^<refid>^MDC`, OBX-4
 * the containment path (device rows `x.0.0.0`, `x.y.0.0`, `x.y.z.0` carry no value), OBX-6 the unit (MDC or UCUM),
 * OBX-11 the result status (HL7 table 0085: `X` "results cannot be obtained", `R` "results entered, not verified"),
 * OBX-18 the equipment. The MDC codes are those the rows print; which parameter each is follows
 * drivers/core/parameters.ts and drivers/serial/hl7/vocabulary.ts.
 */
const [physiological, episodic] = readFileSync(new URL('../../../test/fixtures/captures/ihe-dev-tf2-pcd01-examples.hl7', import.meta.url), 'utf8')
  .split(/\n\s*\n/)
  .map((m) => `${m.trim().split('\n').join('\r')}\r`) as [string, string];

const readings = (d: ReturnType<typeof decodeHl7Message>): unknown[] =>
  d.result.items.flatMap((i) => (i.kind === 'reading' ? [[i.param, i.value, i.unit, i.code, i.channel, i.flags]] : []));

describe('IHE DEV TF-2 Appendix E.1: the PCD-01 example messages as the Technical Framework prints them', () => {
  it('E.1.1 (physiological monitor): NIBP, ECG heart rate and respiration, SpO2 with their codes and units; every value flagged invalid because OBX-11 is X', () => {
    const d = decodeHl7Message(physiological);
    expect(d.messageType).toBe('ORU^R01');
    expect(d.sendingApplication).toBe('PAT_DEVICE_PHILIPS_C');
    expect(d.patientId).toBe('HO2009001');
    expect(d.location).toEqual({ pointOfCare: 'HO Surgery', room: 'OR', bed: '1' });
    expect(d.equipmentId).toBe('e86c094f-f751-4acf-92b2-38f11c1f6f57-Device'); // OBX-18 of the MDS row
    expect(readings(d)).toEqual([
      ['sbp', 117, 'mm[Hg]', 'MDC:150021', '1.1.1.5', ['invalid']],
      ['dbp', 82, 'mm[Hg]', 'MDC:150022', '1.1.1.6', ['invalid']],
      ['map', 90, 'mm[Hg]', 'MDC:150023', '1.1.1.7', ['invalid']],
      ['hr', 80, '/min', 'MDC:147842', '1.2.1.1', ['invalid']], // 147842 under the reference id MDC_ECG_CARD_BEAT_RATE
      ['rr', 30, '/min', 'MDC:151562', '1.2.1.19', ['invalid']], // under the ECG VMD (1.2)
      ['spo2', 99, '%', 'MDC:150456', '1.3.1.1', ['invalid']],
    ]);
    // QT and QTc (ms) are not in the parameter table; 150448 MDC_PULS_OXIM_PERF_REL printed dimensionless
    // (262656 MDC_DIM_DIMLESS) is not our `pi` in %: all three come through unmapped, with their codes and units.
    expect(d.result.items.filter((i) => i.kind === 'unmapped')).toMatchObject([
      { code: 'MDC:147232', label: 'MDC_ECG_TIME_PD_QT_GL', value: 360, unit: 'MDC_DIM_MILLI_SEC', channel: '1.2.1.14' },
      { code: 'MDC:147236', label: 'MDC_ECG_TIME_PD_QTc', value: 416, unit: 'MDC_DIM_MILLI_SEC', channel: '1.2.1.15' },
      { code: 'MDC:150448', label: 'MDC_PULS_OXIM_PERF_REL', value: 3.9, unit: 'MDC_DIM_DIMLESS', channel: '1.3.1.3' },
    ]);
    expect(d.result.items).toHaveLength(9); // the ST rhythm row and the MDS/VMD/channel rows are no numerics
    expect(d.warnings).toEqual(['OBX 17: unit "262656" not valid for pi']);
    expect(d.verdict).toBe('accept');
    expect(d.ack).toMatch(/MSA\|CA\|HP0122182658686QQ000CND119C0WS61\r$/); // MSH-15 AL, MSH-16 NE
  });

  it('E.1.2 (episodic NIBP): the cuff pressures and the cuff pulse rate in UCUM units, timed by the OBR', () => {
    const d = decodeHl7Message(episodic);
    expect(d.sendingApplication).toBe('ACME_Gateway');
    expect(d.patientId).toBe('12345');
    expect(d.location).toEqual({ pointOfCare: 'COLWELL', bed: 'SOLAR' });
    expect(d.equipmentId).toBe('080019FFFE3ED02D172.16.172.135');
    expect(readings(d)).toEqual([
      ['sbp', 111, 'mm[Hg]', 'MDC:150021', '1.16.1.1', undefined],
      ['dbp', 60, 'mm[Hg]', 'MDC:150022', '1.16.1.2', undefined],
      ['map', 80, 'mm[Hg]', 'MDC:150023', '1.16.1.3', undefined],
      ['pr_nibp', 63, '/min', 'MDC:149546', '1.16.1.4', undefined],
    ]);
    expect(d.result.items.filter((i) => i.kind === 'unmapped')).toEqual([]);
    // OBX-14 20110602045842 has no UTC offset; the OBR-7 it repeats does (+0000): that is the source time.
    expect(d.result.items.map((i) => i.sourceTs)).toEqual(new Array(4).fill(Date.UTC(2011, 5, 2, 4, 58, 42)));
    expect(d.warnings).toEqual([]);
  });
});
