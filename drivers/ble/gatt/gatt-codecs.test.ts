import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Decoded, DecodeResult } from '../../core/observation.js';
import { GATT_CODECS, isGattCodecId, uuid128, parseHeartRateMeasurement, parseBloodPressureMeasurement } from './index.js';
import { decodeBatteryLevel } from './battery-level.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const readings = (r: DecodeResult): Array<Extract<Decoded, { kind: 'reading' }>> =>
  r.items.filter((i): i is Extract<Decoded, { kind: 'reading' }> => i.kind === 'reading');
const conditions = (r: DecodeResult): Record<string, boolean> =>
  Object.fromEntries(r.items.flatMap((i) => (i.kind === 'condition' ? [[i.condition, i.active]] : [])));
const conditionDetail = (r: DecodeResult, c: string): string | undefined =>
  r.items.find((i) => i.kind === 'condition' && i.condition === c && 'detail' in i)?.['detail' as never];

describe('uuid128', () => {
  it('expands onto the Bluetooth Base UUID in lowercase', () => {
    expect(uuid128(0x180d)).toBe('0000180d-0000-1000-8000-00805f9b34fb');
    expect(uuid128('2A37')).toBe('00002a37-0000-1000-8000-00805f9b34fb');
    expect(() => uuid128(0x10000)).toThrow(RangeError);
  });
});

// Heart Rate Measurement vectors: NordicSemiconductor/Android-BLE-Common-Library,
// ble-common/src/test/.../hr/HeartRateMeasurementDataCallbackTest.java, and `0648` (flags 0x06: sensor contact supported and detected; 0x48 = 72).
describe('2a37 Heart Rate Measurement', () => {
  const decode = GATT_CODECS['2a37'];

  it('0648: contact supported and detected, 72 /min', () => {
    const r = decode(hex('0648'));
    expect(r.error).toBeUndefined();
    expect(readings(r)).toEqual([{ kind: 'reading', param: 'hr', value: 72, unit: '/min' }]);
    expect(conditions(r)).toEqual({ 'no-contact': false });
  });

  it('Nordic "simple": {0, 85} -> 85, contact not supported so no contact condition', () => {
    const r = decode(Uint8Array.of(0, 85));
    expect(readings(r).map((x) => x.value)).toEqual([85]);
    expect(conditions(r)).toEqual({});
  });

  it('Nordic "noContact": {0x04, 0xFF} -> 255 kept but invalid, no-contact active', () => {
    const r = decode(Uint8Array.of(0x04, 0xff));
    expect(readings(r)).toEqual([{ kind: 'reading', param: 'hr', value: 255, unit: '/min', flags: ['invalid'] }]);
    expect(conditions(r)).toEqual({ 'no-contact': true });
  });

  it('Nordic "uint8": energy 50 kJ and one RR interval of 33/1024 s', () => {
    const p = parseHeartRateMeasurement(Uint8Array.of(0b11110, 85, 50, 0, 33, 0));
    expect(p).toEqual({
      ok: true,
      frame: { heartRate: 85, contactDetected: true, energyExpendedKj: 50, rrIntervalsRaw: [33], rrIntervalsS: [33 / 1024] },
    });
  });

  it('Nordic "uint16": 257 /min, energy 306, RR 1, 258, 65535', () => {
    const p = parseHeartRateMeasurement(Uint8Array.of(0b11111, 1, 1, 50, 1, 1, 0, 2, 1, 0xff, 0xff));
    expect(p.ok && p.frame).toMatchObject({ heartRate: 257, energyExpendedKj: 306, rrIntervalsRaw: [1, 258, 65535] });
    expect(p.ok && p.frame.rrIntervalsS[2]).toBeCloseTo(63.999, 3);
  });

  it('Nordic "invalid": RR flag set but no RR bytes is an error, not a throw', () => {
    const r = decode(Uint8Array.of(0b10111, 1, 1));
    expect(r.items).toEqual([]);
    expect(r.error).toMatch(/RR-interval/);
  });

  it('uint16 flag with one byte of value, empty frame and odd RR tail are errors', () => {
    expect(decode(Uint8Array.of(0x01, 0x48)).error).toMatch(/too short/);
    expect(decode(new Uint8Array(0)).error).toMatch(/flags/);
    expect(decode(Uint8Array.of(0x10, 60, 0x00, 0x04, 0x01)).error).toMatch(/odd/);
  });
});

describe('2a5e PLX Spot-Check Measurement', () => {
  const decode = GATT_CODECS['2a5e'];
  // flags 0x0F: SpO2 97, PR 72, 2024-03-01 10:20:30, status 0x4000 questionable, sensor 0x000020 low perfusion, PAI 2.5
  const full = '0F 6100 4800 E807 03 01 0A 14 1E 0040 200000 19F0';

  it('decodes every optional field in flag order', () => {
    const r = decode(hex(full));
    expect(r.error).toBeUndefined();
    const ts = Date.UTC(2024, 2, 1, 10, 20, 30);
    const flags = ['questionable', 'low-perfusion'];
    expect(readings(r)).toEqual([
      { kind: 'reading', param: 'spo2', value: 97, unit: '%', sourceTs: ts, flags },
      { kind: 'reading', param: 'pr', value: 72, unit: '/min', sourceTs: ts, flags },
      { kind: 'reading', param: 'pi', value: 2.5, unit: '%', sourceTs: ts, flags },
    ]);
    expect(conditions(r)).toMatchObject({ 'data-invalid': false, 'low-perfusion': true, 'no-sensor': false, 'sensor-off': false });
    expect(conditionDetail(r, 'low-perfusion')).toBe('low perfusion detected');
  });

  it('Device Clock Not Set (bit 4) drops the timestamp', () => {
    const r = decode(hex(full.replace(/^0F/, '1F')));
    expect(readings(r).every((x) => x.sourceTs === undefined)).toBe(true);
  });

  it('a NaN SpO2 yields no SpO2 reading and data-invalid active', () => {
    const r = decode(hex('00 FF07 4800'));
    expect(readings(r).map((x) => x.param)).toEqual(['pr']);
    expect(conditions(r)).toEqual({ 'data-invalid': true });
    expect(conditionDetail(r, 'data-invalid')).toBe('spo2=nan');
  });

  it('truncated inside the timestamp is an error', () => {
    expect(decode(hex('01 6100 4800 E807 03')).error).toMatch(/timestamp/);
  });
});

describe('2a5f PLX Continuous Measurement', () => {
  const decode = GATT_CODECS['2a5f'];

  it('normal, fast and slow pairs, invalid status and a disconnected sensor', () => {
    // flags 0x1F; normal 98/70, fast 97/71, slow 98/69, status 0x8000 invalid, sensor 0x008000 disconnected, PAI 1.2
    const r = decode(hex('1F 6200 4600 6100 4700 6200 4500 0080 008000 0CF0'));
    expect(r.error).toBeUndefined();
    expect(readings(r).map((x) => [x.param, x.channel ?? 'normal', x.value, x.flags])).toEqual([
      ['spo2', 'normal', 98, ['invalid']],
      ['pr', 'normal', 70, ['invalid']],
      ['spo2', 'fast', 97, ['invalid']],
      ['pr', 'fast', 71, ['invalid']],
      ['spo2', 'slow', 98, ['invalid']],
      ['pr', 'slow', 69, ['invalid']],
      ['pi', 'normal', 1.2, ['invalid']],
    ]);
    expect(conditions(r)).toMatchObject({ 'data-invalid': true, 'no-sensor': true, 'device-fault': false });
    expect(conditionDetail(r, 'data-invalid')).toBe('invalid measurement detected');
  });

  it('the two flag layouts differ: the same bytes read differently as 0x2A5E and 0x2A5F', () => {
    const bytes = hex('01 6200 4600 E807 03 01 0A 14 1E');
    const spot = GATT_CODECS['2a5e'](bytes);
    const cont = decode(bytes);
    expect(readings(spot).map((x) => x.sourceTs)).toEqual([Date.UTC(2024, 2, 1, 10, 20, 30), Date.UTC(2024, 2, 1, 10, 20, 30)]);
    // In 0x2A5F bit 0 means SpO2PR-Fast: E807 / 0301 are read as a fast pair.
    expect(readings(cont).filter((x) => x.channel === 'fast').map((x) => x.value)).toEqual([2024, 259]);
  });

  it('fast flag without the fast pair is an error', () => {
    expect(decode(hex('01 6200 4600')).error).toMatch(/SpO2PR-Fast/);
  });
});

// Temperature Measurement vector: Nordic TemperatureMeasurementDataCallbackTest.java
describe('2a1c Temperature Measurement', () => {
  const decode = GATT_CODECS['2a1c'];

  it('Nordic vector: 37.60 Cel, 2012-12-05 11:50:27, finger', () => {
    const r = decode(hex('06 B00E00FE DC07 0C 05 0B 32 1B 04'));
    expect(readings(r)).toEqual([
      { kind: 'reading', param: 'tskin', value: 37.6, unit: 'Cel', channel: 'finger', site: 'finger', sourceTs: Date.UTC(2012, 11, 5, 11, 50, 27) },
    ]);
    expect(conditions(r)).toEqual({ 'data-invalid': false });
  });

  it('Nordic invalid vector: Temperature Type flag without the type byte', () => {
    expect(decode(hex('06 B00E00FE DC07 0C 05 0B 32 1B')).error).toMatch(/temperature type/);
  });

  it('Fahrenheit 98.6 normalises to 37 Cel; 101.3 degF to 38.5 Cel', () => {
    expect(readings(decode(hex('01 DA0300FF')))[0]?.value).toBe(37); // 986 e-1 degF
    expect(readings(decode(hex('01 F50300FF')))[0]?.value).toBe(38.5); // 1013 e-1 degF = 38.5 Cel
  });

  it('NRes yields no temperature and data-invalid; year 0 yields no timestamp', () => {
    const r = decode(hex('00 00008000'));
    expect(readings(r)).toEqual([]);
    expect(conditionDetail(r, 'data-invalid')).toBe('temp=nres');
    const noYear = decode(hex('02 6C0100FF 0000 0C 05 0B 32 1B'));
    expect(readings(noYear)[0]).toEqual({ kind: 'reading', param: 'temp', value: 36.4, unit: 'Cel' });
  });

  it('unknown temperature type keeps a channel naming the code', () => {
    expect(readings(decode(hex('04 6C0100FF 0C')))[0]?.channel).toBe('type-12');
  });
});

// Blood Pressure Measurement vectors: Nordic BloodPressureMeasurementDataCallbackTest.java (bps/)
describe('2a35 Blood Pressure Measurement', () => {
  const decode = GATT_CODECS['2a35'];

  it('Nordic "full": 138/88 (120) mmHg, year 0 so no timestamp, PR 60, user 1, status 0b100111', () => {
    const bytes = hex('1E 8A00 5800 7800 0000 04 11 14 29 3B 3C00 01 2700');
    const r = decode(bytes);
    expect(r.error).toBeUndefined();
    expect(readings(r).map((x) => [x.param, x.value, x.unit, x.sourceTs, x.flags])).toEqual([
      ['sbp', 138, 'mm[Hg]', undefined, ['questionable']],
      ['dbp', 88, 'mm[Hg]', undefined, ['questionable']],
      ['map', 120, 'mm[Hg]', undefined, ['questionable']],
      ['pr', 60, '/min', undefined, ['questionable']],
    ]);
    expect(conditions(r)).toEqual({ 'data-invalid': false, 'body-movement': true, 'cuff-fit': true, 'irregular-pulse': true });
    const p = parseBloodPressureMeasurement(bytes);
    expect(p.ok && p.frame.userId).toBe(1);
    expect(p.ok && p.frame.status).toMatchObject({ pulseRateRange: 'in-range', improperPosition: true });
  });

  it('Nordic "some": kPa 18.9/11/15.9 normalised to mm[Hg]; cuff loose; PR below lower limit', () => {
    const bytes = hex('15 BDF0 0B00 9FF0 3C00 1200');
    const r = decode(bytes);
    expect(readings(r).map((x) => [x.param, x.value, x.unit])).toEqual([
      ['sbp', 141.8, 'mm[Hg]'],
      ['dbp', 82.5, 'mm[Hg]'],
      ['map', 119.3, 'mm[Hg]'],
      ['pr', 60, '/min'],
    ]);
    expect(conditions(r)).toMatchObject({ 'cuff-fit': true, 'body-movement': false, 'irregular-pulse': false });
    const p = parseBloodPressureMeasurement(bytes);
    expect(p.ok && p.frame.status?.pulseRateRange).toBe('below-lower-limit');
  });

  it('Nordic "minimal": mmHg with no optional field and no status conditions', () => {
    const r = decode(hex('00 BDF0 0B00 9FF0'));
    expect(readings(r).map((x) => x.value)).toEqual([18.9, 11, 15.9]);
    expect(conditions(r)).toEqual({ 'data-invalid': false });
  });

  it('Nordic "toShort" and "noTimestamp" are errors', () => {
    expect(decode(Uint8Array.of(1, 2, 3, 4, 5, 6)).error).toMatch(/mean arterial/);
    expect(decode(Uint8Array.of(3, 2, 3, 4, 5, 6, 7)).error).toMatch(/time stamp/);
  });

  it('a NaN MAP (cuff that does not compute it) gives sbp and dbp but no map', () => {
    const r = decode(hex('00 7800 5000 FF07'));
    expect(readings(r).map((x) => x.param)).toEqual(['sbp', 'dbp']);
    expect(conditionDetail(r, 'data-invalid')).toBe('map=nan');
  });

  it('a full timestamp becomes sourceTs on every reading', () => {
    const r = decode(hex('02 7800 5000 5D00 E807 0C 1F 17 3B 3B'));
    expect(readings(r).every((x) => x.sourceTs === Date.UTC(2024, 11, 31, 23, 59, 59))).toBe(true);
  });
});

describe('2a19 Battery Level', () => {
  it('below the threshold is low-battery, at it is not', () => {
    expect(conditions(GATT_CODECS['2a19'](Uint8Array.of(19)))).toEqual({ 'low-battery': true });
    expect(conditions(GATT_CODECS['2a19'](Uint8Array.of(20)))).toEqual({ 'low-battery': false });
    expect(conditions(decodeBatteryLevel(Uint8Array.of(25), 30))).toEqual({ 'low-battery': true });
    expect(conditionDetail(GATT_CODECS['2a19'](Uint8Array.of(100)), 'low-battery')).toBe('battery 100 %');
  });

  it('reserved levels and an empty value are errors', () => {
    expect(GATT_CODECS['2a19'](Uint8Array.of(101)).error).toMatch(/reserved/);
    expect(GATT_CODECS['2a19'](new Uint8Array(0)).error).toMatch(/too short/);
  });
});

describe('every codec on random bytes', () => {
  const ids = Object.keys(GATT_CODECS).filter(isGattCodecId);

  it.each(ids)('%s never throws and never yields a non-finite reading', (id) => {
    const decode = GATT_CODECS[id];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
        const r = decode(bytes);
        if (r.error !== undefined) return r.items.length === 0;
        return readings(r).every((x) => Number.isFinite(x.value) && (x.sourceTs === undefined || Number.isFinite(x.sourceTs)));
      }),
      { numRuns: 3000 },
    );
  });

  it.each(ids)('%s: every strict prefix of a full frame is an error result, never a throw', (id) => {
    const full: Record<string, string> = {
      '2a37': '1F 0101 3201 0100', // one RR interval: with more, dropping whole ones is a valid frame
      '2a5e': '0F 6100 4800 E807 03 01 0A 14 1E 0040 200000 19F0',
      '2a5f': '1F 6200 4600 6100 4700 6200 4500 0080 008000 0CF0',
      '2a1c': '06 B00E00FE DC07 0C 05 0B 32 1B 04',
      '2a35': '1E 8A00 5800 7800 0000 04 11 14 29 3B 3C00 01 2700',
      '2a19': '40',
    };
    const bytes = hex(full[id] ?? '');
    expect(GATT_CODECS[id](bytes).error).toBeUndefined();
    for (let n = 0; n < bytes.length; n++) expect(GATT_CODECS[id](bytes.subarray(0, n)).error).toBeDefined();
  });
});
