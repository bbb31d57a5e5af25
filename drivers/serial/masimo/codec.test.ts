import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decoded } from '../../core/observation.js';
import { decodeMasimoLine, isMasimoPlaceholder, MASIMO_ALARM_BITS, MASIMO_EXC_BITS } from './codec.js';

// Published sample lines (test/fixtures/captures/PROVENANCE.md): the Radical-7 and Radical-5 examples of the MD PnP
// header poxrad_discrete.h, and the Rad-8, Radical-7 colour-screen and Radical-7 service-manual lines given in
// masimo-capture.py. sources.test.ts decodes them (and the Rad-8 manual's trend sample) in full.
const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/captures/${name}`, import.meta.url), 'latin1')
    .split(/\r?\n/)
    .filter((l) => l !== '');
const [RADICAL7, RADICAL5] = fixture('masimo-poxrad-discrete-examples.txt') as [string, string];
const [RAD8_NO_SENSOR, RADICAL7_COLOUR, RADICAL7_NO_DATA] = fixture('masimo-capture-py-example-lines.txt') as [string, string, string];

const readings = (items: Decoded[]) => items.filter((i) => i.kind === 'reading');
const conditions = (items: Decoded[]) => items.filter((i) => i.kind === 'condition');
const active = (items: Decoded[]) =>
  conditions(items)
    .filter((c) => c.kind === 'condition' && c.active)
    .map((c) => (c.kind === 'condition' ? c.condition : ''))
    .sort();

describe('decodeMasimoLine', () => {
  it('decodes the Radical-7 example line', () => {
    const r = decodeMasimoLine(RADICAL7);
    expect(r.error).toBeUndefined();
    expect(readings(r.items)).toEqual([
      { kind: 'reading', param: 'spo2', value: 98, unit: '%', code: 'MASIMO:SPO2' },
      { kind: 'reading', param: 'pr', value: 240, unit: '/min', code: 'MASIMO:BPM' },
      { kind: 'reading', param: 'pi', value: 20, unit: '%', code: 'MASIMO:PI' },
    ]);
    // the fields with no canonical parameter are not dropped: unmapped, with the unit the line prints (or none)
    expect(r.items.filter((i) => i.kind === 'unmapped')).toEqual([
      { kind: 'unmapped', code: 'MASIMO:SPCO', value: 1, unit: '%' },
      { kind: 'unmapped', code: 'MASIMO:SPMET', value: 0.5, unit: '%' },
      { kind: 'unmapped', code: 'MASIMO:DESAT', value: 1, unit: '' },
      { kind: 'unmapped', code: 'MASIMO:PIDELTA', value: -2, unit: '' },
      { kind: 'unmapped', code: 'MASIMO:PVI', value: 27, unit: '' },
    ]);
    // EXC 0x820 = Sensor Off + Masimo SET (SET is informational)
    expect(active(r.items)).toEqual(['sensor-off']);
    const cleared = conditions(r.items).filter((c) => c.kind === 'condition' && !c.active).map((c) => (c.kind === 'condition' ? c.condition : ''));
    expect(cleared).toEqual(expect.arrayContaining(['no-sensor', 'sensor-fault', 'low-perfusion', 'pulse-search', 'interference', 'low-signal', 'device-alarm-silenced', 'low-battery']));
  });

  it('decodes the Radical-5 line with 2-digit ALARM and 3-digit EXC', () => {
    const r = decodeMasimoLine(RADICAL5);
    expect(r.error).toBeUndefined();
    expect(readings(r.items).map((i) => (i.kind === 'reading' ? [i.param, i.value] : []))).toEqual([
      ['spo2', 97],
      ['pr', 64],
      ['pi', 11.82],
    ]);
    expect(active(r.items)).toEqual(['device-alarm-silenced']); // ALARM 0x20 = alarm silenced
  });

  it('turns every placeholder into no value, never zero', () => {
    for (const line of [RADICAL7_NO_DATA, RAD8_NO_SENSOR]) {
      const r = decodeMasimoLine(line);
      expect(r.error).toBeUndefined();
      expect(readings(r.items)).toEqual([]);
    }
    expect(active(decodeMasimoLine(RAD8_NO_SENSOR).items)).toEqual(['no-sensor']);
    for (const p of ['---', '---%', '--.--%', '--.-%', '--', '+--', '-.--', '--%', '---/min']) {
      expect(isMasimoPlaceholder(p), p).toBe(true);
      expect(readings(decodeMasimoLine(`SPO2=${p} BPM=${p} PI=${p} EXC=000`).items), p).toEqual([]);
    }
    for (const v of ['098%', '000', '00.00%', '-02', '1-2']) expect(isMasimoPlaceholder(v), v).toBe(false);
  });

  it('passes every numeric field it does not map on as unmapped, never a placeholder or no-sensor filler', () => {
    const r = decodeMasimoLine('SPO2=097% BPM=072 PI=02.10% SPCO=02.5% SPMET=01.1% SPHB=13.4 SPOC=19 PVI=014 DESAT=03 PIDELTA=+05 RRA=16/min XYZ=abc ALARM=0000 EXC=000000');
    expect(r.error).toBeUndefined();
    expect(r.items.filter((i) => i.kind === 'unmapped').map((i) => (i.kind === 'unmapped' ? [i.code, i.value, i.unit] : []))).toEqual([
      ['MASIMO:SPCO', 2.5, '%'],
      ['MASIMO:SPMET', 1.1, '%'],
      ['MASIMO:SPHB', 13.4, ''],
      ['MASIMO:SPOC', 19, ''],
      ['MASIMO:PVI', 14, ''],
      ['MASIMO:DESAT', 3, ''],
      ['MASIMO:PIDELTA', 5, ''],
      ['MASIMO:RRA', 16, '/min'], // a field no source names, from newer firmware: still kept
    ]);
    // dashes are no value; the Radical-7 "no data" line has nothing unmapped
    expect(decodeMasimoLine(RADICAL7_NO_DATA).items.filter((i) => i.kind === 'unmapped')).toEqual([]);
    // zeros while the exceptions say no sensor are filler, for unmapped fields as for mapped ones
    const off = decodeMasimoLine('SPO2=000% BPM=000 PI=00.00% SPCO=00.0% PVI=000 DESAT=00 ALARM=0000 EXC=000020');
    expect(off.items.filter((i) => i.kind === 'reading' || i.kind === 'unmapped')).toEqual([]);
    // a field the sources name must hold a number or dashes
    expect(decodeMasimoLine('SPO2=097% BPM=072 SPCO=0?.5% EXC=000').error).toMatch(/bad SPCO value/);
    // the serial number and EXC1 are not measurements
    expect(decodeMasimoLine(RADICAL7_COLOUR).items.filter((i) => i.kind === 'unmapped')).toEqual([]);
  });

  it('reads the Radical-7 colour line: PI without %, 6-digit ALARM, 7-digit EXC', () => {
    const r = decodeMasimoLine(RADICAL7_COLOUR);
    expect(r.error).toBeUndefined();
    const rs = readings(r.items);
    expect(rs.map((i) => (i.kind === 'reading' ? [i.param, i.value] : []))).toEqual([
      ['spo2', 98],
      ['pr', 123],
      ['pi', 0.55],
    ]);
    // EXC 0xC00 = Low Signal IQ + Masimo SET: condition low-signal, readings questionable
    expect(active(r.items)).toEqual(['low-signal']);
    for (const i of rs) expect(i.kind === 'reading' && i.flags).toEqual(['questionable']);
  });

  it.each(MASIMO_EXC_BITS.map((d) => [d.name, d] as const))('EXC bit %s', (_name, d) => {
    for (const width of [3, 6, 7]) {
      if (d.bit >= 16 ** width) continue;
      const hex = d.bit.toString(16).toUpperCase().padStart(width, '0');
      const r = decodeMasimoLine(`SPO2=095% BPM=080 PI=03.10% ALARM=0000 EXC=${hex}`);
      expect(r.error).toBeUndefined();
      expect(active(r.items)).toEqual(d.condition ? [d.condition] : []);
      const withDetail = conditions(r.items).find((c) => c.kind === 'condition' && c.active);
      if (d.condition) expect(withDetail?.kind === 'condition' && withDetail.detail).toBe(d.name);
      const flags = readings(r.items).map((i) => (i.kind === 'reading' ? i.flags ?? [] : []));
      for (const f of flags) expect(f).toEqual(d.flag ? [d.flag] : []);
    }
  });

  it.each(MASIMO_ALARM_BITS.map((d) => [d.name, d] as const))('ALARM bit %s', (_name, d) => {
    const hex = d.bit.toString(16).padStart(4, '0');
    const r = decodeMasimoLine(`SPO2=095% BPM=080 PI=03.10% ALARM=${hex} EXC=000000`);
    expect(r.error).toBeUndefined();
    expect(active(r.items)).toEqual(d.condition ? [d.condition] : []);
    expect(r.deviceAlarms).toEqual(d.device ? [{ ...d.device, text: d.name }] : []);
    for (const i of readings(r.items)) {
      if (i.kind !== 'reading') continue;
      expect(i.flags ?? []).toEqual(d.param === i.param ? ['device-alarm'] : []);
    }
  });

  it('reports several set bits together and clears them in the next frame', () => {
    const on = decodeMasimoLine('SPO2=---% BPM=--- PI=--.--% ALARM=0060 EXC=00003C');
    expect(active(on.items)).toEqual(['device-alarm-silenced', 'interference', 'low-battery', 'low-perfusion', 'pulse-search', 'sensor-off']);
    const off = decodeMasimoLine('SPO2=097% BPM=070 PI=02.00% ALARM=0000 EXC=000800');
    expect(active(off.items)).toEqual([]);
    expect(conditions(off.items).length).toBeGreaterThanOrEqual(8);
  });

  it("lists the device's own alarms at the Rad-8's priorities, and an empty list once the bits clear", () => {
    const alarmsOf = (alarm: string, exc = '000000') => decodeMasimoLine(`SPO2=085% BPM=130 PI=01.20% ALARM=${alarm} EXC=${exc}`).deviceAlarms;
    // Rad-8 manual, "Alarm identification": low SpO2 and high/low pulse rate high priority, high saturation low
    expect(alarmsOf('0012')).toEqual([{ kind: 'physiological', priority: 'high', text: 'SpO2 low limit' }]);
    expect(alarmsOf('0011')).toEqual([{ kind: 'physiological', priority: 'low', text: 'SpO2 high limit' }]);
    expect(alarmsOf('0016')).toEqual([
      { kind: 'physiological', priority: 'high', text: 'SpO2 low limit' },
      { kind: 'physiological', priority: 'high', text: 'Pulse rate high limit' },
    ]);
    expect(alarmsOf('001C')?.map((a) => a.text)).toEqual(['Pulse rate high limit', 'Pulse rate low limit']);
    // still the device's alarm while its sound is silenced (0x20): it keeps alarming on its screen
    expect(alarmsOf('0032')).toEqual([{ kind: 'physiological', priority: 'high', text: 'SpO2 low limit' }]);
    // Radical-7 rainbow alarms: medium (our choice, no source gives one)
    expect(alarmsOf('1100')).toEqual([
      { kind: 'physiological', priority: 'medium', text: 'SpCO high limit' },
      { kind: 'physiological', priority: 'medium', text: 'Desaturation index alarm' },
    ]);
    // sensor off / no sensor: the device's high-priority alarm only while it says an alarm is active
    expect(alarmsOf('0000', '000020')).toEqual([]);
    expect(alarmsOf('0010', '000020')).toEqual([{ kind: 'technical', priority: 'high', text: 'Sensor Off' }]);
    expect(alarmsOf('0010', '001001')).toEqual([{ kind: 'technical', priority: 'high', text: 'No Sensor, No Cable Connected' }]);
    // an active alarm with no bit naming it, or a limit bit's alarm gone: nothing listed
    expect(alarmsOf('0010')).toEqual([]);
    expect(alarmsOf('0000')).toEqual([]);
    // a line without ALARM (the Rad-8 trend style) says nothing about the device's alarms; a bad line neither
    expect(decodeMasimoLine('SPO2=085% BPM=130 EXC=000').deviceAlarms).toBeUndefined();
    expect(decodeMasimoLine('SPO2=0?5% BPM=130 ALARM=0012 EXC=000').deviceAlarms).toBeUndefined();
  });

  it('rejects corrupt lines whole', () => {
    for (const bad of [
      '',
      'hello world',
      '\u0000\u00ff\u0013',
      'SPO2=0?8% BPM=072 EXC=000',
      'SPO2=098% BPM=072 EXC=00G',
      'SPO2=198% BPM=072 EXC=000', // SpO2 above 100
      'SPO2=098% BPM=072 ALARM= EXC=000',
      '12/01/05 SPO2 098',
      'SN=0123456789 DESAT=01',
      'x'.repeat(600),
    ]) {
      const r = decodeMasimoLine(bad);
      expect(r.error, bad).toMatch(/^masimo: /);
      expect(r.items).toEqual([]);
    }
  });

  it('never throws and never yields a non-finite value (random text)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = decodeMasimoLine(s);
        for (const i of r.items) if (i.kind === 'reading') expect(Number.isFinite(i.value)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws and never yields a non-finite value (mutated real lines)', () => {
    const samples = [RADICAL7, RADICAL5, RADICAL7_NO_DATA, RAD8_NO_SENSOR, RADICAL7_COLOUR];
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { maxLength: 8 }),
        (line, edits) => {
          const b = [...Buffer.from(line, 'latin1')];
          for (const [pos, byte, op] of edits) {
            const at = pos % (b.length + 1);
            if (op === 'set') b[at] = byte;
            else if (op === 'insert') b.splice(at, 0, byte);
            else b.splice(at, 1);
          }
          const r = decodeMasimoLine(Buffer.from(b).toString('latin1'));
          for (const i of r.items) {
            if (i.kind === 'reading') {
              expect(Number.isFinite(i.value)).toBe(true);
              expect(i.value).toBeGreaterThanOrEqual(0);
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('Masimo: Rad-8 trend-style exceptions and no-sensor filler', () => {
  const line = (exc: string, spo2 = '097', bpm = '072', pi = '02.10') => `02/01/24 10:15:00 SN=0000012345 SPO2=${spo2}% BPM=${bpm} PI=${pi}% ALARM=0000 EXC=${exc}`;
  const active = (r: ReturnType<typeof decodeMasimoLine>) => r.items.filter((i) => i.kind === 'condition' && i.active).map((i) => (i as { condition: string }).condition);

  it('reads EXC=<bits>:<names> as the bits plus the named exceptions', () => {
    const set = decodeMasimoLine(line('800:SET'));
    expect(set.error).toBeUndefined();
    expect(active(set)).toEqual([]);
    expect(active(decodeMasimoLine(line('000:LOW PERFUSION')))).toEqual(['low-perfusion']);
    expect(active(decodeMasimoLine(line('004:LowPerfusion,PulseSearch')))).toEqual(['low-perfusion', 'pulse-search']);
    // the manual defines EXC by its bits: a name the table lacks adds nothing, a stray byte in a name spoils the line
    expect(decodeMasimoLine(line('800:NOTANAME')).error).toBeUndefined();
    expect(active(decodeMasimoLine(line('004:NOTANAME')))).toEqual(['low-perfusion']);
    expect(decodeMasimoLine(line('800:SET,O\u0001K')).error).toMatch(/bad exception name/);
  });

  it('reads exception names with spaces in them: the line is cut at each KEY=, not at white space', () => {
    const r = decodeMasimoLine(line('021:NO SENSOR,SENSOR OFF', '000', '000', '00.00'));
    expect(r.error).toBeUndefined();
    expect(active(r).sort()).toEqual(['no-sensor', 'sensor-off']);
    expect(r.items.filter((i) => i.kind === 'reading')).toEqual([]);
    // names without the bits, in any case and spacing, and the field after them still read as its own field
    const named = decodeMasimoLine('SPO2=095% BPM=080 EXC=000:Low Perfusion, pulse  search ALARM=0020');
    expect(named.error).toBeUndefined();
    expect(active(named).sort()).toEqual(['device-alarm-silenced', 'low-perfusion', 'pulse-search']);
    expect(named.items.filter((i) => i.kind === 'reading').map((i) => (i.kind === 'reading' ? i.flags : []))).toEqual([
      ['low-perfusion', 'questionable'],
      ['low-perfusion', 'questionable'],
    ]);
    // a name the table lacks adds nothing (the bits decide), and white space inside a number still spoils it
    expect(active(decodeMasimoLine(line('020:SENSOR OFF,NOT A NAME'))).sort()).toEqual(['sensor-off']);
    expect(decodeMasimoLine('SPO2=09 8% BPM=080 EXC=000').error).toMatch(/bad SPO2 value "09 8%"/);
  });

  it('maps every documented exception bit to a condition or a quality flag (Masimo SET is informational)', () => {
    for (const d of MASIMO_EXC_BITS) {
      if (d.name === 'Masimo SET' || d.name.startsWith('Sp')) continue;
      expect(d.condition ?? d.flag, d.name).toBeDefined();
    }
  });

  it('drops zero readings while the exceptions say no sensor, keeps them otherwise', () => {
    const none = decodeMasimoLine(line('000001', '000', '000', '00.00'));
    expect(none.items.filter((i) => i.kind === 'reading')).toEqual([]);
    expect(active(none)).toEqual(['no-sensor']);
    const off = decodeMasimoLine(line('020:SensorOff', '000', '000', '00.00'));
    expect(off.items.filter((i) => i.kind === 'reading')).toEqual([]);
    expect(decodeMasimoLine(line('000000', '097', '072', '00.30')).items.filter((i) => i.kind === 'reading')).toHaveLength(3);
    // a zero pulse rate or PI is below the Rad-8's measurement range (25-240 bpm, 0.02-20 %): filler, even with no
    // exception; and with no pulse found the other fields of the line are not measurements either
    const zeroPulse = decodeMasimoLine(`${line('000000', '097', '000')} SPCO=00.0% PVI=012`);
    expect(zeroPulse.items.filter((i) => i.kind === 'reading').map((i) => (i.kind === 'reading' ? i.param : ''))).toEqual(['spo2', 'pi']);
    expect(zeroPulse.items.filter((i) => i.kind === 'unmapped').map((i) => (i.kind === 'unmapped' ? i.code : ''))).toEqual(['MASIMO:PVI']);
  });
});
