/**
 * The driver against a real monitor's wire bytes, not our simulator's: the first 20,107 bytes (40 frames) of a raw
 * RS232 capture of a Philips IntelliVue MP-series monitor (MDS model "M8000") published with JVSCapture
 * (test/fixtures/captures/PROVENANCE.md; docs/intellivue.md key JVS).
 *
 * Expected values are read by hand from the bytes quoted in the comments, with the structures and codes of the
 * Philips Data Export Interface Programming Guide as transcribed by [BR PhysioLabels.txt, UNITTypes.txt] and
 * [OI ObservedValue.java]: NumericObservedValue = {physio_id u16, MeasurementState u16, unit_code u16, FLOAT-Type
 * value u32}; FLOAT-Type = signed 8-bit exponent, signed 24-bit mantissa. The source's own decoding of the same
 * recording, `files/NumericData.csv` in the same commit (columns named in its `CSVWriter.java`: nomEcgCardBeatRate,
 * nomEcgAmplStI ... nomEcgAmplStMcl, nomEcgVPCCnt), gives the same numbers for relative times 1971200 and 1979392.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createIntellivueDecoder, type IntellivueDecodeResult } from './codec.js';
import { ATTR, OBJ, parseMessage, type PollResult } from './messages.js';
import { FrameReader, EOF } from './framing.js';
import { IntellivueSession, type SessionAction } from './session.js';

const capture = readFileSync(new URL('../../../test/fixtures/captures/intellivue-m8000-jvscapture.bin', import.meta.url));

/** The capture cut after each EOF: outside a frame 0xC1 is only ever an EOF (inside, it is escaped). */
function wireFrames(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === EOF) {
      out.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  return out;
}

function userData(frame: Uint8Array): Buffer {
  const evs = new FrameReader({ maxUserData: 1500 }).push(frame);
  const ev = evs[0];
  if (evs.length !== 1 || ev?.kind !== 'frame') throw new Error('not one good frame');
  return ev.userData;
}

const frames = wireFrames(capture);

/** 2021-04-22 11:47:26.00, the MDS Create's TIME_ABS, read at UTC offset 0 (the monitor sends no zone). */
const MDS_ABS_MS = Date.UTC(2021, 3, 22, 11, 47, 26, 0);
/** The MDS Create's TIME_REL 00 1d c2 00: 1950208 ticks of 125 us. */
const MDS_REL_TICKS = 0x001dc200;
const atTicks = (ticks: number): number => MDS_ABS_MS + (ticks - MDS_REL_TICKS) / 8;

/** Pushes frames one by one through one decoder, keeping each frame's results. */
function decodeEach(): IntellivueDecodeResult[][] {
  const dec = createIntellivueDecoder();
  return frames.map((f) => dec.push(f));
}

describe('IntelliVue: a real MP-series capture (JVSCapture MPRawoutput1.raw)', () => {
  it('holds 40 whole frames whose FCS our CRC accepts, and no noise', () => {
    expect(capture.length).toBe(20107);
    expect(frames).toHaveLength(40);
    // 21 transparency escapes (7D E0, 7D E1, 7D 5D) in the monitor's own bytes: the FCS check below covers them.
    expect(capture.filter((b) => b === 0x7d)).toHaveLength(21);
    const reader = new FrameReader({ maxUserData: 1500 });
    const evs = reader.push(capture);
    expect(evs.every((e) => e.kind === 'frame')).toBe(true);
    expect(reader.stats).toMatchObject({ frames: 40, badFcs: 0, aborts: 0, truncated: 0, badHeader: 0, noiseBytes: 0 });
  });

  it("reads the monitor's association result: poll period 0x0FA0 ticks (500 ms) and MTU 0x03E4 (996) both ways", () => {
    // PollProfileSupport in the MDSEUserInfoStd: 80 00 00 00 | 00 00 0f a0 | 00 00 03 e4 | 00 00 03 e4 | ff ff ff ff
    expect(parseMessage(userData(frames[0]!))).toEqual({ kind: 'assoc-accept', minPollPeriodTicks: 4000, maxMtuRx: 996, maxMtuTx: 996 });
  });

  it('reads the MDS Create event: model "M8000", TIME_ABS 2021-04-22 11:47:26, TIME_REL 0x001DC200', () => {
    const m = parseMessage(userData(frames[1]!));
    if (m.kind !== 'mds-create') throw new Error(m.kind);
    expect(m.invokeId).toBe(1);
    expect(m.managedObject).toEqual({ objClass: OBJ.VMS_MDS, context: 0, handle: 0 });
    const attr = (id: number): string => Buffer.from(m.attributes.find((a) => a.id === id)?.value ?? []).toString('hex');
    expect(attr(ATTR.TIME_ABS)).toBe('2021042211472600');
    expect(attr(ATTR.TIME_REL)).toBe('001dc200');
    // ID_MODEL: two length-prefixed strings, manufacturer "Philips\0" and model "M8000\0".
    expect(Buffer.from(m.attributes.find((a) => a.id === ATTR.ID_MODEL)!.value).toString('latin1')).toBe('\0\x08Philips\0\0\x06M8000\0');
  });

  it('frames 8-11 are one extended poll result of the numerics at relative time 0x001DF400, linked first/middle/last', () => {
    const polls = [8, 9, 10, 11].map((i) => parseMessage(userData(frames[i]!)) as PollResult);
    for (const p of polls) {
      expect(p.kind).toBe('poll-result');
      expect(p.extended).toBe(true);
      expect(p.objClass).toBe(OBJ.METRIC_NU);
      expect(p.relTimeTicks).toBe(0x001df400);
    }
    expect(polls.map((p) => p.linked)).toEqual([{ state: 1, count: 1 }, { state: 2, count: 2 }, { state: 3, count: 3 }, undefined]);
  });

  it('decodes the numerics of that poll to the values in the bytes', () => {
    const res = decodeEach();
    expect(res.flat().every((r) => r.error === undefined)).toBe(true);
    const poll = atTicks(0x001df400); // 11:47:27.600

    // Frame 8: HR object, NU_VAL_OBS 41 82 | 00 00 | 0a a0 | 00 00 00 3c: NOM_ECG_CARD_BEAT_RATE, state 0,
    // NOM_DIM_BEAT_PER_MIN, 60. The NBP compound next to it has three parts 4a 05/06/07 | 20 00 | 0f 20 |
    // 00 7f ff ff: state UNAVAILABLE, value NaN, so no reading.
    expect(res[8]!.flatMap((r) => r.items)).toEqual([
      { kind: 'reading', param: 'hr', value: 60, unit: '/min', code: 'NOM:0x4182', sourceTs: poll, sourceSeq: 0 },
    ]);

    // Frame 9: the ST compound (label 0x00020300 "ST"), 8 parts in NOM_DIM_MILLI_M 0x0512, measured at its own
    // TIME_STAMP_REL 00 1c 3f 00 (1851136 ticks, 12.384 s before the MDS anchor); the states 00 02 on ST II and
    // aVR are MSMT_STATE_IN_ALARM. Then the PVC object: 42 61 | 00 00 | 0a a0 | 00 00 00 00 -> 0.
    const st = atTicks(0x001c3f00); // 11:47:13.616
    const stRow = (param: string, code: string, value: number, alarm = false): object => ({
      kind: 'reading', param, value, unit: 'mm', code, sourceTs: st, sourceSeq: 0, ...(alarm ? { flags: ['device-alarm'] } : {}),
    });
    expect(res[9]!.flatMap((r) => r.items)).toEqual([
      stRow('st_i', 'NOM:0x0301', -0.9), // 03 01 | 00 00 | ff ff ff f7: exponent -1, mantissa -9
      stRow('st_ii', 'NOM:0x0302', -1.5, true), // 03 02 | 00 02 | ff ff ff f1: -15e-1
      stRow('st_iii', 'NOM:0x033d', -0.5), // 03 3d | 00 00 | ff ff ff fb: -5e-1
      stRow('st_avr', 'NOM:0x033e', 1.2, true), // 03 3e | 00 02 | ff 00 00 0c: 12e-1
      stRow('st_avl', 'NOM:0x033f', -0.1), // 03 3f | 00 00 | ff ff ff ff: -1e-1
      stRow('st_avf', 'NOM:0x0340', -1), // 03 40 | 00 00 | ff ff ff f6: -10e-1
      { kind: 'reading', param: 'pvc', value: 0, unit: '/min', code: 'NOM:0x4261', sourceTs: poll, sourceSeq: 0 },
      // NOM_ECG_AMPL_ST_V 0x0343 and NOM_ECG_AMPL_ST_MCL 0x034B [OI ObservedValue.java] have no row in our
      // parameter table: passed on unmapped, with the device's unit, never dropped.
      { kind: 'unmapped', code: 'NOM:0x0343', value: 0.7, unit: 'mm', label: '0x00020300', sourceTs: st }, // ff 00 00 07
      { kind: 'unmapped', code: 'NOM:0x034b', value: 0.8, unit: 'mm', label: '0x00020300', sourceTs: st }, // ff 00 00 08
    ]);

    // Frame 10: SpO2 4b b8 | 80 00 | 02 20 | 00 7f ff ff, pleth pulse 48 22 | 80 01 | 0a a0 | 00 7f ff ff and
    // perfusion 4b b0 | 80 00 | 02 00 | 00 7f ff ff: INVALID and NaN (no sensor), so nothing; frame 11 is empty.
    expect(res[10]!.flatMap((r) => r.items)).toEqual([]);
    expect(res[11]!.flatMap((r) => r.items)).toEqual([]);
  });

  it("matches the source's own NumericData.csv rows for relative times 1971200 and 1979392", () => {
    const res = decodeEach();
    // Frames 13-16 and 20-23 are the numerics polls at those relative times.
    for (const [first, rel] of [[13, 1971200], [20, 1979392]] as const) {
      expect((parseMessage(userData(frames[first]!)) as PollResult).relTimeTicks).toBe(rel);
      const items = [first, first + 1, first + 2, first + 3].flatMap((i) => res[i]!.flatMap((r) => r.items));
      const value = (code: string): number | undefined => {
        const it = items.find((x) => (x.kind === 'reading' || x.kind === 'unmapped') && x.code === code);
        return it && (it.kind === 'reading' || it.kind === 'unmapped') ? it.value : undefined;
      };
      // CSV: nomEcgCardBeatRate 60.0, nomEcgAmplStI -0.9, StIi -1.5, StIii -0.5, StAvr 1.2, StAvl -0.1,
      // StAvf -1.0, StV 0.7, StMcl 0.8, nomEcgVPCCnt 0.0; NBP, SpO2, pleth pulse and perfusion 0.0 (no value).
      expect(['0x4182', '0x0301', '0x0302', '0x033d', '0x033e', '0x033f', '0x0340', '0x0343', '0x034b', '0x4261'].map((c) => value(`NOM:${c}`)))
        .toEqual([60, -0.9, -1.5, -0.5, 1.2, -0.1, -1, 0.7, 0.8, 0]);
      for (const c of ['0x4a05', '0x4a06', '0x4a07', '0x4bb8', '0x4822', '0x4bb0']) expect(value(`NOM:${c}`)).toBeUndefined();
    }
  });

  it('wave polls (object class 9, NOM_MOC_VMO_METRIC_SA_RT) and the Get/Set results give no numerics and no errors', () => {
    const res = decodeEach();
    for (const i of [12, 17, 18, 19]) {
      expect((parseMessage(userData(frames[i]!)) as PollResult).objClass).toBe(OBJ.METRIC_SA_RT);
      expect(res[i]!.flatMap((r) => r.items)).toEqual([]);
    }
    expect(res[6]).toEqual([]);
    expect(res[7]).toEqual([]);
  });

  it('drives the session state machine: real accept, real MDS Create (answered with its invoke id), real numerics', () => {
    const s = new IntellivueSession({ silenceMs: 60_000 });
    const all: SessionAction[] = [];
    const step = (acts: SessionAction[]): SessionAction[] => (all.push(...acts), acts);
    step(s.handle({ type: 'start', now: 0 }));
    expect(s.state).toBe('ASSOCIATING');
    step(s.handle({ type: 'frame', userData: userData(frames[0]!), now: 100 }));
    expect(s.state).toBe('WAIT_MDS');
    const onMds = step(s.handle({ type: 'frame', userData: userData(frames[1]!), now: 200 }));
    expect(s.state).toBe('POLLING');
    const sent = onMds.flatMap((a) => (a.type === 'send' ? [a] : []));
    expect(sent.map((a) => a.what)).toEqual(['mds-create-result', 'extended-poll']);
    // RORS: e1 00 | 00 02 | ro_type 00 02 | length | invoke_id 00 01 (the MDS Create's) | CONFIRMED_EVENT_REPORT 00 01
    expect(sent[0]!.bytes.subarray(0, 6).toString('hex')).toBe('e10000020002');
    expect(sent[0]!.bytes.subarray(8, 12).toString('hex')).toBe('00010001');
    for (let i = 2; i < frames.length; i++) step(s.handle({ type: 'frame', userData: userData(frames[i]!), now: 200 + i * 100 }));
    expect(all.filter((a) => a.type === 'decode-error')).toEqual([]);
    const readings = all.flatMap((a) => (a.type === 'readings' ? a.readings : []));
    // Five numerics polls carry values in these 40 frames (relative times 0x001DF400 ... 0x001E7400), each with HR 60.
    expect(readings.filter((r) => r.param === 'hr').map((r) => r.value)).toEqual([60, 60, 60, 60, 60]);
    expect(readings.filter((r) => r.param === 'spo2' || r.param === 'sbp')).toEqual([]);
    // The real accept's min_poll_period, 0x0FA0 ticks = 500 ms, gives a 10 s monitor timeout [OI]: so the keep-alive
    // goes 9 s after our last transmission (the extended poll at t = 200 ms).
    expect(s.handle({ type: 'tick', now: 200 + 8_999 }).some((a) => a.type === 'send' && a.what === 'keep-alive')).toBe(false);
    expect(s.handle({ type: 'tick', now: 200 + 9_000 }).some((a) => a.type === 'send' && a.what === 'keep-alive')).toBe(true);
  });

  it('gives the same results however the serial port splits the bytes (escapes cut in two included)', () => {
    const whole = JSON.stringify(createIntellivueDecoder().push(capture));
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: capture.length - 1 }), { maxLength: 40 }), (cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), capture.length];
        const dec = createIntellivueDecoder();
        const got = at.slice(1).flatMap((end, i) => dec.push(capture.subarray(at[i], end)));
        expect(JSON.stringify(got)).toBe(whole);
      }),
      { numRuns: 150 },
    );
    // One cut right after each escape byte, so every escaped pair arrives split.
    const dec = createIntellivueDecoder();
    let start = 0;
    const got: IntellivueDecodeResult[] = [];
    capture.forEach((b, i) => {
      if (b === 0x7d) {
        got.push(...dec.push(capture.subarray(start, i + 1)));
        start = i + 1;
      }
    });
    got.push(...dec.push(capture.subarray(start)));
    expect(JSON.stringify(got)).toBe(whole);
  });
});
