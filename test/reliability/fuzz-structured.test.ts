/**
 * Structure-aware fuzzing of every ingest path: generators that build almost-valid messages (a valid message with
 * one field replaced by a wrong type, a boundary number or hostile text, cut short, or with broken escapes) so
 * that the cases reach the deep decode paths, not only the first syntax check. Per target:
 * RELIABILITY.structuredFuzzRuns cases (300 in `npm test`, 100,000 with WARDGATE_FUZZ=long or
 * WARDGATE_RELIABILITY=long). Every case must end as an accepted decode, a rejection with the codec's own error
 * text (counted by reason) or nothing decoded (counted); never an exception, never a non-finite reading, never
 * more than HANG_MS of CPU. The counts are printed at the end for docs/performance.md.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { GATT_CODECS, type GattCodecId } from '../../drivers/ble/gatt/index.js';
import type { DecodeResult } from '../../drivers/core/observation.js';
import { decodeEventPayload, decodeVitalsPayload } from '../../drivers/mqtt/payload.js';
import { MllpFramer } from '../../drivers/serial/hl7/mllp.js';
import { decodeHl7Message } from '../../drivers/serial/hl7/oru.js';
import { createIntellivueDecoder } from '../../drivers/serial/intellivue/codec.js';
import { encodeFrame } from '../../drivers/serial/intellivue/framing.js';
import { decodeMasimoLine } from '../../drivers/serial/masimo/codec.js';
import { decodeNdjsonLine } from '../../drivers/serial/ndjson/codec.js';
import { rejectAck } from '../../drivers/tcp/reject-ack.js';
import { monitorMdsCreate, monitorPollResult } from '../../simulator/intellivue/monitor-protocol.js';
import { encodeHl7Oru, encodeMasimoLine, encodeNdjsonLine, type MonitorSample } from '../../simulator/serial/encoders.js';
import { badEscapes, expectContract, FuzzTally, fuzzOptions, hostileValue, TALLIES, truncated } from './fuzz-harness.js';
import { figure, RELIABILITY } from './profile.js';

const RUNS = RELIABILITY.structuredFuzzRuns;
const TIMEOUT = Math.max(60_000, RUNS * 30);
const NOW = 1_750_000_000_000;

const samples: MonitorSample[] = [
  { vitals: { hr: 72, spo2: 97, rr: 15, temp: 36.8, sbp: 120, dbp: 80 }, deviceTime: 1_700_000_000_000, seq: 1, sensorOff: false },
  { vitals: { hr: 155, spo2: 82, rr: 31, temp: 39.4, sbp: 85, dbp: 50 }, deviceTime: 1_700_000_360_000, seq: 2, sensorOff: false },
  { vitals: { hr: 40, spo2: 100, rr: 8, temp: 35, sbp: 220, dbp: 130 }, deviceTime: 1_700_000_720_000, seq: 3, sensorOff: false },
];

/** How one valid message is spoiled: field by field, or as text. */
type Spoil<T> = fc.Arbitrary<T>;

/** A JSON object with one (or two) of its fields replaced by a hostile value, renamed or removed. */
function objectWithOneFieldMutated(seeds: Array<Record<string, unknown>>): Spoil<Record<string, unknown>> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.constantFrom('set', 'delete', 'rename', 'add'), hostileValue, fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 2 })).map(([seed, edits]) => {
    const o: Record<string, unknown> = { ...seed };
    for (const [k, op, v, name] of edits) {
      const keys = Object.keys(o);
      const key = keys.length ? keys[k % keys.length]! : 'hr';
      if (op === 'set') o[key] = v;
      else if (op === 'delete') delete o[key];
      else if (op === 'rename') {
        o[name || `${key}_`] = o[key];
        delete o[key];
      } else o[name || 'x'] = v;
    }
    return o;
  });
}

/** JSON text of `objects` as it arrives: whole, cut short, with broken escapes, or with 1e999 (parses to Infinity). */
function jsonText(objects: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  const whole = objects.map((o) => JSON.stringify(o) ?? 'null');
  return fc.oneof(
    { weight: 4, arbitrary: whole },
    { weight: 1, arbitrary: truncated(whole) },
    { weight: 1, arbitrary: badEscapes(whole) },
    { weight: 1, arbitrary: whole.map((t) => t.replace(/-?\d+(\.\d+)?/, '1e999')) },
  );
}

const withInfinity = (s: string) => s.replace(/"1e999"/g, '1e999');

afterAll(() => {
  for (const t of TALLIES) for (const line of t.report()) figure('fuzz', line);
});

describe(`structure-aware fuzz: MQTT ingest (${RUNS} cases per target)`, () => {
  it('JSON vitals: six-vital objects with one field mutated, wrong types, boundaries, truncated, bad escapes', () => {
    const tally = new FuzzTally('mqtt-json-vitals');
    const seeds = samples.map((s, i) => ({ t: s.deviceTime, seq: s.seq, ...s.vitals, ...(i === 2 ? { battery: 80, sensorOff: false } : {}) }));
    fc.assert(fc.property(jsonText(objectWithOneFieldMutated(seeds)), (text) => void tally.decode(text, () => decodeVitalsPayload(withInfinity(text), NOW))), fuzzOptions(RUNS));
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.rejected).toBeGreaterThan(0);
  }, TIMEOUT);

  it('SenML (RFC 8428) packs: one record field mutated, records dropped or repeated, base fields hostile, truncated', () => {
    const tally = new FuzzTally('mqtt-senml');
    const pack = (s: MonitorSample) => [
      { bn: 'urn:dev:mac:0024befffe804ff1:', bt: s.deviceTime / 1000, n: 'hr', u: 'beat/min', v: s.vitals.hr },
      { n: 'spo2', u: '%', v: s.vitals.spo2 },
      { n: 'rr', u: '/min', v: s.vitals.rr },
      { n: 'temp', u: 'Cel', v: s.vitals.temp },
      { n: 'sbp', u: 'mm[Hg]', v: s.vitals.sbp },
      { n: 'dbp', u: 'mm[Hg]', v: s.vitals.dbp, t: 0 },
    ];
    const packs = fc.tuple(fc.constantFrom(...samples.map(pack)), fc.nat(), fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'drop-record', 'repeat-record', 'add'), fc.constantFrom('bn', 'bt', 'bu', 'bv', 'n', 'u', 'v', 't', 'vb', 'vs', 's', 'ut'), hostileValue), { minLength: 1, maxLength: 2 })).map(([p, r, edits]) => {
      const records: Array<Record<string, unknown>> = p.map((x) => ({ ...x }));
      for (const [op, field, v] of edits) {
        const i = r % Math.max(1, records.length);
        if (op === 'drop-record') records.splice(i, 1);
        else if (op === 'repeat-record' && records[i]) records.push({ ...records[i] });
        else if (records[i]) {
          if (op === 'delete') delete records[i][field];
          else records[i][field] = v;
        }
      }
      return records;
    });
    fc.assert(fc.property(jsonText(packs), (text) => void tally.decode(text, () => decodeVitalsPayload(withInfinity(text), NOW))), fuzzOptions(RUNS));
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.rejected).toBeGreaterThan(0);
  }, TIMEOUT);

  it('event payloads: valid events with one field mutated', () => {
    const tally = new FuzzTally('mqtt-events');
    const seeds = [{ event: 'fall', t: NOW }, { event: 'button', t: NOW, seq: 4 }, { event: 'fall' }];
    fc.assert(fc.property(jsonText(objectWithOneFieldMutated(seeds)), (text) => void tally.decode(text, () => decodeEventPayload(withInfinity(text)))), fuzzOptions(RUNS));
    expect(tally.accepted).toBeGreaterThan(0);
  }, TIMEOUT);
});

/** An HL7 v2 message as segments of fields; one field (or component) replaced, a segment dropped, repeated or moved. */
function hl7Spoiled(seeds: string[]): fc.Arbitrary<string> {
  const hostileField = fc.oneof(
    hostileValue.map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')),
    fc.constantFrom('', '""', '^', '^^^^', '~', '&', '\\', '\\X0D\\', '\\H\\72\\N\\', '\\E\\', '-', '+', '.', '1.', '.5', '1e3', '0072', '99999999999999999999', '20231314999999+9999', '2023', '20231114221320.12345+0000', 'NM', 'ST', 'XX', 'F', 'X'),
    fc.string({ maxLength: 12 }),
  );
  const edited = fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.constantFrom('field', 'component', 'drop-segment', 'repeat-segment', 'move-segment'), fc.nat(), fc.nat(), hostileField), { minLength: 1, maxLength: 2 })).map(([msg, edits]) => {
    const segs = msg.split('\r').filter((s) => s !== '');
    for (const [op, si, fi, v] of edits) {
      const i = si % segs.length;
      if (op === 'drop-segment') segs.splice(i, 1);
      else if (op === 'repeat-segment') segs.splice(i, 0, segs[i]!);
      else if (op === 'move-segment') segs.push(...segs.splice(i, 1));
      else if (segs[i] !== undefined) {
        const fields = segs[i]!.split('|');
        const f = fi % fields.length;
        if (op === 'field') fields[f] = v;
        else {
          const comps = fields[f]!.split('^');
          comps[fi % comps.length] = v;
          fields[f] = comps.join('^');
        }
        segs[i] = fields.join('|');
      }
      if (segs.length === 0) break;
    }
    return segs.map((s) => `${s}\r`).join('');
  });
  return fc.oneof({ weight: 4, arbitrary: edited }, { weight: 1, arbitrary: truncated(edited) }, { weight: 1, arbitrary: badEscapes(edited) });
}

describe(`structure-aware fuzz: HL7 v2 over MLLP (${RUNS} cases per target)`, () => {
  const ids = { bed: 'bed-01', deviceId: 'mon-01' };
  const seeds = samples.map((s) => encodeHl7Oru(s, ids));
  // The sender asks for ACKs in original mode in one seed (MSH-15/16 empty), enhanced mode in the others.
  seeds.push(seeds[0]!.replace('|P|2.6|||NE|NE|', '|P|2.6|||AL|AL|'), seeds[1]!.replace('|P|2.6|||NE|NE|', '|P|2.5.1|||||'));

  it('MLLP byte streams of spoiled ORU^R01 messages, badly framed and in random chunks, through the listener path', () => {
    const tally = new FuzzTally('hl7-mllp-oru');
    // One framer for the whole run, as on a connection that never closes.
    const framer = new MllpFramer({ maxFrameBytes: 64 * 1024 });
    const framing = fc.constantFrom('ok', 'no-end', 'no-cr', 'double-start', 'no-start', 'garbage-before', 'bare');
    const stream = fc.tuple(fc.array(fc.tuple(hl7Spoiled(seeds), framing), { minLength: 1, maxLength: 3 }), fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 6 })).map(([msgs, cuts]) => {
      const bytes = Buffer.concat(msgs.map(([m, how]) => {
        const body = Buffer.from(m, 'utf8');
        const start = Buffer.from([0x0b]);
        const end = Buffer.from([0x1c, 0x0d]);
        if (how === 'no-end') return Buffer.concat([start, body]);
        if (how === 'no-cr') return Buffer.concat([start, body, Buffer.from([0x1c])]);
        if (how === 'double-start') return Buffer.concat([start, start, body, end]);
        if (how === 'no-start') return Buffer.concat([body, end]);
        if (how === 'garbage-before') return Buffer.concat([Buffer.from('\r\n\u0000xx'), start, body, end]);
        if (how === 'bare') return body;
        return Buffer.concat([start, body, end]);
      }));
      const chunks: Buffer[] = [];
      let at = 0;
      for (const c of cuts) {
        if (at >= bytes.length) break;
        chunks.push(bytes.subarray(at, at + c));
        at += c;
      }
      if (at < bytes.length) chunks.push(bytes.subarray(at));
      return chunks;
    });
    // A closing frame so that a frame left open by the previous case does not swallow the next case's messages.
    const reset = Buffer.from([0x1c, 0x0d]);
    fc.assert(
      fc.property(stream, (chunks) => {
        tally.time(chunks, () => {
          const out: DecodeResult[] = [];
          for (const c of [...chunks, reset]) {
            for (const frame of framer.push(c)) {
              const d = decodeHl7Message(frame);
              expect(Array.isArray(d.warnings)).toBe(true);
              if (d.ack !== undefined) expect(d.ack.startsWith('MSH')).toBe(true);
              const nack = rejectAck(frame, 'sender not allowed');
              if (nack !== undefined) expect(nack.startsWith('MSH')).toBe(true);
              expectContract(d.result);
              out.push(d.result);
            }
          }
          return out;
        }, (results) => {
          const err = results.find((r) => r.error !== undefined)?.error;
          if (err !== undefined) return { rejected: err };
          if (results.length === 0) return { rejected: 'no complete MLLP frame' };
          return { accepted: results.some((r) => r.items.length > 0) };
        });
      }),
      fuzzOptions(RUNS),
    );
    figure('fuzz: hl7-mllp-oru framer stats', JSON.stringify(framer.stats));
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.rejected).toBeGreaterThan(0);
  }, TIMEOUT);
});

/** A serial line with one of its space- or comma-separated fields spoiled. */
function lineSpoiled(seeds: string[], sep: RegExp): fc.Arbitrary<string> {
  const value = fc.oneof(hostileValue.map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')), fc.constantFrom('---', '--.-', '+--', '0000', 'FFFF', '999', '-1', '100.0', '=', '==', '%', '%%'));
  const edited = fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.constantFrom('value', 'whole', 'drop', 'repeat')), { minLength: 1, maxLength: 2 }), value).map(([line, edits, v]) => {
    const parts = line.split(sep);
    for (const [i, op] of edits) {
      const k = i % parts.length;
      if (op === 'drop') parts.splice(k, 1);
      else if (op === 'repeat') parts.splice(k, 0, parts[k] ?? '');
      else if (op === 'whole') parts[k] = v;
      else parts[k] = parts[k]!.includes('=') ? `${parts[k]!.split('=')[0]}=${v}` : v;
      if (parts.length === 0) break;
    }
    return parts.join(sep.source === ' ' ? ' ' : ',');
  });
  return fc.oneof({ weight: 4, arbitrary: edited }, { weight: 1, arbitrary: truncated(edited) }, { weight: 1, arbitrary: badEscapes(edited) });
}

describe(`structure-aware fuzz: serial lines (${RUNS} cases per target)`, () => {
  it('Masimo Radical-7 ASCII lines: one field value spoiled, fields dropped or repeated, cut short', () => {
    const tally = new FuzzTally('masimo-line');
    const seeds = samples.map((s) => encodeMasimoLine(s).replace(/\r?\n$/, ''));
    fc.assert(fc.property(lineSpoiled(seeds, / /), (line) => void tally.decode(line, () => decodeMasimoLine(line))), fuzzOptions(RUNS));
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.rejected).toBeGreaterThan(0);
  }, TIMEOUT);

  it('NDJSON lines: six-vital records with one field mutated', () => {
    const tally = new FuzzTally('ndjson-line');
    const seeds = samples.map((s) => JSON.parse(encodeNdjsonLine(s)) as Record<string, unknown>);
    fc.assert(fc.property(jsonText(objectWithOneFieldMutated(seeds)), (line) => void tally.decode(line, () => decodeNdjsonLine(withInfinity(line)))), fuzzOptions(RUNS));
    expect(tally.accepted).toBeGreaterThan(0);
  }, TIMEOUT);
});

describe(`structure-aware fuzz: IntelliVue frames (${RUNS} cases per target)`, () => {
  // Known physio ids (IEEE 11073-10101 nomenclature as the monitor's Data Export manual lists them) and random ones.
  const physio = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0x4182, 0x4bb8, 0x500a, 0x4a05, 0x4a06, 0x4a07, 0x480a, 0x4bb0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) });
  const floatValue = fc.oneof(fc.constantFrom<number | 'NaN' | '+INF' | '-INF' | 'NRes'>('NaN', '+INF', '-INF', 'NRes', 0, -0, 1e-7, 8_388_607, -8_388_608, 1e20, -1e20, 72, 97), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 }));
  const object = fc.oneof(
    fc.record({ kind: fc.constant('numeric' as const), handle: fc.integer({ min: 0, max: 0xffff }), physioId: physio, unit: fc.oneof(fc.constantFrom(0x0aa0, 0x0220, 0x0f20, 0x17a0), fc.integer({ min: 0, max: 0xffff })), value: floatValue, state: fc.integer({ min: 0, max: 0xffff }) }),
    fc.record({ kind: fc.constant('compound' as const), handle: fc.integer({ min: 0, max: 0xffff }), label: fc.integer({ min: 0, max: 0xffffffff }), unit: fc.integer({ min: 0, max: 0xffff }), parts: fc.array(fc.record({ physioId: physio, value: floatValue }), { maxLength: 4 }), measuredAt: fc.date({ min: new Date(Date.UTC(1990, 0, 1)), max: new Date(Date.UTC(2090, 0, 1)), noInvalidDate: true }) }),
    fc.record({ kind: fc.constant('alarms' as const), handle: fc.integer({ min: 0, max: 0xffff }), alarms: fc.array(fc.record({ list: fc.constantFrom('physiological' as const, 'technical' as const), source: physio, code: fc.integer({ min: 0, max: 0xffff }), type: fc.integer({ min: 0, max: 0xffff }), state: fc.integer({ min: 0, max: 0xffff }), textId: fc.integer({ min: 0, max: 0xffffffff }), text: fc.string({ maxLength: 24 }) }), { maxLength: 3 }) }),
  );
  const pollUserData = fc.record({ pollNumber: fc.integer({ min: 0, max: 0xffff }), relTicks: fc.integer({ min: 0, max: 0xffffffff }), objects: fc.array(object, { maxLength: 6 }) }).map((p) => {
    try {
      return monitorPollResult({ invokeId: 2, extended: true, sequenceNo: 0, objClass: 0x0006, attrGroup: 0x0803, ...p } as Parameters<typeof monitorPollResult>[0]);
    } catch {
      return undefined;
    }
  }).filter((u) => u !== undefined).map((u) => u!);
  /** A valid poll result, then one 16-bit length or count field set to a boundary value, or cut short. */
  const spoiled = fc.tuple(pollUserData, fc.constantFrom('none', 'none', 'none', 'length', 'truncate', 'byte'), fc.nat(), fc.constantFrom(0, 1, 0x7fff, 0x8000, 0xfffe, 0xffff)).map(([u, how, at, v]) => {
    const b = Uint8Array.from(u);
    const i = b.length < 2 ? 0 : at % (b.length - 1);
    if (how === 'length' && b.length >= 2) {
      b[i] = v >> 8;
      b[i + 1] = v & 0xff;
    } else if (how === 'byte' && b.length > 0) b[i] = v & 0xff;
    else if (how === 'truncate') return b.subarray(0, i);
    return b;
  });

  it('the stream decoder on framed poll results with hostile values, counts and lengths', () => {
    const tally = new FuzzTally('intellivue-frames');
    const decoder = createIntellivueDecoder();
    for (const r of decoder.push(encodeFrame(monitorMdsCreate(1, 1000, new Date(Date.UTC(2025, 0, 1)), 'BED 1')))) expectContract(r);
    fc.assert(
      fc.property(fc.array(spoiled, { minLength: 1, maxLength: 3 }), fc.nat({ max: 7 }), (frames, cut) => {
        const cutFrame = cut === 0;
        tally.time(frames, () => {
          const out: DecodeResult[] = [];
          for (const u of frames) {
            const f = encodeFrame(u);
            for (const r of decoder.push(cutFrame ? f.subarray(0, Math.max(1, f.length - 3)) : f)) {
              expectContract(r);
              out.push(r);
            }
          }
          return out;
        }, (results) => {
          const err = results.find((r) => r.error !== undefined)?.error;
          if (err !== undefined) return { rejected: err };
          return { accepted: results.some((r) => r.items.length > 0) };
        });
      }),
      fuzzOptions(RUNS),
    );
    expect(tally.accepted).toBeGreaterThan(0);
  }, TIMEOUT);
});

describe(`structure-aware fuzz: BLE GATT characteristics (${RUNS} cases per target)`, () => {
  // IEEE 11073-20601 SFLOAT boundaries and specials (NaN 0x07FF, NRes 0x0800, +INF 0x07FE, -INF 0x0802, reserved 0x0801).
  const sfloat = fc.oneof(fc.constantFrom(0x07ff, 0x0800, 0x07fe, 0x0802, 0x0801, 0x0000, 0x07fd, 0x0803, 0xf7ff, 0x0fff, 0xffff, 0x8000), fc.integer({ min: 0, max: 0xffff }));
  // Bluetooth Date Time (GATT Specification Supplement 3.70): year 0 = unknown, month 0 = unknown; and out-of-range.
  const dateTime = fc.tuple(fc.constantFrom(0, 1582, 2025, 9999, 0xffff), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([y, ...rest]) => [y & 0xff, y >> 8, ...rest]);
  /** Flags byte (any value: unknown bits set, fields announced but missing), then SFLOAT fields, a date, a tail. */
  const frame = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.array(sfloat, { maxLength: 8 }), fc.option(dateTime), fc.uint8Array({ maxLength: 6 }), fc.nat(), fc.boolean()).map(([flags, values, dt, tail, cut, doCut]) => {
    const bytes = [flags, ...values.flatMap((v) => [v & 0xff, v >> 8]), ...(dt ?? []), ...tail];
    return Uint8Array.from(doCut ? bytes.slice(0, cut % (bytes.length + 1)) : bytes);
  });
  for (const [id, decode] of Object.entries(GATT_CODECS) as Array<[GattCodecId, (b: Uint8Array) => DecodeResult]>) {
    it(`0x${id}: flags and fields of every shape, SFLOAT specials, dates, truncations`, () => {
      const tally = new FuzzTally(`gatt-0x${id}`);
      fc.assert(fc.property(frame, (b) => void tally.decode(b, () => decode(b))), fuzzOptions(RUNS));
      expect(tally.accepted + tally.rejected).toBe(tally.cases - tally.silent);
    }, TIMEOUT);
  }
});
