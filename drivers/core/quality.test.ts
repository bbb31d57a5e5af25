import { describe, expect, it } from 'vitest';
import { measurementStatusFlags } from '../ble/gatt/plx-status.js';
import { decodeMasimoLine } from '../serial/masimo/codec.js';
import { assessMeasurementState, MS } from '../serial/intellivue/measurement-state.js';
import { obx8Flags, obx11Verdict } from '../serial/hl7/measurement-status.js';
import { isScorable, QUALITY_FLAGS, unscoredReason } from './quality.js';

describe('one table of which quality flags block scoring, for every codec with a measurement status', () => {
  it('demo, test, calibration, invalid and questionable block scoring; the device\'s own abnormal flag does not', () => {
    for (const f of ['demo', 'test', 'calibration', 'invalid', 'questionable', 'out-of-range', 'unmapped'] as const) expect(QUALITY_FLAGS[f].blocksScoring, f).toBe(true);
    for (const f of ['device-alarm', 'low-perfusion', 'interference', 'clock-unsynced'] as const) expect(QUALITY_FLAGS[f].blocksScoring, f).toBe(false);
    expect(unscoredReason(['device-alarm', 'demo'])).toBe('demo data');
    expect(unscoredReason(['device-alarm'])).toBeUndefined();
  });

  it('HL7 OBX-8 / OBX-11, IntelliVue MeasurementState, Bluetooth PLX status and Masimo exceptions agree', () => {
    for (const f of ['DEMO', 'TEST', 'CAL', 'QUES', 'INV', 'NAV', 'OFF']) expect(isScorable(obx8Flags([f])), `OBX-8 ${f}`).toBe(false);
    expect(isScorable(obx8Flags(['H', 'LL', 'A']))).toBe(true);
    expect(obx11Verdict('X')).toEqual({ accept: true, flag: 'invalid' });
    expect(obx11Verdict('D').accept).toBe(false);
    for (const bit of [MS.DEMO_DATA, MS.TEST_DATA, MS.CALIBRATION_ONGOING, MS.INVALID, MS.QUESTIONABLE]) {
      expect(isScorable(assessMeasurementState(bit).flags), `IntelliVue 0x${bit.toString(16)}`).toBe(false);
    }
    expect(isScorable(assessMeasurementState(MS.MSMT_STATE_IN_ALARM).flags)).toBe(true);
    for (const b of [10, 11, 12, 13, 14, 15]) expect(isScorable(measurementStatusFlags(1 << b, undefined)), `PLX status bit ${b}`).toBe(false);
    expect(isScorable(measurementStatusFlags(1 << 7, undefined))).toBe(true); // validated data
    const calibrating = decodeMasimoLine('02/01/24 10:15:00 SN=0000012345 SPO2=070% BPM=088 PI=02.10% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=020000');
    const spo2 = calibrating.items.find((i) => i.kind === 'reading' && i.param === 'spo2');
    expect(spo2 && spo2.kind === 'reading' && isScorable(spo2.flags ?? [])).toBe(false);
  });
});
