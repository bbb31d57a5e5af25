import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeFloatType } from './float-type.js';
import { assessMeasurementState, MS } from './measurement-state.js';
import { toCanonical } from './units.js';
import { mapPhysioId } from './physio-ids.js';
import { PARAMETERS } from '../../core/parameters.js';
import { RelativeClock, decodeAbsoluteTime, msToTicks, relativeDeltaMs, ticksToMs } from './time.js';

const f = (exp: number, mant: number): number => (((exp & 0xff) << 24) | (mant & 0xffffff)) >>> 0;

describe('FLOAT-Type', () => {
  it('decodes the programming-guide examples of 32 and 3200 [KO float_test.go "book 1..4"]', () => {
    expect(decodeFloatType(f(-3, 32000))).toEqual({ kind: 'number', value: 32 });
    expect(decodeFloatType(f(-1, 320))).toEqual({ kind: 'number', value: 32 });
    expect(decodeFloatType(f(1, 320))).toEqual({ kind: 'number', value: 3200 });
    expect(decodeFloatType(f(2, 32))).toEqual({ kind: 'number', value: 3200 });
  });
  it('sign-extends exponent and mantissa', () => {
    expect(decodeFloatType(0xff000175)).toEqual({ kind: 'number', value: 37.3 }); // 373e-1
    expect(decodeFloatType(f(-1, -5000))).toEqual({ kind: 'number', value: -500 });
  });
  it.each([
    [0x007fffff, 'NaN'],
    [0x00800000, 'NRes'],
    [0x007ffffe, '+INF'],
    [0x00800002, '-INF'],
    [0xfe7fffff, 'NaN'], // special mantissa with a non-zero exponent is still special
  ])('0x%s is the special value %s, never a number', (raw, name) => {
    expect(decodeFloatType(raw)).toEqual({ kind: 'special', special: name });
  });
  it('never returns a non-finite number for any 32-bit pattern', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (raw) => {
        const v = decodeFloatType(raw);
        if (v.kind === 'number') expect(Number.isFinite(v.value)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('MeasurementState', () => {
  it('keeps a clean value scorable and flag-free', () => {
    expect(assessMeasurementState(0)).toEqual({ emit: true, flags: [], scorable: true });
  });
  it('low-byte alarm flags do not invalidate', () => {
    const v = assessMeasurementState(MS.MSMT_STATE_IN_ALARM | MS.MSMT_STATE_AL_INHIBITED);
    expect(v.scorable).toBe(true);
    expect(v.flags).toEqual(['device-alarm']);
  });
  it.each([
    [MS.INVALID, 'invalid'],
    [MS.QUESTIONABLE, 'questionable'],
    [MS.CALIBRATION_ONGOING, 'calibration'],
    [MS.TEST_DATA, 'test'],
    [MS.DEMO_DATA, 'demo'],
  ])('state 0x%s is not scorable and flagged %s', (state, flag) => {
    const v = assessMeasurementState(state);
    expect(v.scorable).toBe(false);
    expect(v.flags).toContain(flag);
  });
  it('unavailable values are not emitted', () => {
    expect(assessMeasurementState(MS.UNAVAILABLE).emit).toBe(false);
  });
});

describe('units', () => {
  it('converts kPa to mm[Hg] for blood pressure (16 kPa = 120.0 mmHg)', () => {
    expect(toCanonical('sbp', 0x0f03, 16)).toEqual({ value: 120, unit: 'mm[Hg]' });
  });
  it('converts degF to Cel', () => {
    expect(toCanonical('temp', 0x1140, 98.6)).toEqual({ value: 37, unit: 'Cel' });
  });
  it('refuses a unit that does not belong to the parameter', () => {
    expect(toCanonical('spo2', 0x0aa0, 97)).toBeUndefined();
    expect(toCanonical('hr', 0x0000, 60)).toBeUndefined();
  });
});

describe('physio ids', () => {
  it('maps by id to the canonical parameter and MDC code of the parameter table', () => {
    for (const [id, param] of [
      [0x4182, 'hr'],
      [0x4bb8, 'spo2'],
      [0x4822, 'pr'],
      [0x500a, 'rr'],
      [0x4a05, 'sbp'],
      [0x4a06, 'dbp'],
      [0x4a07, 'map'],
    ] as const) {
      const m = mapPhysioId(id, 0x00020000 | id);
      expect(m?.param).toBe(param);
      expect(m?.mdc).toBe(2 * 65536 + id);
      // pleth pulse 0x4822 is 149538, not MDC_PULS_OXIM_PULS_RATE 149530 (0x481A): the reference note's
      // "0x4822 -> 149530" does not add up; every other row matches the parameter table.
      if (param !== 'pr') expect(m?.mdc).toBe(PARAMETERS[param].mdc);
    }
  });
  it('never maps a settings object that reuses a measurement id', () => {
    expect(mapPhysioId(0x4b48, 0x04024b48)).toBeUndefined(); // "sTemp"
    expect(mapPhysioId(0x5012, 0x04025012)).toBeUndefined(); // "sAWRR"
  });
  it('keeps the several pulse sources apart by channel', () => {
    expect(mapPhysioId(0x4822)?.channel).toBe('spo2');
    expect(mapPhysioId(0xf0e5)?.channel).toBe('nbp');
    expect(mapPhysioId(0x480a)?.channel).toBe('ibp');
  });
});

describe('time', () => {
  it('uses 125 us ticks', () => {
    expect(ticksToMs(8000)).toBe(1000);
    expect(msToTicks(60_000)).toBe(480_000);
  });
  it('computes deltas across the 2^32 wrap', () => {
    expect(relativeDeltaMs(0xffffff00, 0x00000100)).toBe(512 / 8);
    expect(relativeDeltaMs(0x00000100, 0xffffff00)).toBe(-512 / 8);
    const c = new RelativeClock(0xfffffff8, 1_000_000);
    expect(c.toEpochMs(0x00000008)).toBe(1_000_002);
  });
  it('decodes BCD absolute time and treats 0xFF as unset', () => {
    const t = decodeAbsoluteTime(Uint8Array.from([0x20, 0x24, 0x03, 0x15, 0x13, 0x45, 0x30, 0x50]));
    expect(t).toBe(Date.UTC(2024, 2, 15, 13, 45, 30, 500));
    expect(decodeAbsoluteTime(new Uint8Array(8).fill(0xff))).toBeUndefined();
    expect(decodeAbsoluteTime(Uint8Array.from([0x20, 0x24, 0x02, 0x31, 0, 0, 0, 0]))).toBeUndefined();
    expect(decodeAbsoluteTime(Uint8Array.from([0x20, 0x24, 0x1a, 0x01, 0, 0, 0, 0]))).toBeUndefined();
  });
});

describe('physio ids through the parameter table', () => {
  it('maps the extended-poll numerics by their MDC code: invasive pressures, EtCO2, awRR, PVC, ST, pulse by source', () => {
    for (const [id, param] of [
      [0x4a15, 'abp_sys'], // NOM_PRESS_BLD_ART_ABP_SYS
      [0x4a11, 'abp_sys'], // NOM_PRESS_BLD_ART_SYS ("ART")
      [0x4a1f, 'pap_mean'], // NOM_PRESS_BLD_ART_PULM_MEAN
      [0x4a47, 'cvp'], // NOM_PRESS_BLD_VEN_CENT_MEAN
      [0x580b, 'icp'], // NOM_PRESS_INTRA_CRAN_MEAN
      [0x50b0, 'etco2'], // NOM_AWAY_CO2_ET
      [0x50ba, 'fico2'], // NOM_AWAY_CO2_INSP_MIN, the capnograph's inspired CO2 (mmHg)
      [0x5012, 'awrr'], // NOM_AWAY_RESP_RATE
      [0x4261, 'pvc'], // NOM_ECG_V_P_C_CNT
      [0x0302, 'st_ii'], // NOM_ECG_AMPL_ST_II
      [0x0340, 'st_avf'], // NOM_ECG_AMPL_ST_AVF
      [0x480a, 'pr_ibp'], // NOM_PULS_RATE on a pressure line
      [0xf0e5, 'pr_nibp'], // NOM_PRESS_BLD_NONINV_PULS_RATE
      [0x4b74, 'tskin'], // NOM_TEMP_SKIN
    ] as const) {
      expect(mapPhysioId(id, 0x00020000 | id)?.param, id.toString(16)).toBe(param);
    }
    expect(mapPhysioId(0x4bb0)).toBeUndefined(); // relative perfusion: comes through unmapped
    // A ventilator's inspired CO2 concentration (%, NOM_VENT_CONC_AWAY_CO2_INSP) is not fico2 (mmHg): unmapped.
    expect(mapPhysioId(0x5160, 0x00025160)).toBeUndefined();
  });
});
