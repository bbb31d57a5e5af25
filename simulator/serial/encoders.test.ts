import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decoded } from '../../drivers/core/observation.js';
import { decodeHl7Message } from '../../drivers/serial/hl7/oru.js';
import { decodeMasimoLine } from '../../drivers/serial/masimo/codec.js';
import { decodeNdjsonLine } from '../../drivers/serial/ndjson/codec.js';
import { decodeVitalsPayload } from '../../drivers/mqtt/payload.js';
import type { Vitals } from '../mqtt/vitals-model.js';
import { wearablePayload } from '../transports/mqtt-device.js';
import { getSerialDialect } from '../../drivers/serial/dialects.js';
import { encodeHl7Oru, encodeMasimoLine, encodeNdjsonLine, encodeSample, encodedDialects, hl7Timestamp, type MonitorSample } from './encoders.js';

const T = Date.UTC(2025, 2, 14, 9, 26, 53);
const vitalsArb = fc.record({
  hr: fc.integer({ min: 25, max: 240 }),
  spo2: fc.integer({ min: 60, max: 100 }),
  rr: fc.integer({ min: 4, max: 55 }),
  temp: fc.integer({ min: 330, max: 420 }).map((t) => t / 10),
  sbp: fc.integer({ min: 60, max: 240 }),
  dbp: fc.integer({ min: 30, max: 140 }),
});
const sample = (vitals: Vitals, over: Partial<MonitorSample> = {}): MonitorSample => ({ vitals, deviceTime: T, seq: 7, sensorOff: false, ...over });
const values = (items: Decoded[]) => Object.fromEntries(items.flatMap((i) => (i.kind === 'reading' ? [[i.param, i.value]] : [])));

describe('serial encoders, checked by the gateway decoders', () => {
  it('every simulated dialect is a registered gateway dialect, and its bytes decode through that dialect\'s own framer', () => {
    for (const name of encodedDialects()) {
      const d = getSerialDialect(name);
      if (!d || d.kind === 'session') throw new Error(`simulator dialect '${name}' is not a stream dialect of drivers/serial/dialects.ts`);
      const bytes = encodeSample(name, sample({ hr: 72, spo2: 98, rr: 15, temp: 36.8, sbp: 120, dbp: 80 }), { bed: 'bed-01', deviceId: 'm-1' });
      let results;
      if (d.kind === 'line') {
        const framer = d.createFramer();
        results = [...framer.push(bytes), ...framer.flush()].map((l) => d.decodeLine(l));
      } else {
        const framer = d.createFramer();
        results = [...framer.push(bytes), ...framer.flush()].map((f) => d.decodeFrame(f));
      }
      expect(results, name).toHaveLength(1);
      expect(results[0]!.error, name).toBeUndefined();
      expect(values(results[0]!.items), name).toMatchObject({ spo2: 98 });
    }
  });

  it('Masimo ASCII 1: the published line layout', () => {
    const line = encodeMasimoLine(sample({ hr: 72, spo2: 98, rr: 15, temp: 36.8, sbp: 120, dbp: 80 }));
    expect(line).toBe('03/14/25 09:26:53 SN=0000012345 SPO2=098% BPM=072 PI=02.40% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ALARM=0000 EXC=000800\r\n');
  });

  it('Masimo: every SpO2 and pulse rate round-trips; sensor off gives the condition and no value', () => {
    fc.assert(
      fc.property(vitalsArb, (v) => {
        const r = decodeMasimoLine(encodeMasimoLine(sample(v)).trimEnd());
        expect(r.error).toBeUndefined();
        expect(values(r.items)).toMatchObject({ spo2: v.spo2, pr: v.hr });
      }),
    );
    const off = decodeMasimoLine(encodeMasimoLine(sample({ hr: 72, spo2: 98, rr: 15, temp: 36.8, sbp: 120, dbp: 80 }, { sensorOff: true })).trimEnd());
    expect(off.error).toBeUndefined();
    expect(off.items.filter((i) => i.kind === 'reading')).toEqual([]);
    expect(off.items).toContainEqual(expect.objectContaining({ kind: 'condition', condition: 'sensor-off', active: true }));
  });

  it('HL7 ORU^R01 (PCD-01): all six vitals, bed from PV1-3, time from OBX-14', () => {
    fc.assert(
      fc.property(vitalsArb, (v) => {
        const d = decodeHl7Message(encodeHl7Oru(sample(v), { bed: 'bed-04', deviceId: 'mon-04' }), { ack: false });
        expect(d.result.error).toBeUndefined();
        expect(d.warnings).toEqual([]);
        expect(values(d.result.items)).toEqual({ hr: v.hr, spo2: v.spo2, rr: v.rr, temp: v.temp, sbp: v.sbp, dbp: v.dbp });
        expect(d.bed).toBe('bed-04');
        expect(d.result.items.every((i) => i.kind === 'reading' && i.sourceTs === T)).toBe(true);
      }),
      { numRuns: 50 },
    );
    expect(hl7Timestamp(T)).toBe('20250314092653+0000');
  });

  it('HL7 is MLLP-framed on the wire', () => {
    const b = encodeSample('hl7', sample({ hr: 72, spo2: 98, rr: 15, temp: 36.8, sbp: 120, dbp: 80 }), { bed: 'b', deviceId: 'd' });
    expect(b[0]).toBe(0x0b);
    expect([...b.subarray(-2)]).toEqual([0x1c, 0x0d]);
  });

  it('NDJSON: values, time and sequence round-trip; sensor off writes nothing', () => {
    fc.assert(
      fc.property(vitalsArb, (v) => {
        const r = decodeNdjsonLine(encodeNdjsonLine(sample(v)).trimEnd());
        expect(r.error).toBeUndefined();
        expect(values(r.items)).toEqual({ hr: v.hr, spo2: v.spo2, rr: v.rr, temp: v.temp });
        expect(r.items[0]).toMatchObject({ sourceTs: T, sourceSeq: 7 });
      }),
    );
    expect(encodeNdjsonLine(sample({ hr: 72, spo2: 98, rr: 15, temp: 36.8, sbp: 120, dbp: 80 }, { sensorOff: true }))).toBe('');
  });

  it('MQTT wearable payloads (JSON with battery, SenML) decode to the same vitals', () => {
    fc.assert(
      fc.property(vitalsArb, fc.integer({ min: 0, max: 100 }), (v, battery) => {
        const s = { kind: 'sample' as const, at: 0, device: 'w-1', seq: 3, vitals: v, clockOffsetMs: 0, sensorOff: false, battery };
        const json = decodeVitalsPayload(wearablePayload('json', 'w-1', s), Date.now());
        expect(json.error).toBeUndefined();
        expect(values(json.items)).toEqual(v);
        expect(json.items).toContainEqual(expect.objectContaining({ kind: 'condition', condition: 'low-battery', active: battery < 20 }));
        const senml = decodeVitalsPayload(wearablePayload('senml', 'w-1', s), Date.now());
        expect(senml.error).toBeUndefined();
        expect(values(senml.items)).toEqual({ hr: v.hr, spo2: v.spo2, rr: v.rr, temp: v.temp });
      }),
      { numRuns: 50 },
    );
  });
});
