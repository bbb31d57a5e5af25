import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hl7Dialect } from './dialect.js';
import { pcd01Message } from './fixtures.js';
import { decodeHl7Message } from './oru.js';

/**
 * A capture of a Philips IntelliVue Information Center's HL7 export (test/fixtures/captures/PROVENANCE.md): MLLP
 * blocks as the Information Center sent them (VT, message, FS CR; the capture wrote CR LF after each block), HL7
 * v2.3, MDIL-coded OBX rows, alarm rows coded MDIL-ALERT, demo beds (iDemo4, pDemo6) with MSH-11 T, and the
 * Information Center's NMD keep-alive messages.
 *
 * Expected values follow from the sources' own descriptions: Philips Efficia CM Series Data Export Guide,
 * "MDIL Coding" (p. 2-20: <Partition>-<TermCode> in hex, partition 0x0002 SCADA for parameters, 0x0004 for
 * units) and "Alarms" (p. 2-16: OBX-3.1 an MDIL-ALERT code, OBX-3.2 the alarm priority, `2^Yellow Alarm` a
 * medium-level physiological alarm); IEEE 11073-10101 (the SCADA term codes: 0x4182 MDC_ECG_HEART_RATE,
 * 0x4BB8 MDC_PULS_OXIM_SAT_O2, 0x500A MDC_RESP_RATE, 0x4A15-0x4A17 MDC_PRESS_BLD_ART_ABP_SYS/DIA/MEAN, 0x580B
 * MDC_PRESS_INTRA_CRAN_MEAN, 0x4261 MDC_ECG_V_P_C_CNT, 0x0301-0x0340 the ST leads; units 0x0AA0
 * MDC_DIM_BEAT_PER_MIN, 0x0AE0 MDC_DIM_RESP_PER_MIN, 0x0F20 MDC_DIM_MMHG, 0x0220 MDC_DIM_PERCENT, 0x0512
 * MDC_DIM_MILLI_M).
 */
const file = readFileSync(new URL('../../../test/fixtures/captures/philips-iic-hl7-export.hl7', import.meta.url));
const frames = [...file.toString('latin1').matchAll(/\x0b([\s\S]*?)\x1c\r/g)].map((m) => m[1]!);
const oru = frames.filter((f) => f.includes('|ORU^R01|'));
const nmd = frames.filter((f) => f.includes('|NMD|'));

/** The frame as a production sender marks it: MSH-11 (processing id) P instead of the demo system's T, nothing else. */
function asProduction(frame: string): string {
  const out = frame.replace(/^(MSH(?:\|[^|\r]*){9})\|T\|/, '$1|P|');
  expect(out.length).toBe(frame.length);
  expect(out).not.toBe(frame);
  return out;
}

describe("Philips IntelliVue Information Center HL7 export (a capture of the Information Center's demo beds)", () => {
  it('reads every MLLP block of the capture, the CR LF the capture put between blocks being junk, not a message', () => {
    expect(frames).toHaveLength(105);
    const framer = hl7Dialect.createFramer();
    const got = framer.push(file).map((b) => b.toString('latin1'));
    expect(got).toEqual(frames);
    expect(oru).toHaveLength(101);
    expect(nmd).toHaveLength(4);
  });

  it('refuses the demo system\'s messages (MSH-11 T): a training message never raises a patient\'s alarm', () => {
    for (const f of oru) {
      const d = decodeHl7Message(f);
      expect(d.verdict).toBe('reject');
      expect(d.result.items).toEqual([]);
      expect(d.deviceAlarms).toBeUndefined();
      expect(d.ack).toMatch(new RegExp(`\\rMSA\\|AR\\|${d.controlId}\\|`));
      expect(d.errors[0]).toMatchObject({ segment: 'MSH', field: 11, code: 202 });
    }
  });

  it('answers the Information Center\'s NMD keep-alive (NCK system clock) with an accept, and takes nothing from it', () => {
    for (const f of nmd) {
      const d = decodeHl7Message(f);
      expect(d.messageType).toBe('NMD');
      expect(d.verdict).toBe('accept');
      expect(d.result.items).toEqual([]);
      expect(d.ack).toMatch(new RegExp(`\\rMSA\\|AA\\|${d.controlId}\\r$`));
    }
  });

  it('decodes a monitored bed as production data: MDIL parameters, units, the bed label and its yellow alarm', () => {
    const raw = oru.find((f) => f.includes('HP0802104901784B02WIN893'))!;
    const d = decodeHl7Message(asProduction(raw));
    expect(d.verdict).toBe('accept');
    expect(d.messageType).toBe('ORU^R01');
    // PV1-3 "ICU/PCU^^iDemo4&0&0": care unit, no room, bed label iDemo4 (the first subcomponent of the bed).
    expect(d.location).toEqual({ pointOfCare: 'ICU/PCU', bed: 'iDemo4' });
    expect(d.bed).toBe('iDemo4');
    expect(d.patientId).toBe('""');
    const readings = d.result.items.flatMap((i) => (i.kind === 'reading' ? [[i.param, i.value, i.unit, i.code]] : []));
    expect(readings).toEqual([
      ['hr', 60, '/min', 'MDIL:0002-4182'],
      ['st_i', 0, 'mm', 'MDIL:0002-0301'],
      ['st_ii', 0, 'mm', 'MDIL:0002-0302'],
      ['st_iii', 0, 'mm', 'MDIL:0002-033d'],
      ['st_avr', 0, 'mm', 'MDIL:0002-033e'],
      ['st_avl', 0, 'mm', 'MDIL:0002-033f'],
      ['st_avf', 0, 'mm', 'MDIL:0002-0340'],
      ['st_v1', 0, 'mm', 'MDIL:0002-0303'],
      ['st_v2', 0.1, 'mm', 'MDIL:0002-0304'],
      ['st_v3', 0.2, 'mm', 'MDIL:0002-0305'],
      ['st_v4', 0.1, 'mm', 'MDIL:0002-0306'],
      ['st_v5', 0.2, 'mm', 'MDIL:0002-0307'],
      ['st_v6', 0.1, 'mm', 'MDIL:0002-0308'],
      ['pvc', 0, '/min', 'MDIL:0002-4261'],
      ['rr', 15, '/min', 'MDIL:0002-500a'],
      ['abp_mean', 85, 'mm[Hg]', 'MDIL:0002-4a17'],
      ['abp_sys', 112, 'mm[Hg]', 'MDIL:0002-4a15'],
      ['abp_dia', 62, 'mm[Hg]', 'MDIL:0002-4a16'],
      ['spo2', 99, '%', 'MDIL:0002-4bb8'],
      ['pr', 80, '/min', 'MDIL:0002-4822'], // "Pulse (SpO2)": the pleth pulse rate
      ['icp', -1, 'mm[Hg]', 'MDIL:0002-580b'],
    ]);
    // Numerics nothing here maps come through as sent, never dropped: Philips' relative perfusion (unit
    // 0004-0200, dimensionless; not a perfusion index in %) and the cerebral perfusion pressure.
    expect(d.result.items.filter((i) => i.kind === 'unmapped')).toEqual([
      { kind: 'unmapped', code: 'MDIL:0002-4bb0', label: 'Perf', value: 3.9, unit: '0004-0200', channel: '0' },
      { kind: 'unmapped', code: 'MDIL:0002-5804', label: 'CPP', value: 86, unit: 'mmHg', channel: '0' },
    ]);
    // OBX "2^YellowAlarm^MDIL-ALERT" with "**ICPm   -1  <0   ": a medium (yellow) physiological alarm. OBR-7 has
    // no UTC offset, so no source time.
    expect(d.deviceAlarms).toEqual([{ kind: 'physiological', priority: 'medium', text: 'ICPm   -1  <0' }]);
    expect(d.result.items.every((i) => i.kind !== 'reading' || i.sourceMessageId === 'HP0802104901784B02WIN893')).toBe(true);
    expect(d.warnings).toEqual([]);
  });

  it('takes a hard INOP (MDIL-ALERT 5) as a technical alarm, not a physiological one', () => {
    const raw = oru.find((f) => f.includes('5^HardInop^MDIL-ALERT||SpO2T  No Pulse'))!;
    const d = decodeHl7Message(asProduction(raw));
    expect(d.bed).toBe('pDemo6');
    expect(d.deviceAlarms).toEqual([{ kind: 'technical', priority: 'medium', text: 'SpO2T  No Pulse' }]);
    // SpO2T (0002-f09c, a Philips private term) is not mapped to SpO2: it comes through unmapped, as sent.
    const withSpo2t = oru.find((f) => f.includes('OBX||NM|0002-f09c^SpO2T^MDIL|0|99|0004-0220^%^MDIL|'));
    expect(withSpo2t).toBeDefined();
    expect(decodeHl7Message(asProduction(withSpo2t!)).result.items).toContainEqual({ kind: 'unmapped', code: 'MDIL:0002-f09c', label: 'SpO2T', value: 99, unit: '%', channel: '0' });
  });

  it('reads each MDIL-ALERT code as its priority (rows as the same Information Center sent them for its other demo beds)', () => {
    const d = decodeHl7Message(pcd01Message({
      obx: [
        'OBX||TX|1^RedAlarm^MDIL-ALERT||***xTachy 160>140||||||F',
        'OBX||TX|2^YellowAlarm^MDIL-ALERT||**ICPm   -1  <0   ||||||F',
        'OBX||TX|3^ShortYellowAlarm^MDIL-ALERT||* Pause||||||F',
        'OBX||TX|5^HardInop^MDIL-ALERT||No Data Monitor ||||||F',
        'OBX||TX|6^SoftInop^MDIL-ALERT||SpO2   Searching||||||F',
      ],
    }));
    const ts = Date.UTC(2024, 2, 1, 10, 15, 0);
    expect(d.deviceAlarms).toEqual([
      { kind: 'physiological', priority: 'high', text: 'xTachy 160>140', sourceTs: ts },
      { kind: 'physiological', priority: 'medium', text: 'ICPm   -1  <0', sourceTs: ts },
      { kind: 'physiological', priority: 'low', text: 'Pause', sourceTs: ts },
      { kind: 'technical', priority: 'medium', text: 'No Data Monitor', sourceTs: ts },
      { kind: 'technical', priority: 'low', text: 'SpO2   Searching', sourceTs: ts },
    ]);
  });
});
