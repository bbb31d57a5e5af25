import { describe, expect, it } from 'vitest';
import { DeviceAlertList } from '../../core/device-alarm-list.js';
import { pcd01Message, pcd04Message } from './fixtures.js';
import { decodeHl7Message } from './oru.js';
import { checkPcd04 } from '../../../simulator/ihe/profile-checks.js';
import { parseHl7 as parseProfileMessage } from '../../../simulator/ihe/hl7-reader.js';

describe('ORU^R40 (IHE PCD-04 Report Alert) as the device\'s own alarms', () => {
  it('decodes a high-priority physiological alert that starts, and answers AA as ACK^R40', () => {
    const d = decodeHl7Message(pcd04Message({ controlId: 'R40A', event: '^MDC_EVT_ECG_ASYSTOLE^MDC', at: '1.1.1.1' }));
    expect(checkPcd04(parseProfileMessage(pcd04Message({ controlId: 'R40A', msh15: 'AL', msh16: 'NE' }))).errors).toEqual([]); // the fixture is a valid PCD-04
    expect(d.verdict).toBe('accept');
    expect(d.bed).toBe('BED-12');
    expect(d.equipmentId).toBe('ACDE48234567ABCD');
    expect(d.alertEvents).toEqual([
      { key: '1.1.1.1|MDC_EVT_ECG_ASYSTOLE', active: true, phase: 'start', state: 'active', alarm: { kind: 'physiological', priority: 'high', text: 'MDC_EVT_ECG_ASYSTOLE', eventRef: 'MDC_EVT_ECG_ASYSTOLE', sourceTs: Date.UTC(2024, 2, 1, 10, 15) } },
    ]);
    expect(d.ack).toMatch(/\|ACK\^R40\^ACK\|AR40A\|P\|2\.6\rMSA\|AA\|R40A\r$/);
  });

  it('takes priority and type from the facet rows, else from OBX-8', () => {
    const tech = decodeHl7Message(pcd04Message({ event: '196680^MDC_EVT_LEAD_OFF^MDC', priority: 'PM', type: 'ST' }));
    expect(tech.alertEvents?.[0]?.alarm).toMatchObject({ kind: 'technical', priority: 'medium', text: 'MDC_EVT_LEAD_OFF', eventCode: 196680, eventRef: 'MDC_EVT_LEAD_OFF' });
    expect(tech.alertEvents?.[0]?.key).toBe('1.1.1.196680|196680');
    // Without the facet rows (only the alert row with OBX-8 PL~SA).
    const rowOnly = pcd04Message({ priority: 'PL', type: 'SA' }).split('\r').filter((s) => !/MDC_ATTR_ALARM_PRIORITY|MDC_ATTR_ALERT_TYPE/.test(s)).join('\r');
    expect(decodeHl7Message(rowOnly).alertEvents?.[0]?.alarm).toMatchObject({ kind: 'technical', priority: 'low' });
  });

  it('an end phase or an inactive state ends the alert; other phases keep it', () => {
    for (const phase of ['start', 'start_only', 'continue', 'present', 'update', 'escalate', 'inactivate', 'deescalate']) {
      expect(decodeHl7Message(pcd04Message({ phase })).alertEvents?.[0]?.active, phase).toBe(true);
    }
    expect(decodeHl7Message(pcd04Message({ phase: 'end', state: 'inactive' })).alertEvents?.[0]?.active).toBe(false);
    expect(decodeHl7Message(pcd04Message({ phase: 'end', state: 'active' })).alertEvents?.[0]?.active).toBe(false);
    expect(decodeHl7Message(pcd04Message({ phase: 'update', state: 'inactive' })).alertEvents?.[0]?.active).toBe(false);
    expect(decodeHl7Message(pcd04Message({ phase: 'reset', state: 'inactive' })).alertEvents?.[0]?.active).toBe(false);
    expect(decodeHl7Message(pcd04Message({ phase: 'update', state: 'off' })).alertEvents?.[0]?.active).toBe(false);
    expect(decodeHl7Message(pcd04Message({ phase: 'continue', state: 'latched' })).alertEvents?.[0]?.active).toBe(true);
  });

  it('answers AE for an R40 without an alert, AR for a training message, AE for a broken segment', () => {
    const noAlert = pcd04Message({ controlId: 'R40E' }).split('\r').filter((s) => !s.startsWith('OBX|1|')).join('\r');
    const e = decodeHl7Message(noAlert);
    expect(e.verdict).toBe('error');
    expect(e.result.error).toMatch(/without an alert/);
    expect(e.ack).toMatch(/MSA\|AE\|R40E\|alert report \(R40\) without an alert.*\rERR\|\|OBX\|101\^Required field missing\^HL70357\|E/);
    expect(decodeHl7Message(pcd04Message({ controlId: 'R40T', processingId: 'T' })).ack).toMatch(/MSA\|AR\|R40T\|processing id "T"/);
    const broken = pcd04Message({ controlId: 'R40B' }).replace('PV1||I', 'P!1||I');
    expect(decodeHl7Message(broken).ack).toMatch(/MSA\|AE\|R40B/);
  });

  it('takes no readings from an alert report (the value that crossed a limit is the device feed\'s)', () => {
    const withValue = pcd04Message({ event: '^MDC_EVT_LO_VAL_LT_LIM^MDC', at: '1.1.1.150456' }).replace(
      /\r$/,
      '\rOBX|7|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456.7|84|262688^MDC_DIM_PERCENT^MDC|90-100|L~PM~SP|||F\r',
    );
    const d = decodeHl7Message(withValue);
    expect(d.result.items).toEqual([]);
    expect(d.alertEvents).toHaveLength(1);
  });
});

describe('DeviceAlertList: R40 alerts kept until they end, beside the R01 alarm rows', () => {
  it('adds an alert on start, keeps it across reports, and removes it on its own end', () => {
    const list = new DeviceAlertList();
    const asys = decodeHl7Message(pcd04Message({ event: '^MDC_EVT_ECG_ASYSTOLE^MDC', at: '1.1.1.1' }));
    const lead = decodeHl7Message(pcd04Message({ event: '196680^MDC_EVT_LEAD_OFF^MDC', priority: 'PL', type: 'ST', at: '1.1.1.196680' }));
    expect(list.apply(asys)?.map((a) => a.text)).toEqual(['MDC_EVT_ECG_ASYSTOLE']);
    expect(list.apply(lead)?.map((a) => `${a.priority}:${a.kind}:${a.text}`)).toEqual(['high:physiological:MDC_EVT_ECG_ASYSTOLE', 'low:technical:MDC_EVT_LEAD_OFF']);
    const asysEnd = decodeHl7Message(pcd04Message({ event: '^MDC_EVT_ECG_ASYSTOLE^MDC', at: '1.1.1.1', phase: 'end', state: 'inactive' }));
    expect(list.apply(asysEnd)?.map((a) => a.text)).toEqual(['MDC_EVT_LEAD_OFF']);
    // An R01 without alarm rows says nothing about alarms; one with rows replaces only the R01 part.
    expect(list.apply(decodeHl7Message(pcd01Message()))).toBeUndefined();
    const r01 = decodeHl7Message(pcd01Message({ obx: ['OBX|1|CWE|^MDC_EVT_APNEA^MDC|1.1.1.1|^Apnea|||PH~SP|||F'] }));
    expect(list.apply(r01)?.map((a) => a.text)).toEqual(['Apnea', 'MDC_EVT_LEAD_OFF']);
    const r01Clear = decodeHl7Message(pcd01Message({ obx: ['OBX|1|CWE|^MDC_EVT_APNEA^MDC|1.1.1.1||||||F'] }));
    expect(list.apply(r01Clear)?.map((a) => a.text)).toEqual(['MDC_EVT_LEAD_OFF']);
    const leadEnd = decodeHl7Message(pcd04Message({ event: '196680^MDC_EVT_LEAD_OFF^MDC', phase: 'end', state: 'inactive', at: '1.1.1.196680' }));
    expect(list.apply(leadEnd)).toEqual([]);
  });
});
