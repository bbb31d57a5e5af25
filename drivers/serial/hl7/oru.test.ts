import fc from 'fast-check';
import { isScorable } from '../../core/quality.js';
import { describe, expect, it } from 'vitest';
import type { Decoded, Reading } from '../../core/observation.js';
import { pcd01Message } from './fixtures.js';
import { decodeHl7Message, parseDtm } from './oru.js';

type R = Reading & { kind: 'reading' };
const readings = (items: Decoded[]): R[] => items.filter((i): i is R => i.kind === 'reading');
const obx = (n: number, id: string, value: string, unit: string, rest = '||||F', sub = '') => `OBX|${n}|NM|${id}|${sub}|${value}|${unit}|${rest}`;
const one = (line: string) => decodeHl7Message(pcd01Message({ obx: [line] }));

describe('decodeHl7Message: PCD-01 ORU^R01', () => {
  it('maps MDC codes to canonical params with UCUM units, channels, timestamps, bed and ids', () => {
    const d = decodeHl7Message(pcd01Message());
    expect(d.result.error).toBeUndefined();
    expect(d.warnings).toEqual([]);
    expect(d.messageType).toBe('ORU^R01');
    expect(d.controlId).toBe('MSG0001');
    expect(d.bed).toBe('BED-12');
    expect(d.location).toEqual({ pointOfCare: 'WARD7', room: 'R3', bed: 'BED-12' });
    expect(d.patientId).toBe('010-11-1111');
    expect(d.sendingApplication).toBe('MONITOR');
    const rs = readings(d.result.items);
    expect(rs.map((r) => [r.param, r.value, r.unit, r.channel])).toEqual([
      ['spo2', 97, '%', '1.1.1.150456'],
      ['pr', 72, '/min', '1.1.1.149530'],
      ['hr', 71, '/min', '1.2.1.147842'],
      ['rr', 18, '/min', '1.2.1.151562'],
      ['sbp', 128, 'mm[Hg]', '1.3.1.150021'],
      ['dbp', 84, 'mm[Hg]', '1.3.1.150022'],
      ['map', 99, 'mm[Hg]', '1.3.1.150023'],
      ['temp', 37.1, 'Cel', '1.4.1.150364'],
    ]);
    expect(rs[0]!.sourceTs).toBe(Date.UTC(2024, 2, 1, 10, 15, 0));
  });

  it('keeps two respiration rates and two temperatures apart by OBX-4 or by the code site', () => {
    const d = decodeHl7Message(
      pcd01Message({
        obx: [
          obx(1, '151562^MDC_RESP_RATE^MDC', '16', '264928^MDC_DIM_RESP_PER_MIN^MDC', '||||F', '1.2.1.151562'),
          obx(2, '151562^MDC_RESP_RATE^MDC', '19', '264928^MDC_DIM_RESP_PER_MIN^MDC', '||||F', '1.5.1.151562'),
          obx(3, '^MDC_TEMP_TYMP^MDC', '37.4', 'Cel^^UCUM'),
          obx(4, '^MDC_TEMP_SKIN^MDC', '34.0', 'Cel^^UCUM'),
          obx(5, '^MDC_CO2_RESP_RATE^MDC', '17', '/min^^UCUM'),
        ],
      }),
    );
    expect(readings(d.result.items).map((r) => [r.param, r.value, r.channel])).toEqual([
      ['rr', 16, '1.2.1.151562'],
      ['rr', 19, '1.5.1.151562'],
      ['temp', 37.4, 'tympanic'],
      ['tskin', 34, 'skin'], // skin temperature: never body temperature (NEWS2),
      ['rr', 17, 'co2'],
    ]);
  });

  it('normalises units: MDC, UCUM and vendor spellings; degF -> Cel; kPa -> mm[Hg]', () => {
    const cases: [string, string, string, number][] = [
      ['150364^MDC_TEMP_BODY^MDC', '98.6', '266560^MDC_DIM_FAHR^MDC', 37],
      ['150364^MDC_TEMP_BODY^MDC', '100.4', '[degF]^^UCUM', 38],
      ['150364^MDC_TEMP_BODY^MDC', '99.5', '°F', 37.5],
      ['150364^MDC_TEMP_BODY^MDC', '37.2', 'degC', 37.2],
      ['150021^MDC_PRESS_BLD_NONINV_SYS^MDC', '16', '265987^MDC_DIM_KILO_PASCAL^MDC', 120],
      ['150022^MDC_PRESS_BLD_NONINV_DIA^MDC', '10.7', 'kPa', 80.3],
      ['150021^MDC_PRESS_BLD_NONINV_SYS^MDC', '118', 'mmHg', 118],
      ['147842^MDC_ECG_HEART_RATE^MDC', '64', 'bpm', 64],
      ['151562^MDC_RESP_RATE^MDC', '14', 'rpm', 14],
      ['150456^MDC_PULS_OXIM_SAT_O2^MDC', '95', '', 95],
      ['8867-4^Heart rate^LN', '66', '{beats}/min^^UCUM', 66],
      ['8333-7^Tympanic temperature^LN', '38.0', 'Cel^^UCUM', 38],
      ['8480-6^Systolic BP^LN', '111', 'mm[Hg]^^UCUM', 111],
    ];
    for (const [id, value, unit, expected] of cases) {
      const d = one(obx(1, id, value, unit));
      expect(d.warnings, `${id} ${unit}`).toEqual([]);
      const [r] = readings(d.result.items);
      expect(r?.value, `${id} ${value} ${unit}`).toBe(expected);
    }
  });

  it('skips observations whose unit does not fit, or temperature/pressure without a unit, with a warning', () => {
    for (const line of [
      obx(1, '147842^MDC_ECG_HEART_RATE^MDC', '64', '262688^MDC_DIM_PERCENT^MDC'),
      obx(1, '150364^MDC_TEMP_BODY^MDC', '37', ''),
      obx(1, '150021^MDC_PRESS_BLD_NONINV_SYS^MDC', '120', ''),
      obx(1, '150364^MDC_TEMP_BODY^MDC', '37', 'furlongs'),
      obx(1, '150456^MDC_PULS_OXIM_SAT_O2^MDC', 'ninety', '%'),
      obx(1, '150456^MDC_PULS_OXIM_SAT_O2^MDC', '140', '%'),
    ]) {
      const d = one(line);
      expect(readings(d.result.items), line).toEqual([]);
      expect(d.warnings, line).toHaveLength(1);
      expect(d.result.error).toBeUndefined();
    }
  });

  it('never takes invasive pressures for cuff BP: they map to their own parameters or come through unmapped', () => {
    const cases: Array<[string, string]> = [
      ['150037^MDC_PRESS_BLD_ART_ABP_SYS^MDC', 'abp_sys'],
      ['150033^MDC_PRESS_BLD_ART_SYS^MDC', 'abp_sys'],
      ['150021^MDC_PRESS_BLD_ART_SYS^MDC', 'abp_sys'], // cuff number with an arterial refid: the refid wins
      ['150087^MDC_PRESS_BLD_VEN_CENT_MEAN^MDC', 'cvp'],
      ['150045^MDC_PRESS_BLD_ART_PULM_SYS^MDC', 'pap_sys'],
      ['150021^MDC_PRESS_BLD_ART_SYS^MDC^8480-6^Systolic BP^LN', 'abp_sys'], // nor through the alternate LOINC
      ['76215-3^Invasive Systolic blood pressure^LN', 'abp_sys'],
    ];
    for (const [id, param] of cases) {
      const d = one(obx(1, id, '12', '266016^MDC_DIM_MMHG^MDC'));
      expect(readings(d.result.items).map((r) => r.param), id).toEqual([param]);
    }
    // A pressure of unspecified site is neither cuff nor arterial: kept as unmapped, never scored.
    const generic = one(obx(1, '150017^MDC_PRESS_BLD_SYS^MDC', '120', '266016^MDC_DIM_MMHG^MDC'));
    expect(readings(generic.result.items)).toEqual([]);
    expect(generic.result.items).toMatchObject([{ kind: 'unmapped', code: 'MDC:150017', label: 'MDC_PRESS_BLD_SYS', value: 120, unit: 'MDC_DIM_MMHG' }]);
  });

  it('accepts OBX-11 F, C, R and empty; keeps X only as an invalid value; skips P, D, W, I, N, S', () => {
    const line = (status: string) => obx(1, '150456^MDC_PULS_OXIM_SAT_O2^MDC', '96', '%', `||||${status}`);
    for (const s of ['F', 'C', 'R', '']) expect(readings(one(line(s)).result.items), s).toHaveLength(1);
    expect(readings(one(line('X')).result.items)[0]!.flags).toEqual(['invalid']);
    for (const s of ['P', 'D', 'W', 'I', 'N', 'S']) expect(readings(one(line(s)).result.items), s).toHaveLength(0);
  });

  it('each reading carries the message control id (MSH-10) for tracing its alarms', () => {
    const d = decodeHl7Message(pcd01Message({ controlId: 'CTRL9' }));
    expect(readings(d.result.items).every((r) => r.sourceMessageId === 'CTRL9')).toBe(true);
  });

  it('maps OBX-8 measurement status and null flavours to quality flags that block scoring', () => {
    const line = (flag: string, status = 'R') => obx(1, '150456^MDC_PULS_OXIM_SAT_O2^MDC', '70', '%', `|${flag}|||${status}`);
    const flags = (flag: string, status?: string) => readings(one(line(flag, status)).result.items)[0]!.flags;
    expect(flags('DEMO')).toEqual(['demo']);
    expect(flags('TEST')).toEqual(['test']);
    expect(flags('CAL')).toEqual(['calibration']);
    expect(flags('QUES')).toEqual(['questionable']);
    expect(flags('INV', 'X')).toEqual(['invalid']);
    for (const nf of ['NAV', 'OFF', 'NAN', 'NI', 'MSK']) expect(flags(nf), nf).toEqual(['invalid']);
    expect(flags('LL~DEMO')).toEqual(['device-alarm', 'demo']);
    for (const f of ['DEMO', 'TEST', 'CAL', 'QUES', 'INV', 'NAV']) expect(isScorable(flags(f) ?? []), f).toBe(false);
    expect(isScorable(flags('LL') ?? [])).toBe(true); // the device's own judgement: still scored
  });

  it('flags OBX-8 abnormal flags (table 0078) as device-alarm, information only', () => {
    const line = (flag: string) => obx(1, '150456^MDC_PULS_OXIM_SAT_O2^MDC', '86', '%', `|${flag}|||F`);
    expect(readings(one(line('L')).result.items)[0]!.flags).toEqual(['device-alarm']);
    expect(readings(one(line('N~LL')).result.items)[0]!.flags).toEqual(['device-alarm']);
    for (const f of ['H', 'HH', 'A', 'AA', '<', '>']) expect(readings(one(line(f)).result.items)[0]!.flags, f).toEqual(['device-alarm']);
    expect(readings(one(line('N')).result.items)[0]!.flags).toBeUndefined();
    expect(readings(one(line('')).result.items)[0]!.flags).toBeUndefined();
  });

  it('resolves escape sequences in PV1-3', () => {
    const d = decodeHl7Message(pcd01Message({ bed: 'B\\S\\7\\F\\A\\X2D\\1' }));
    expect(d.bed).toBe('B^7|A-1');
  });

  it('ignores non-numeric value types and passes numerics with unknown codes on as unmapped, without warnings', () => {
    const d = decodeHl7Message(pcd01Message({ obx: ['OBX|1|ST|184326^MDC_ECG_STAT_RHY^MDC|1.2.1|Sinus', 'OBX|2|NM|152872^MDC_CONC_MAC^MDC|1|1.1|%'] }));
    expect(d.result.items).toEqual([{ kind: 'unmapped', code: 'MDC:152872', label: 'MDC_CONC_MAC', value: 1.1, unit: '%', channel: '1', sourceTs: Date.UTC(2024, 2, 1, 10, 15, 0) }]);
    expect(d.warnings).toEqual([]);
    expect(d.result.error).toBeUndefined();
  });

  it('answers AE with the ObxRejection reason for bad values of a mapped code; an unmapped numeric is taken (AA)', () => {
    const cases: Array<[string, string]> = [
      [obx(1, '150456^MDC_PULS_OXIM_SAT_O2^MDC', 'ninety', '%'), 'not-a-number'],
      [obx(1, '150456^MDC_PULS_OXIM_SAT_O2^MDC', '140', '%'), 'implausible'],
      [obx(1, '147842^MDC_ECG_HEART_RATE^MDC', '64', '262688^MDC_DIM_PERCENT^MDC'), 'wrong-unit'],
      [obx(1, '150364^MDC_TEMP_BODY^MDC', '37', ''), 'no-unit'],
      [obx(1, '150037^MDC_PRESS_BLD_ART_ABP_SYS^MDC', '120', ''), 'no-unit'],
    ];
    for (const [line, reason] of cases) {
      const d = one(line);
      expect(d.rejected.map((r) => r.reason), line).toEqual([reason]);
      expect(d.verdict, line).toBe('error');
    }
    for (const line of [
      obx(1, '152872^MDC_CONC_MAC^MDC', '1.1', '%'), // a code nothing maps
      obx(1, '150364^MDC_TEMP_BODY^MDC', '37', 'furlongs'), // a unit nobody can read: kept as sent
    ]) {
      const d = one(line);
      expect(d.result.items.map((i) => i.kind), line).toEqual(['unmapped']);
      expect(d.rejected, line).toEqual([]);
      expect(d.verdict, line).toBe('accept');
    }
  });

  it('reports non-ORU and unparseable messages as errors', () => {
    expect(decodeHl7Message('garbage').result.error).toMatch(/^hl7: no MSH/);
    const adt = decodeHl7Message('MSH|^~\\&|A|B|||20240101||ADT^A01|X1|P|2.5\rPID|||1\r');
    expect(adt.result.error).toMatch(/unsupported message type "ADT\^A01"/);
    expect(adt.ack).toMatch(/\rMSA\|AR\|X1\|unsupported message type "ADT\\S\\A01"\rERR\|/);
  });

  it('parses HL7 DTM only with an offset', () => {
    expect(parseDtm('20240301101500+0100')).toBe(Date.UTC(2024, 2, 1, 9, 15, 0));
    expect(parseDtm('20240301101500.25-0030')).toBe(Date.UTC(2024, 2, 1, 10, 45, 0, 250));
    expect(parseDtm('20240301101500')).toBeUndefined();
    expect(parseDtm('2024')).toBeUndefined();
  });

  it('never throws and never yields non-finite values (random and mutated messages)', () => {
    const base = Buffer.from(pcd01Message());
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), { maxLength: 12 }).map((edits) => {
            const b = [...base];
            for (const [pos, byte, del] of edits) {
              const at = pos % b.length;
              if (del) b.splice(at, 1);
              else b[at] = byte;
            }
            return Buffer.from(b);
          }),
        ),
        (bytes) => {
          const d = decodeHl7Message(bytes);
          for (const r of readings(d.result.items)) expect(Number.isFinite(r.value)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('decodeHl7Message: vendor dialects', () => {
  it('decodes ORF^R04 query responses like ORU^R01', () => {
    const d = decodeHl7Message(pcd01Message().replace('ORU^R01^ORU_R01', 'ORF^R04^ORF_R04'));
    expect(d.result.error).toBeUndefined();
    expect(d.messageType).toBe('ORF^R04');
    expect(readings(d.result.items).map((r) => r.param)).toContain('spo2');
  });

  it('maps Philips MDIL hex codes through the MDC table, with vendor units', () => {
    const d = one('OBX|1|NM|0002-4bb8^SpO2^MDIL|1|95|%^%^UCUM|||||F');
    expect(readings(d.result.items)).toMatchObject([{ param: 'spo2', value: 95, code: 'MDIL:0002-4bb8' }]);
    const abp = one('OBX|1|NM|0002-4a15^ABPs^MDIL|2|118|mmHg|||||F');
    expect(readings(abp.result.items)).toMatchObject([{ param: 'abp_sys', value: 118, unit: 'mm[Hg]' }]);
    const unknown = one('OBX|1|NM|0002-d007^Vendor thing^MDIL|2|3.5|ml|||||F');
    expect(unknown.result.items).toMatchObject([{ kind: 'unmapped', code: 'MDIL:0002-d007', label: 'Vendor thing', value: 3.5, unit: 'ml' }]);
  });

  it("skips GE-style device-hierarchy rows and keeps the OBX-4 channel tree; takes OBX-18 as the equipment", () => {
    const d = decodeHl7Message(
      pcd01Message({
        obx: [
          'OBX|1||69855^MDC_DEV_METER_PRESS_BLD_CHAN^MDC|1.13.2.0|||||||X',
          'OBX|2|NM|150035^MDC_PRESS_BLD_ART_MEAN^MDC|1.13.1.3|93|266016^MDC_DIM_MMHG^MDC|||||R|||||||0012345678ABCDEF^EUI-64',
        ],
      }),
    );
    expect(d.result.items).toEqual([expect.objectContaining({ kind: 'reading', param: 'abp_mean', value: 93, channel: '1.13.1.3' })]);
    expect(d.equipmentId).toBe('0012345678ABCDEF');
  });

  it('turns alarm OBX rows into the device alarm list: priority from OBX-8 (PH/PM/PL) or the IntelliVue stars', () => {
    const d = decodeHl7Message(
      pcd01Message({
        obx: [
          'OBX|1|CWE|^MDC_EVT_ECG_ASYSTOLE^MDC|1.1.1.1|^Asystole|||PH~SP|||F',
          'OBX|2|ST|0002-d0a1^Alarm^MDIL-ALERT|1|** SpO2 Low||||||F',
          'OBX|3|ST|0002-d0a2^Alarm^MDIL-ALERT|1|!! Leads Off|||PL~ST|||F',
        ],
      }),
    );
    expect(d.deviceAlarms).toEqual([
      { kind: 'physiological', priority: 'high', text: 'Asystole', eventRef: 'MDC_EVT_ECG_ASYSTOLE', sourceTs: Date.UTC(2024, 2, 1, 10, 15, 0) },
      { kind: 'physiological', priority: 'medium', text: 'SpO2 Low', sourceTs: Date.UTC(2024, 2, 1, 10, 15, 0) },
      { kind: 'technical', priority: 'low', text: '!! Leads Off', sourceTs: Date.UTC(2024, 2, 1, 10, 15, 0) },
    ]);
    expect(decodeHl7Message(pcd01Message({ obx: ['OBX|1|CWE|^MDC_EVT_ECG_ASYSTOLE^MDC|1.1.1.1||||||F'] })).deviceAlarms).toEqual([]);
    expect(decodeHl7Message(pcd01Message()).deviceAlarms).toBeUndefined();
  });
});
