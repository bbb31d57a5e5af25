import { describe, expect, it } from 'vitest';
import { parseHl7 } from '../../simulator/ihe/hl7-reader.js';
import { checkPcd01 } from '../../simulator/ihe/profile-checks.js';
import { py, pyObx, readWithPythonHl7 } from './python-hl7.js';
import { eui64 } from '../../sync/ihe/mdc.js';
import { encodeObservationsPcd01, reportable } from '../../sync/ihe/pcd01.js';

const T0 = Date.UTC(2026, 11, 4, 16, 0, 0);
const ctx = { gatewayId: 'gw-7', site: 'st-mary', ward: 'ward-4b', bed: 'bed-3', patientId: 'MRN-003', now: T0 + 60_000, messageId: 'obs-1' };

describe('PCD-01 Communicate PCD Data encoder', () => {
  const values = [
    { param: 'hr', value: 88, at: T0 + 1000, deviceId: 'monitor-3', flags: [] },
    { param: 'spo2', value: 93, at: T0 + 2000, deviceId: 'monitor-3', flags: ['device-alarm'] },
    { param: 'temp', value: 38.4, at: T0 + 3000, deviceId: 'thermo-3', flags: [] },
    { param: 'rr', value: 22, at: T0 + 4000, deviceId: 'monitor-3', flags: [] },
  ];
  const raw = encodeObservationsPcd01(values, ctx)!;

  it('passes the reference EHR checks', () => {
    const c = checkPcd01(parseHl7(raw));
    expect(c.errors).toEqual([]);
    expect(c.reading!.values.map((v) => [v.name, v.value, v.equipment])).toEqual([
      ['MDC_ECG_HEART_RATE', 88, 'monitor-3'], ['MDC_PULS_OXIM_SAT_O2', 93, 'monitor-3'], ['MDC_RESP_RATE', 22, 'monitor-3'], ['MDC_TEMP_BODY', 38.4, 'thermo-3'],
    ]);
  });

  it('is read back by python3-hl7 with MDC codes, units, hierarchy, status R, times and equipment ids', () => {
    const [m] = readWithPythonHl7([raw]);
    expect(m!.type).toBe('ORU^R01^ORU_R01');
    expect(py(m!, 'MSH', 21)).toBe('IHE PCD ORU-R01 2006');
    expect(py(m!, 'MSH', 21, 3)).toBe('1.3.6.1.4.1.19376.1.6.1.1.1');
    expect(py(m!, 'PID', 3)).toBe('MRN-003');
    expect(py(m!, 'PV1', 3, 3)).toBe('bed-3');
    expect([py(m!, 'OBR', 4, 1), py(m!, 'OBR', 4, 3)]).toEqual(['182777000', 'SNOMED-CT']);
    const spo2 = pyObx(m!, '150456')[0]!;
    expect(spo2.fields[2]?.[0]).toBe('NM');
    expect(spo2.fields[4]?.[0]).toBe('1.1.1.2');
    expect(spo2.fields[5]?.[0]).toBe('93');
    expect(spo2.fields[6]?.slice(0, 6)).toEqual(['262688', 'MDC_DIM_PERCENT', 'MDC', '%', '%', 'UCUM']);
    expect(spo2.fields[8]?.[0]).toBe('msmt-state-in-alarm');
    expect(spo2.fields[11]?.[0]).toBe('R');
    expect(spo2.fields[14]?.[0]).toBe('20261204160002.000+0000');
    expect(spo2.fields[18]?.slice(0, 4)).toEqual(['monitor-3', '', eui64('monitor-3'), 'EUI-64']);
    const rr = pyObx(m!, '151562')[0]!;
    expect(rr.fields[6]?.[1]).toBe('MDC_DIM_RESP_PER_MIN');
    const temp = pyObx(m!, '150364')[0]!;
    expect(temp.fields[4]?.[0]).toBe('2.1.1.1');
    expect(temp.fields[5]?.[0]).toBe('38.4');
    // Device rows: MDS and VMD of each device, OBX-11 X.
    const devices = m!.segments.filter((s) => s.name === 'OBX' && s.fields[11]?.[0] === 'X').map((s) => s.fields[4]?.[0]);
    expect(devices).toEqual(['1.0.0.0', '1.1.0.0', '2.0.0.0', '2.1.0.0']);
  });

  it('names the site of a temperature with the site\'s own MDC term (read back by python3-hl7)', () => {
    const sited = encodeObservationsPcd01([
      { param: 'temp', value: 37.2, at: T0, deviceId: 'mon-1', flags: [], site: 'oral' },
      { param: 'tskin', value: 33.1, at: T0, deviceId: 'patch-1', flags: [], site: 'skin' },
      { param: 'tskin', value: 31.0, at: T0, deviceId: 'probe-1', flags: [], site: 'finger' },
      { param: 'temp', value: 37.0, at: T0, deviceId: 'mon-2', flags: [], site: 'body' },
      { param: 'temp', value: 36.9, at: T0, deviceId: 'mon-3', flags: [] },
    ], ctx)!;
    const c = checkPcd01(parseHl7(sited));
    expect(c.errors).toEqual([]);
    expect(c.reading!.values.map((v) => [v.code, v.name, v.value, v.equipment])).toEqual([
      ['188424', 'MDC_TEMP_ORAL', 37.2, 'mon-1'], ['150388', 'MDC_TEMP_SKIN', 33.1, 'patch-1'], ['188432', 'MDC_TEMP_FINGER', 31, 'probe-1'],
      ['150364', 'MDC_TEMP_BODY', 37, 'mon-2'], ['150364', 'MDC_TEMP_BODY', 36.9, 'mon-3'],
    ]);
    const [m] = readWithPythonHl7([sited]);
    expect(pyObx(m!, '188424')[0]!.fields[5]?.[0]).toBe('37.2');
    expect(pyObx(m!, '188432')[0]!.fields[6]?.slice(0, 3)).toEqual(['268192', 'MDC_DIM_DEGC', 'MDC']);
  });

  it('sends nothing for an empty set, and filters parameters', () => {
    expect(encodeObservationsPcd01([], ctx)).toBeUndefined();
    expect([...reportable(['hr', 'spo2'])]).toEqual(['hr', 'spo2']);
    expect(reportable(undefined).size).toBeGreaterThan(5);
  });
});
