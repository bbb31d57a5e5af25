import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pcd01Message } from '../drivers/serial/hl7/fixtures.js';
import { encodeMllp } from '../drivers/serial/hl7/mllp.js';
import { monitorPollResult } from '../simulator/intellivue/monitor-protocol.js';
import { monitorFrame } from '../simulator/intellivue/monitor-wire.js';
import { REPO } from './helpers/gateway-process.js';

function wardgate(args: string[], input: string | Buffer) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'gateway/cli.ts'), ...args], { input, encoding: 'utf8', cwd: REPO });
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: r.status, lines, stderr: r.stderr };
}

describe('wardgate decode (the decode contract)', () => {
  it('masimo: one line per observation and per condition; a bad frame names it and exits 65', () => {
    const r = wardgate(['decode', '--codec', 'masimo'], 'SN=0000012345 SPO2=098% BPM=072 PI=02.23% SPCO=01.5% ALARM=0000 EXC=000000\r\nSPO2=---% BPM=---\r\n%%%garbage%%%\r\nSPO2=084% BPM=072 ALARM=0012 EXC=000000\r\n');
    // every line names the field the device sent it in; a field with no canonical parameter comes out unmapped
    expect(r.lines).toContainEqual({ param: 'spo2', value: 98, unit: '%', code: 'MASIMO:SPO2' });
    expect(r.lines).toContainEqual({ param: 'pr', value: 72, unit: '/min', code: 'MASIMO:BPM' });
    expect(r.lines).toContainEqual({ code: 'MASIMO:SPCO', value: 1.5, unit: '%' });
    // the ALARM field's SpO2-low bit: the device's own alarm, one line of its own
    expect(r.lines).toContainEqual({ deviceAlarm: { kind: 'physiological', priority: 'high', text: 'SpO2 low limit' } });
    expect(r.lines.some((l) => l.condition === 'sensor-off' && l.active === false)).toBe(true);
    expect(r.stderr).toMatch(/^line 3: /m);
    expect(r.status).toBe(65);
  });

  it('hl7: MLLP-framed stream with two messages in one read; exit 0', () => {
    const stream = Buffer.concat([encodeMllp(pcd01Message({ controlId: 'A1' })), encodeMllp(pcd01Message({ controlId: 'A2' }))]);
    const r = wardgate(['decode', '--codec', 'hl7'], stream);
    expect(r.status).toBe(0);
    expect(r.lines.filter((l) => l.param === 'spo2')).toHaveLength(2);
    expect(r.lines.find((l) => l.param === 'temp')).toMatchObject({ value: 37.1, unit: 'Cel' });
    expect(r.lines.find((l) => l.param === 'sbp')).toMatchObject({ value: 128, unit: 'mm[Hg]' });
  });

  it("hl7: the Mindray eGateway's ORU^R40 prints its alert as the device's alarm, then the R01 waveform message gives nothing", () => {
    const capture = readFileSync(join(REPO, 'test/fixtures/captures/mindray-egateway.hl7'), 'utf8')
      .split(/\n\s*\n/)
      .map((m) => encodeMllp(`${m.trim().split('\n').join('\r')}\r`));
    const r = wardgate(['decode', '--codec', 'hl7'], Buffer.concat(capture));
    expect(r.status).toBe(0);
    expect(r.lines).toEqual([
      { deviceAlarm: { kind: 'technical', priority: 'low', text: 'MDC_EVT_LEAD_OFF', eventCode: 196680, eventRef: 'MDC_EVT_LEAD_OFF', sourceTs: Date.UTC(2026, 0, 24, 4, 47, 38), alert: '1.7.0.196680|196680', ended: false } },
    ]);
  });

  it('ndjson and senml', () => {
    expect(wardgate(['decode', '--codec', 'ndjson'], '{"hr":72,"spo2":97}\n').lines).toEqual([
      expect.objectContaining({ param: 'hr', value: 72, unit: '/min' }),
      expect.objectContaining({ param: 'spo2', value: 97, unit: '%' }),
    ]);
    const s = wardgate(['decode', '--codec', 'senml'], '[{"bn":"urn:dev:x:","n":"temp","u":"Cel","v":38.2}]\n{"hr":1}\n');
    expect(s.lines[0]).toMatchObject({ param: 'temp', value: 38.2, unit: 'Cel' });
    expect(s.status).toBe(65);
  });

  it('gatt:2a37 --hex (0648: flags 0x06, sensor contact detected; 0x48 = 72 bpm)', () => {
    const r = wardgate(['decode', '--codec', 'gatt:2a37', '--hex'], '0648\nzz\n');
    expect(r.lines[0]).toMatchObject({ param: 'hr', value: 72, unit: '/min' });
    expect(r.stderr).toMatch(/line 2/);
    expect(r.status).toBe(65);
  });

  it('gatt:2a35 blood pressure in kPa is normalised to mm[Hg]', () => {
    // flags 0x01 (kPa), systolic 16.0 kPa, diastolic 10.6, MAP 12.4 as SFLOAT (exponent -1)
    const sf = (v: number) => { const m = v & 0x0fff; return [(m & 0xff), ((0xf << 4) | (m >> 8)) & 0xff]; };
    const bytes = Buffer.from([0x01, ...sf(160), ...sf(106), ...sf(124)]).toString('hex');
    const r = wardgate(['decode', '--codec', 'gatt:2a35', '--hex'], `${bytes}\n`);
    const sbp = r.lines.find((l) => l.param === 'sbp');
    expect(sbp?.unit).toBe('mm[Hg]');
    expect(sbp?.value as number).toBeCloseTo(120, 0);
  });

  it('intellivue --hex: a poll result split across hex lines decodes to observations', () => {
    const user = monitorPollResult({
      invokeId: 5, extended: true, pollNumber: 1, sequenceNo: 1, relTicks: 1000, objClass: 6, attrGroup: 0,
      objects: [
        { kind: 'numeric', handle: 1, physioId: 0x4182, unit: 0x0aa0, value: 61 },
        { kind: 'numeric', handle: 2, physioId: 0x4bb8, unit: 0x0220, value: 95 },
        { kind: 'numeric', handle: 3, physioId: 0x500a, unit: 0x0ae0, value: 'NaN' },
      ],
    });
    const hex = monitorFrame(user).toString('hex');
    const mid = Math.floor(hex.length / 4) * 2;
    const r = wardgate(['decode', '--codec', 'intellivue', '--hex'], `${hex.slice(0, mid)}\n${hex.slice(mid)}\n`);
    expect(r.status).toBe(0);
    expect(r.lines).toContainEqual(expect.objectContaining({ param: 'hr', value: 61, unit: '/min' }));
    expect(r.lines).toContainEqual(expect.objectContaining({ param: 'spo2', value: 95, unit: '%' }));
    expect(r.lines.some((l) => l.param === 'rr')).toBe(false); // NaN is never a number
  });

  it('an unknown codec is a usage error', () => {
    expect(wardgate(['decode', '--codec', 'morse'], '').status).toBe(64);
  });
});

describe('wardgate news2 and replay', () => {
  it('news2 scores each line and exits 65 naming a bad line', () => {
    const r = wardgate(['news2'], '{"rr":18,"spo2":95,"scale":1,"o2":false,"sbp":118,"hr":88,"acvpu":"A","temp":37.2}\n{"rr":26,"spo2":91,"o2":true,"sbp":95,"hr":135,"acvpu":"V","temp":39.5}\nnot json\n');
    // RCP NEWS2 chart: SpO2 94-95 on Scale 1 scores 1, everything else here 0
    expect(r.lines[0]).toEqual({ total: 1, subscores: { rr: 0, spo2: 1, o2: 0, sbp: 0, hr: 0, acvpu: 0, temp: 0 }, risk: 'low', complete: true });
    expect(r.lines[1]).toMatchObject({ risk: 'high', complete: true });
    expect(r.lines[1]!.total).toBe(3 + 3 + 2 + 2 + 3 + 3 + 2);
    expect(r.stderr).toMatch(/line 3/);
    expect(r.status).toBe(65);
  });

  it('replay is deterministic and raises the alarm from the observations alone', () => {
    const obs = [0, 1, 2, 3].map((i) => JSON.stringify({ bedId: 'bed-01', deviceId: 'wearable-01', param: 'hr', value: 150, unit: '/min', receivedAt: 1_700_000_000_000 + i * 6000 }));
    const a = wardgate(['replay', '--config', join(REPO, 'config/default.yaml')], obs.join('\n') + '\n');
    const b = wardgate(['replay', '--config', join(REPO, 'config/default.yaml')], obs.join('\n') + '\n');
    expect(a.status).toBe(0);
    expect(a.lines).toEqual(b.lines);
    expect(a.lines.some((l) => (l.alarm as { condition?: string } | undefined)?.condition === 'hr-high')).toBe(true);
  });
});

describe('wardgate decode --hex for the stream codecs, with the source code and channel on every line', () => {
  it('hl7 --hex: an MLLP message as hex lines decodes with MDC codes and OBX-4 channels; unmapped codes show as unmapped', () => {
    const msg = pcd01Message({
      obx: [
        'OBX|1|NM|150037^MDC_PRESS_BLD_ART_ABP_SYS^MDC|1.2.1.150037|118|266016^MDC_DIM_MMHG^MDC|||||F',
        'OBX|2|NM|152872^MDC_CONC_MAC^MDC|1.6.1|0.8|262688^MDC_DIM_PERCENT^MDC|||||F',
      ],
    });
    const hex = encodeMllp(msg).toString('hex');
    const r = wardgate(['decode', '--codec', 'hl7', '--hex'], `${hex.slice(0, 100)}\n${hex.slice(100)}\n`);
    expect(r.status).toBe(0);
    expect(r.lines.find((l) => l.param === 'abp_sys')).toMatchObject({ value: 118, unit: 'mm[Hg]', channel: '1.2.1.150037', code: 'MDC:150037' });
    expect(r.lines.find((l) => l.code === 'MDC:152872')).toMatchObject({ label: 'MDC_CONC_MAC', value: 0.8, unit: 'MDC_DIM_PERCENT', channel: '1.6.1' });
    expect(wardgate(['decode', '--codec', 'hl7', '--hex'], 'zz\n').status).toBe(65);
  });

  it('ansar-b --hex: the Ivy 450C capture as hex decodes to its values with the dialect codes', () => {
    const bytes = readFileSync(join(REPO, 'test/fixtures/captures/ivy450c.ansar-b.bin'));
    const hexLines = (bytes.toString('hex').match(/.{1,64}/g) ?? []).join('\n');
    const r = wardgate(['decode', '--codec', 'ansar-b', '--hex'], `${hexLines}\n`);
    expect(r.status).toBe(0);
    expect(r.lines.filter((l) => l.param === 'hr')).toHaveLength(27);
    expect(r.lines).toContainEqual({ param: 'sbp', value: 121, unit: 'mm[Hg]', code: 'ANSAR-B:NIBP' });
  });
});
