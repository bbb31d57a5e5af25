import { readFileSync } from 'node:fs';
/**
 * Fuzzing every codec and ingest path with fast-check: no exception escapes, no NaN or
 * infinity becomes a reading, and stateful framers keep memory bounded. Inputs are both fully random and
 * mutations of valid frames built by the simulator's encoders (so the deep decode paths are reached).
 * Cases per target: RELIABILITY.fuzzRuns (2,000 short, 100,000 with WARDGATE_RELIABILITY=long).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GATT_CODECS, type GattCodecId } from '../../drivers/ble/gatt/index.js';
import { LineFramer } from '../../drivers/core/line-framer.js';
import type { DecodeResult } from '../../drivers/core/observation.js';
import { decodeEventPayload, decodeVitalsPayload } from '../../drivers/mqtt/payload.js';
import { serialDialects } from '../../drivers/serial/dialects.js';
import { decodeHl7 } from '../../drivers/serial/hl7/oru.js';
import { Hl7StreamFramer } from '../../drivers/serial/hl7/stream-framer.js';
import { createIntellivueDecoder } from '../../drivers/serial/intellivue/codec.js';
import { encodeFrame, FrameReader } from '../../drivers/serial/intellivue/framing.js';
import { parseMessage } from '../../drivers/serial/intellivue/messages.js';
import { decodeMasimoLine } from '../../drivers/serial/masimo/codec.js';
import { decodeNdjsonLine } from '../../drivers/serial/ndjson/codec.js';
import { monitorMdsCreate, monitorPollResult } from '../../simulator/intellivue/monitor-protocol.js';
import { encodeHl7Oru, encodeMasimoLine, encodeNdjsonLine, mllpFrame, type MonitorSample } from '../../simulator/serial/encoders.js';
import { contractViolation, expectContract, fuzzOptions, heapAfterGc, mutatedBytes, mutatedText } from './fuzz-harness.js';
import { figure, RELIABILITY } from './profile.js';

const RUNS = RELIABILITY.fuzzRuns;
const TIMEOUT = Math.max(60_000, RUNS * 30);

const samples: MonitorSample[] = [
  { vitals: { hr: 72, spo2: 97, rr: 15, temp: 36.8, sbp: 120, dbp: 80 }, deviceTime: 1_700_000_000_000, seq: 1, sensorOff: false },
  { vitals: { hr: 155, spo2: 82, rr: 31, temp: 39.4, sbp: 85, dbp: 50 }, deviceTime: 1_700_000_360_000, seq: 2, sensorOff: false },
  { vitals: { hr: 0, spo2: 0, rr: 0, temp: 0, sbp: 0, dbp: 0 }, deviceTime: 0, seq: 3, sensorOff: true },
];
const ids = { bed: 'bed-01', deviceId: 'mon-01' };

/** A value that could poison a reading if a codec let it through (JSON has no NaN, but 1e999 parses to Infinity). */
const nastyNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(1e999, -1e999, 1e308, -0, 2 ** 53 + 1, 0.1 + 0.2),
  fc.integer(),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '', '72', null, true, [], {}),
);

describe(`fuzz: serial codecs (${RUNS} cases per target)`, () => {
  it('masimo lines', () => {
    const seeds = samples.map((s) => encodeMasimoLine(s).replace(/\r?\n$/, ''));
    for (const s of seeds) expect(contractViolation(decodeMasimoLine(s))).toBe('');
    fc.assert(fc.property(mutatedText(seeds), (line) => expectContract(decodeMasimoLine(line))), fuzzOptions(RUNS));
  }, TIMEOUT);

  it('ndjson lines (valid records with hostile values, mutated and random text)', () => {
    const seeds = samples.map((s) => encodeNdjsonLine(s).replace(/\r?\n$/, ''));
    const hostile = fc.dictionary(fc.constantFrom('hr', 'spo2', 'rr', 'temp', 'sbp', 'dbp', 'pr', 'pi', 'map', 't', 'seq', 'ts', 'sensorOff', 'vitals'), nastyNumber).map((o) =>
      JSON.stringify(o).replace(/"__INF__"/g, '1e999'),
    );
    fc.assert(fc.property(fc.oneof(mutatedText(seeds), hostile, fc.json()), (line) => expectContract(decodeNdjsonLine(line))), fuzzOptions(RUNS));
  }, TIMEOUT);

  it('HL7 v2 ORU^R01 messages', () => {
    const seeds = samples.map((s) => encodeHl7Oru(s, ids));
    for (const s of seeds) expect(contractViolation(decodeHl7(s))).toBe('');
    fc.assert(
      fc.property(fc.oneof(mutatedText(seeds), mutatedBytes(seeds.map((s) => Buffer.from(s))).map((b) => Buffer.from(b))), (msg) => expectContract(decodeHl7(msg))),
      fuzzOptions(RUNS),
    );
  }, TIMEOUT);

  it('serial byte streams through each dialect framer and codec, in random chunks, with bounded memory', () => {
    const streams: Record<string, Buffer[]> = {
      masimo: samples.map((s) => Buffer.from(encodeMasimoLine(s), 'latin1')),
      ndjson: samples.map((s) => Buffer.from(encodeNdjsonLine(s))),
      hl7: samples.flatMap((s) => [mllpFrame(encodeHl7Oru(s, ids)), Buffer.from(encodeHl7Oru(s, ids))]),
      // The real Ivy 450C capture (test/fixtures/captures/PROVENANCE.md), cut into pieces.
      'ansar-b': (() => {
        const cap = readFileSync(new URL('../fixtures/captures/ivy450c.ansar-b.bin', import.meta.url));
        return Array.from({ length: 8 }, (_, i) => cap.subarray(i * 1900, i * 1900 + 2400));
      })(),
    };
    for (const codec of serialDialects()) {
      if (codec.kind === 'session') continue; // IntelliVue has its own fuzz case below
      const name = codec.name;
      // One long-lived framer per dialect across all cases, as on a real port that never closes.
      const framer = codec.createFramer();
      const decode = (frame: string | Buffer): DecodeResult => (codec.kind === 'line' ? codec.decodeLine(String(frame)) : codec.decodeFrame(frame as Buffer));
      const before = heapAfterGc();
      fc.assert(
        fc.property(fc.array(fc.oneof(mutatedBytes(streams[name]!), fc.uint8Array({ maxLength: 2048 })), { maxLength: 6 }), (chunks) => {
          for (const c of chunks) for (const frame of framer.push(Buffer.from(c))) expectContract(decode(frame));
        }),
        fuzzOptions(RUNS),
      );
      const growth = heapAfterGc() - before;
      figure(`heap growth after ${RUNS} cases through the ${name} framer`, growth / 1024, 'KiB');
      expect(growth).toBeLessThan(32 * 1024 * 1024);
    }
  }, TIMEOUT * 3);

  it('an oversized line or HL7 frame is dropped, never held (framers cap what they buffer)', () => {
    const lf = new LineFramer({ maxLineBytes: 512 });
    expect(lf.push(Buffer.alloc(10 * 1024 * 1024, 0x41))).toEqual([]);
    expect(lf.push(Buffer.from('\nSN=1\n')).map(String)).toEqual(['SN=1']);
    const hl = new Hl7StreamFramer({ maxFrameBytes: 64 * 1024 });
    expect(hl.push(Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(1024 * 1024, 0x41)]))).toEqual([]);
    expect(hl.droppedCount).toBeGreaterThan(0);
  });
});

describe(`fuzz: IntelliVue (${RUNS} cases per target)`, () => {
  const mds = monitorMdsCreate(1, 1000, new Date(Date.UTC(2025, 0, 1)), 'BED 1');
  const poll = (v: number | 'NaN' | '+INF' | '-INF' | 'NRes', st = 0) =>
    monitorPollResult({
      invokeId: 2, extended: true, pollNumber: 1, sequenceNo: 0, relTicks: 9000, objClass: 0x0006, attrGroup: 0x0803,
      objects: [
        { kind: 'numeric', handle: 1, physioId: 0x4182, unit: 0x0aa0, value: v, state: st },
        { kind: 'numeric', handle: 2, physioId: 0x4bb8, unit: 0x0220, value: 97 },
        { kind: 'compound', handle: 6, label: 0x00024a04, unit: 0x0f20, parts: [{ physioId: 0x4a05, value: 120 }, { physioId: 0x4a06, value: 80 }, { physioId: 0x4a07, value: 93 }], measuredAt: new Date(Date.UTC(2025, 0, 1)) },
        { kind: 'alarms', handle: 100, alarms: [{ list: 'physiological', source: 0x4182, code: 1, type: 2, state: 0, textId: 5, text: 'HR HIGH' }] },
      ],
    });
  const userData = [mds, poll(72), poll(155, 0x0400), poll('NaN'), poll('+INF'), poll('-INF'), poll('NRes')];

  it('parseMessage on mutated and random user data never throws', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedBytes(userData), fc.uint8Array({ maxLength: 1500 })), (u) => {
        const m = parseMessage(u);
        expect(typeof m.kind).toBe('string');
      }),
      fuzzOptions(RUNS),
    );
  }, TIMEOUT);

  it('the stream decoder on valid frames carrying mutated user data: readings are finite, memory bounded', () => {
    const decoder = createIntellivueDecoder();
    for (const r of decoder.push(encodeFrame(mds))) expectContract(r);
    const good = decoder.push(encodeFrame(poll(72)));
    expect(good.flatMap((r) => r.items).some((i) => i.kind === 'reading' && i.param === 'hr' && i.value === 72)).toBe(true);
    for (const special of ['NaN', '+INF', '-INF', 'NRes'] as const) for (const r of decoder.push(encodeFrame(poll(special)))) expectContract(r);
    const before = heapAfterGc();
    fc.assert(
      fc.property(fc.array(fc.oneof(mutatedBytes(userData).map((u) => encodeFrame(u)), mutatedBytes(userData.map((u) => encodeFrame(u))), fc.uint8Array({ maxLength: 600 })), { maxLength: 4 }), (frames) => {
        for (const f of frames) for (const r of decoder.push(f)) expectContract(r);
      }),
      fuzzOptions(RUNS),
    );
    const growth = heapAfterGc() - before;
    figure(`heap growth after ${RUNS} cases through one IntelliVue decoder`, growth / 1024, 'KiB');
    expect(growth).toBeLessThan(32 * 1024 * 1024);
  }, TIMEOUT);

  it('the frame reader never holds more than its maximum frame', () => {
    const r = new FrameReader({ maxUserData: 1500 });
    const ev = r.push(Buffer.concat([Buffer.from([0xc0]), Buffer.alloc(1024 * 1024, 0x11), Buffer.from([0xc1])]));
    expect(ev.filter((e) => e.kind === 'error').map((e) => (e as { error: string }).error)).toContain('oversize');
    expect(r.stats.oversize).toBe(1);
  });
});

describe(`fuzz: BLE GATT characteristics (${RUNS} cases per target)`, () => {
  // Valid frames per Bluetooth SIG GATT Specification Supplement (HRS 3.106, PLXS 3.170/3.171, HTS 3.219, BLS 3.31, BAS 3.27).
  const seeds: Record<GattCodecId, Uint8Array[]> = {
    '2a37': [Uint8Array.of(0x00, 72), Uint8Array.of(0x01, 0x9b, 0x00), Uint8Array.of(0x16, 80, 0x10, 0x00, 0x20, 0x03)],
    '2a5f': [Uint8Array.of(0x00, 0x61, 0x00, 0x48, 0x00), Uint8Array.of(0x1c, 0x61, 0x00, 0x48, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x32, 0x00)],
    '2a5e': [Uint8Array.of(0x00, 0x61, 0x00, 0x48, 0x00), Uint8Array.of(0x01, 0x61, 0x00, 0x48, 0x00, 0xe9, 0x07, 1, 1, 12, 0, 0)],
    '2a1c': [Uint8Array.of(0x00, 0x70, 0x01, 0x00, 0xff), Uint8Array.of(0x03, 0x98, 0x03, 0x00, 0xff, 0xe9, 0x07, 1, 1, 12, 0, 0)],
    '2a35': [Uint8Array.of(0x00, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00), Uint8Array.of(0x1e, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00, 0xe9, 0x07, 1, 1, 12, 0, 0, 0x48, 0x00, 0x01, 0x00, 0x00)],
    '2a19': [Uint8Array.of(80), Uint8Array.of(5)],
  };
  for (const [id, decode] of Object.entries(GATT_CODECS) as Array<[GattCodecId, (b: Uint8Array) => DecodeResult]>) {
    it(`0x${id}`, () => {
      // IEEE 11073-20601 SFLOAT/FLOAT specials (NaN 0x07FF, NRes 0x0800, +INF 0x07FE, -INF 0x0802) in every value slot.
      const specials = seeds[id].flatMap((s) => [0x07ff, 0x0800, 0x07fe, 0x0802].map((v) => { const b = Uint8Array.from(s); if (b.length >= 3) { b[1] = v & 0xff; b[2] = v >> 8; } return b; }));
      for (const s of [...seeds[id], ...specials]) expectContract(decode(s));
      fc.assert(fc.property(fc.oneof(mutatedBytes([...seeds[id], ...specials]), fc.uint8Array({ maxLength: 64 })), (b) => expectContract(decode(b))), fuzzOptions(RUNS));
    }, TIMEOUT);
  }
});

describe(`fuzz: MQTT payloads (${RUNS} cases per target)`, () => {
  const now = 1_750_000_000_000;
  const withInfinity = (s: string) => s.replace(/"1e999"/g, '1e999').replace(/"-1e999"/g, '-1e999');

  it('vitals JSON objects with hostile values', () => {
    const obj = fc.dictionary(fc.constantFrom('hr', 'spo2', 'rr', 'temp', 'sbp', 'dbp', 'pr', 'pi', 'map', 't', 'seq', 'battery', 'sensorOff', 'flags', 'unit', 'x'), fc.oneof(nastyNumber, fc.constantFrom('1e999', '-1e999')));
    fc.assert(fc.property(obj, (o) => expectContract(decodeVitalsPayload(withInfinity(JSON.stringify(o)), now))), fuzzOptions(RUNS));
  }, TIMEOUT);

  it('SenML arrays (RFC 8428) with hostile base and record fields', () => {
    const rec = fc.record(
      { bn: fc.oneof(fc.constantFrom('urn:dev:mac:0024befffe804ff1:', 'dev/'), fc.string()), bt: nastyNumber, bu: fc.constantFrom('beat/min', '%', '/', 'Cel', '[degF]', 'K', 'kPa', 'Pa', 'mmHg', 'x'), bv: nastyNumber,
        n: fc.constantFrom('hr', 'spo2', 'rr', 'temp', 'sbp', 'dbp', 'pr', 'pi', 'map', 'battery', 'nope', ''), u: fc.constantFrom('beat/min', '/min', '/s', '%', '/', 'Cel', '[degF]', 'K', 'mm[Hg]', 'kPa', 'Pa', '1/s'),
        v: fc.oneof(nastyNumber, fc.constantFrom('1e999', '-1e999')), t: nastyNumber, vb: fc.boolean(), vs: fc.string({ maxLength: 8 }), s: nastyNumber },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(fc.array(rec, { maxLength: 8 }), (arr) => expectContract(decodeVitalsPayload(withInfinity(JSON.stringify(arr)), now))), fuzzOptions(RUNS));
  }, TIMEOUT);

  it('arbitrary JSON, arbitrary bytes and event payloads', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b))), (p) => {
        expectContract(decodeVitalsPayload(p, now));
        expectContract(decodeEventPayload(p));
      }),
      fuzzOptions(RUNS),
    );
  }, TIMEOUT);
});
