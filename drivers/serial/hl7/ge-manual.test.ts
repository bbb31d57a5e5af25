import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeHl7Message } from './oru.js';

/**
 * The segments GE's B40/B20 HL7 Reference Manual (2062665-001 G) prints, as a text rendering of the manual gave them
 * (test/fixtures/captures/PROVENANCE.md): each page's lines wrap at the page width, so a line that does not start a
 * segment ("XYZ|") continues the one before it; the manual's segment separator is CR ("Result Message Composition",
 * p. 19). Not one whole message: the header of Example 1 (p. 19), the containment-tree rows of p. 15 and the last
 * rows of an example on p. 24; the pages between were not to be had.
 *
 * Expected values follow from the manual's own text (p. 14-15: the first OBX is the MDS, then each VMD's header row,
 * channel rows for blood pressure, then the observations with OBX-4 <MDS>.<VMD>.<Channel>.<Metric>) and the MDC
 * codes the rows carry (IEEE 11073-10101: 147842 MDC_ECG_HEART_RATE, 148066 MDC_ECG_V_P_C_RATE, 150033-150035
 * MDC_PRESS_BLD_ART_SYS/DIA/MEAN, 149522 MDC_BLD_PULS_RATE_INV, 150456 MDC_PULS_OXIM_SAT_O2, 151562 MDC_RESP_RATE,
 * 150344 MDC_TEMP; units 264864 MDC_DIM_BEAT_PER_MIN, 266016 MDC_DIM_MMHG, 262688 MDC_DIM_PERCENT, 264928
 * MDC_DIM_RESP_PER_MIN, 268192 MDC_DIM_DEGC).
 */
const text = readFileSync(new URL('../../../test/fixtures/captures/ge-b40-hl7-manual-excerpts.txt', import.meta.url), 'utf8');
const excerpts = text.split(/^# .*\n/m).filter((e) => e.trim() !== '').map((e) => {
  const segments: string[] = [];
  for (const line of e.split('\n').filter((l) => l !== '')) {
    if (/^[A-Z][A-Z0-9]{2}\|/.test(line) || segments.length === 0) segments.push(line);
    else segments[segments.length - 1] += line;
  }
  return segments;
});
const [header, page15, page24] = excerpts as [string[], string[], string[]];
const message = (rows: string[]): string => [...header, ...rows].join('\r') + '\r';

describe("GE B40/B20 HL7 output as its reference manual prints it (PCD-01, device-hierarchy rows, OBX-4 channel tree)", () => {
  it('joins the wrapped lines back into the segments the manual prints', () => {
    expect(header).toEqual([
      'MSH|^~\\&|VSP^080019FFFE134535^EUI-64|GE Healthcare|||20130122134100||ORU^R01^ORU_R01|004097134535|P|2.6|||NE|AL||UNICODE UTF-8|||PCD_DEC_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
      'PID|||HED12^^^PID^MR||LAZY^KITTY^^^^^L|||',
      'PV1||R|SURGERY^^V2',
      'OBR|1|080019FFFE13453520130122134100^VSP^080019FFFE134535^EUI-64|080019FFFE13453520130122134100^VSP^080019FFFE134535^EUI-64|182777000^monitoring of patient^SCT|||20130122134100',
      'OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X',
    ]);
    expect(page15).toHaveLength(9);
    expect(page24).toHaveLength(8);
  });

  it("takes Example 1's header: the monitor (MSH-3 VSP, EUI-64), the bed V2 in SURGERY, and answers with the application ACK MSH-16 AL asks for", () => {
    const d = decodeHl7Message(message([]));
    expect(d.verdict).toBe('accept');
    expect(d.messageType).toBe('ORU^R01');
    expect(d.sendingApplication).toBe('VSP');
    expect(d.sendingFacility).toBe('GE Healthcare');
    expect(d.location).toEqual({ pointOfCare: 'SURGERY', bed: 'V2' });
    expect(d.patientId).toBe('HED12');
    expect(d.result.items).toEqual([]); // the MDS row (OBX-11 X, no value) is no measurement
    // MSH-15 NE, MSH-16 AL: the application acknowledgment (HL7 v2.5.1 2.9.3), AA.
    expect(d.ack).toMatch(/^MSH\|\^~\\&\|\|\|VSP\^080019FFFE134535\^EUI-64\|GE Healthcare\|\d{14}\+0000\|\|ACK\^R01\^ACK\|A004097134535\|P\|2\.6\rMSA\|AA\|004097134535\r$/);
  });

  it('reads the page-15 rows: ECG heart rate and PVC rate, the invasive-pressure channel, and skips the VMD and channel rows', () => {
    const d = decodeHl7Message(message(page15));
    expect(d.verdict).toBe('accept');
    expect(d.equipmentId).toBe('080019FFFE0B4020'); // OBX-18 of the rows
    expect(d.result.items.map((i) => i.kind === 'reading' && [i.param, i.value, i.unit, i.code, i.channel])).toEqual([
      ['hr', 80, '/min', 'MDC:147842', '1.5.1.1'],
      ['pvc', 0, '/min', 'MDC:148066', '1.5.1.2'],
      ['abp_sys', 112, 'mm[Hg]', 'MDC:150033', '1.13.1.1'],
      ['abp_dia', 76, 'mm[Hg]', 'MDC:150034', '1.13.1.2'],
      ['abp_mean', 95, 'mm[Hg]', 'MDC:150035', '1.13.1.3'],
      ['pr_ibp', 80, '/min', 'MDC:149522', '1.13.1.4'],
    ]);
    expect(d.warnings).toEqual([]);
  });

  it('reads the page-24 rows: SpO2, the airway analyser\'s respiration rate as awrr and the ECG impedance one as rr, two temperatures', () => {
    const d = decodeHl7Message(message(page24));
    expect(d.result.items.map((i) => i.kind === 'reading' && [i.param, i.value, i.unit, i.code, i.channel])).toEqual([
      ['spo2', 100, '%', 'MDC:150456', '1.22.1.2'],
      ['awrr', 18, '/min', 'MDC:151562', '1.20.1.1'], // under 69682 MDC_DEV_ANALY_AWAY_MULTI_PARAM_VMD (1.20.0.0)
      ['rr', 30, '/min', 'MDC:151562', '1.6.1.1'], // under 70666 MDC_DEV_ECG_RESP_VMD (1.6.0.0)
      ['temp', 37.1, 'Cel', 'MDC:150344', '1.26.1.1'],
      ['temp', 36.5, 'Cel', 'MDC:150344', '1.26.1.2'],
    ]);
    expect(d.warnings).toEqual([]);
  });

  it('maps every measurement row the manual prints: none comes through unmapped, and only the VMD and channel rows carry no value', () => {
    // The manual's rows are all terms the vocabulary knows (p. 15: 147842, 148066, 150033-150035, 149522; p. 24:
    // 150456, 151562, 150344); its MDS/VMD/channel rows (OBX-11 X, no value) are skipped, not passed on as unmapped.
    const rows = [...page15, ...page24].filter((r) => r.startsWith('OBX|'));
    const withValue = rows.filter((r) => (r.split('|')[5] ?? '') !== '');
    const d = [decodeHl7Message(message(page15)), decodeHl7Message(message(page24))];
    const items = d.flatMap((x) => x.result.items);
    expect(items.filter((i) => i.kind === 'unmapped')).toEqual([]);
    expect(items).toHaveLength(withValue.length);
    expect(rows.length - withValue.length).toBe(6); // the VMD and channel rows of p. 15 (3) and p. 24 (3)
  });
});
