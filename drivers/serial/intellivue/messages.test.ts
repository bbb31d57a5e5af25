/**
 * Driver message layer against the emulator's independently written monitor encoder and request reader
 * (simulator/intellivue/monitor-*.ts): each side checks the other.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildAbort, buildAssociationRequest, buildExtendedPollRequest, buildMdsCreateResult, buildReleaseRequest,
  buildSinglePollRequest, MDS_OBJECT, OBJ, ATTR, ATTR_GRP, parseMessage,
} from './messages.js';
import { createIntellivueDecoder } from './codec.js';
import { readFileSync } from 'node:fs';
import {
  BOF, crc16X25, encodeFrame, EOF, ESC, ESC_XOR, HEADER_LENGTH, MSG_TYPE_AS_DATA_EXPORT, PROTOCOL_ID_DATA_EXPORT,
} from './framing.js';
import {
  MONITOR_ABORT, MONITOR_REFUSE, MONITOR_RELEASE_RESULT, monitorAssociationResult, monitorMdsCreate, monitorPollResult,
  readClientRequest, type ObjectSpec,
} from '../../../simulator/intellivue/monitor-protocol.js';
import { MonitorFrameSplitter, monitorFrame } from '../../../simulator/intellivue/monitor-wire.js';

const NUMERICS: ObjectSpec[] = [
  { kind: 'numeric', handle: 1, physioId: 0x4182, unit: 0x0aa0, value: 72 },
  { kind: 'numeric', handle: 2, physioId: 0x4bb8, unit: 0x0220, value: 97 },
  { kind: 'numeric', handle: 3, physioId: 0x500a, unit: 0x0ae0, value: 16 },
  { kind: 'numeric', handle: 4, physioId: 0x4b48, unit: 0x17a0, value: 37.2 },
  {
    kind: 'compound', handle: 5, label: 0x00024a04, unit: 0x0f20, measuredAt: new Date(Date.UTC(2024, 4, 1, 10, 0, 0)),
    parts: [{ physioId: 0x4a05, value: 120 }, { physioId: 0x4a06, value: 80 }, { physioId: 0x4a07, value: 93 }],
  },
];

describe('client requests as the monitor reads them', () => {
  it('association request carries our poll profile', () => {
    const req = readClientRequest(buildAssociationRequest({ minPollPeriodMs: 1000, maxMtuRx: 1000, maxMtuTx: 900, extendedPollOptions: 0x80000000 }));
    expect(req).toEqual({ kind: 'associate', minPollPeriodTicks: 8000, mtuRx: 1000, mtuTx: 900 });
  });
  it('the association request contains 0xC1 and survives framing only because the header is escaped', () => {
    const aarq = buildAssociationRequest();
    expect(aarq.includes(0xc1)).toBe(true);
    const s = new MonitorFrameSplitter();
    expect(s.feed(encodeFrame(aarq))).toEqual([aarq]);
  });
  it('MDS create result echoes the invoke id', () => {
    expect(readClientRequest(buildMdsCreateResult(0x1234, MDS_OBJECT, 99))).toEqual({ kind: 'mds-create-result', invokeId: 0x1234, eventType: 0x0d06 });
  });
  it('single and extended polls', () => {
    expect(readClientRequest(buildSinglePollRequest({ invokeId: 7, pollNumber: 3, objClass: OBJ.VMO_AL_MON, attrGroup: ATTR_GRP.VMO_STATIC }))).toEqual({
      kind: 'poll', invokeId: 7, extended: false, pollNumber: 3, objClass: 0x36, attrGroup: 0x0811,
    });
    expect(readClientRequest(buildExtendedPollRequest({ invokeId: 8, pollNumber: 4, objClass: OBJ.METRIC_NU, attrGroup: 0, periodMs: 60_000 }))).toEqual({
      kind: 'poll', invokeId: 8, extended: true, pollNumber: 4, objClass: 6, attrGroup: 0, periodTicks: 480_000,
    });
  });
  it('release and abort', () => {
    expect(readClientRequest(buildReleaseRequest()).kind).toBe('release');
    expect(readClientRequest(buildAbort()).kind).toBe('abort');
    const ab = buildAbort();
    expect(ab[1]).toBe(ab.length - 2); // length indicator matches
    expect(buildReleaseRequest()[1]).toBe(buildReleaseRequest().length - 2);
  });
});

describe('monitor messages as the driver parses them', () => {
  it('association accept gives the negotiated poll period and MTU', () => {
    expect(parseMessage(monitorAssociationResult({ minPollPeriodTicks: 4000, mtuRx: 1000, mtuTx: 800 }))).toEqual({
      kind: 'assoc-accept', minPollPeriodTicks: 4000, maxMtuRx: 1000, maxMtuTx: 800,
    });
  });
  it('refuse, abort, release result', () => {
    expect(parseMessage(MONITOR_REFUSE).kind).toBe('assoc-refuse');
    expect(parseMessage(MONITOR_ABORT).kind).toBe('abort');
    expect(parseMessage(MONITOR_RELEASE_RESULT).kind).toBe('release-result');
  });
  it('MDS create with invoke id and time anchors', () => {
    const m = parseMessage(monitorMdsCreate(0x4242, 800_000, new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), 'Bed 7'));
    expect(m.kind).toBe('mds-create');
    if (m.kind !== 'mds-create') return;
    expect(m.invokeId).toBe(0x4242);
    expect(m.managedObject).toEqual({ objClass: 0x21, context: 0, handle: 0 });
    expect(m.attributes.map((a) => a.id)).toEqual([0x0987, 0x098f, 0x091e]);
  });
  it('decodes numerics and compound NBP with its own time stamp', () => {
    const dec = createIntellivueDecoder();
    const mds = monitorMdsCreate(1, 8000, new Date(Date.UTC(2024, 4, 1, 10, 5, 0)), 'B');
    const poll = monitorPollResult({ invokeId: 5, extended: true, pollNumber: 1, sequenceNo: 9, relTicks: 8000 + 8 * 2000, objClass: 6, attrGroup: 0, objects: NUMERICS });
    const res = dec.push(Buffer.concat([monitorFrame(mds), monitorFrame(poll)]));
    expect(res).toHaveLength(1);
    const items = res[0]!.items;
    const byParam = Object.fromEntries(items.map((i) => [i.kind === 'reading' ? i.param : '', i]));
    expect(byParam.hr).toMatchObject({ value: 72, unit: '/min', sourceSeq: 9, sourceTs: Date.UTC(2024, 4, 1, 10, 5, 2) });
    expect(byParam.spo2).toMatchObject({ value: 97, unit: '%' });
    expect(byParam.rr).toMatchObject({ value: 16, channel: 'ecg' });
    expect(byParam.temp).toMatchObject({ value: 37.2, unit: 'Cel' });
    for (const [p, v] of [['sbp', 120], ['dbp', 80], ['map', 93]] as const) {
      expect(byParam[p]).toMatchObject({ value: v, unit: 'mm[Hg]', channel: 'nbp', sourceTs: Date.UTC(2024, 4, 1, 10, 0, 0) });
    }
    expect(items.every((i) => i.kind === 'reading' && i.flags === undefined)).toBe(true);
  });
  it('special FLOATs, unavailable and settings objects give no reading; demo and kPa are handled', () => {
    const objects: ObjectSpec[] = [
      { kind: 'numeric', handle: 1, physioId: 0x4182, unit: 0x0aa0, value: 'NaN' },
      { kind: 'numeric', handle: 2, physioId: 0x4bb8, unit: 0x0220, value: 'NRes' },
      { kind: 'numeric', handle: 3, physioId: 0x500a, unit: 0x0ae0, value: '+INF' },
      { kind: 'numeric', handle: 4, physioId: 0x4822, unit: 0x0aa0, value: 70, state: 0x2000 },
      { kind: 'numeric', handle: 5, physioId: 0x4b48, label: 0x04024b48, unit: 0x17a0, value: 36 },
      { kind: 'numeric', handle: 6, physioId: 0x4bb8, unit: 0x0220, value: 99, state: 0x0400 },
      { kind: 'compound', handle: 7, label: 0x00024a04, unit: 0x0f03, parts: [{ physioId: 0x4a05, value: 16 }, { physioId: 0x4a06, value: 10.7 }, { physioId: 0x4a07, value: 'NaN' }] },
    ];
    const res = createIntellivueDecoder().push(monitorFrame(monitorPollResult({ invokeId: 1, extended: false, pollNumber: 1, sequenceNo: 0, relTicks: 0, objClass: 6, attrGroup: 0, objects })));
    const items = res[0]!.items.flatMap((i) => (i.kind === 'reading' ? [i] : []));
    expect(items.map((i) => [i.param, i.value, i.flags])).toEqual([
      ['spo2', 99, ['demo']],
      ['sbp', 120, undefined],
      ['dbp', 80.3, undefined],
    ]);
  });
  it('extended-poll numerics beyond the nine map through the table; an unknown id comes through unmapped, a setting does not', () => {
    const objects: ObjectSpec[] = [
      { kind: 'compound', handle: 1, label: 0x00024a14, unit: 0x0f20, parts: [{ physioId: 0x4a15, value: 118 }, { physioId: 0x4a16, value: 62 }, { physioId: 0x4a17, value: 81 }] },
      { kind: 'numeric', handle: 2, physioId: 0x50b0, unit: 0x0f20, value: 37 },
      { kind: 'numeric', handle: 3, physioId: 0x4261, unit: 0x0aa0, value: 3 },
      { kind: 'numeric', handle: 4, physioId: 0x0302, unit: 0x0512, value: -1.2 },
      { kind: 'numeric', handle: 5, physioId: 0x4bb0, unit: 0x0200, value: 1.4 },
      { kind: 'numeric', handle: 6, physioId: 0x5012, label: 0x04025012, unit: 0x0ae0, value: 12 },
    ];
    const res = createIntellivueDecoder().push(monitorFrame(monitorPollResult({ invokeId: 1, extended: false, pollNumber: 1, sequenceNo: 0, relTicks: 0, objClass: 6, attrGroup: 0, objects })));
    const items = res[0]!.items;
    expect(items.flatMap((i) => (i.kind === 'reading' ? [[i.param, i.value, i.unit]] : []))).toEqual([
      ['abp_sys', 118, 'mm[Hg]'],
      ['abp_dia', 62, 'mm[Hg]'],
      ['abp_mean', 81, 'mm[Hg]'],
      ['etco2', 37, 'mm[Hg]'],
      ['pvc', 3, '/min'],
      ['st_ii', -1.2, 'mm'],
    ]);
    expect(items.filter((i) => i.kind === 'unmapped')).toEqual([{ kind: 'unmapped', code: 'NOM:0x4bb0', label: '0x00024bb0', value: 1.4, unit: '1' }]);
  });
  it("the CO2 label's compound value gives EtCO2 and inspired CO2 in mmHg; a ventilator's FICO2 in % comes through unmapped", () => {
    // "CO2" (NLS_NOM_AWAY_CO2 0x000250AC): NOM_AWAY_CO2_ET 0x50B0 and NOM_AWAY_CO2_INSP_MIN 0x50BA in NOM_DIM_MMHG;
    // "FICO2" is NOM_VENT_CONC_AWAY_CO2_INSP 0x5160 in NOM_DIM_PERCENT [BR PhysioLabels.txt; OI data/ObservedValue.java].
    const objects: ObjectSpec[] = [
      { kind: 'compound', handle: 1, label: 0x000250ac, unit: 0x0f20, parts: [{ physioId: 0x50b0, value: 38 }, { physioId: 0x50ba, value: 2 }] },
      { kind: 'numeric', handle: 2, physioId: 0x5160, unit: 0x0220, value: 0.3 },
    ];
    const res = createIntellivueDecoder().push(monitorFrame(monitorPollResult({ invokeId: 1, extended: false, pollNumber: 1, sequenceNo: 0, relTicks: 0, objClass: 6, attrGroup: 0, objects })));
    const items = res[0]!.items;
    expect(items.flatMap((i) => (i.kind === 'reading' ? [[i.param, i.value, i.unit, i.code]] : []))).toEqual([
      ['etco2', 38, 'mm[Hg]', 'NOM:0x50b0'],
      ['fico2', 2, 'mm[Hg]', 'NOM:0x50ba'],
    ]);
    expect(items.filter((i) => i.kind === 'unmapped')).toEqual([{ kind: 'unmapped', code: 'NOM:0x5160', label: '0x00025160', value: 0.3, unit: '%' }]);
  });
  it('linked results: each RORLS frame and the closing RORS is decoded on its own', () => {
    const frames = [
      monitorPollResult({ invokeId: 3, extended: true, pollNumber: 1, sequenceNo: 1, relTicks: 0, objClass: 6, attrGroup: 0, objects: NUMERICS.slice(0, 2), linked: { state: 1, count: 1 } }),
      monitorPollResult({ invokeId: 3, extended: true, pollNumber: 1, sequenceNo: 1, relTicks: 0, objClass: 6, attrGroup: 0, objects: NUMERICS.slice(2, 4), linked: { state: 3, count: 2 } }),
      monitorPollResult({ invokeId: 3, extended: true, pollNumber: 1, sequenceNo: 1, relTicks: 0, objClass: 6, attrGroup: 0, objects: [] }),
    ].map((f) => monitorFrame(f));
    const res = createIntellivueDecoder().push(Buffer.concat(frames));
    expect(res.map((r) => r.items.length)).toEqual([2, 2, 0]);
    const m = parseMessage(monitorPollResult({ invokeId: 3, extended: true, pollNumber: 1, sequenceNo: 1, relTicks: 0, objClass: 6, attrGroup: 0, objects: [], linked: { state: 2, count: 5 } }));
    expect(m.kind === 'poll-result' && m.linked).toEqual({ state: 2, count: 5 });
  });
  it('alarm lists come back as device alarms, apart from readings', () => {
    const objects: ObjectSpec[] = [{
      kind: 'alarms', handle: 9, alarms: [
        { list: 'physiological', source: 0x4bb8, code: 0x1234, type: 0x0400, state: 0x0008, textId: 0x00025555, text: '**Desat' },
        { list: 'technical', source: 0x4bb8, code: 0x2222, type: 0x0002, state: 0, textId: 0x00026666 },
      ],
    }];
    const res = createIntellivueDecoder().push(monitorFrame(monitorPollResult({ invokeId: 1, extended: false, pollNumber: 1, sequenceNo: 0, relTicks: 0, objClass: 0x36, attrGroup: 0x0801, objects })));
    expect(res[0]!.items).toEqual([]);
    expect(res[0]!.deviceAlarms).toEqual([
      { list: 'physiological', source: 0x4bb8, code: 0x1234, type: 0x0400, priority: 'high', state: 0x0008, textId: 0x00025555, text: '**Desat' },
      { list: 'technical', source: 0x4bb8, code: 0x2222, type: 0x0002, priority: 'medium', state: 0, textId: 0x00026666 },
    ]);
  });
  it('bad frames from the monitor are errors and the decoder goes on', () => {
    const dec = createIntellivueDecoder();
    const poll = monitorPollResult({ invokeId: 1, extended: false, pollNumber: 1, sequenceNo: 0, relTicks: 0, objClass: 6, attrGroup: 0, objects: NUMERICS.slice(0, 1) });
    const res = dec.push(Buffer.concat([monitorFrame(poll, { badFcs: true }), monitorFrame(poll, { abort: true }), monitorFrame(poll)]));
    expect(res.map((r) => r.error)).toEqual(['frame bad-fcs', 'frame abort', undefined]);
    expect(res[2]!.items).toHaveLength(1);
  });
  it('hex lines split anywhere decode the same (decode tool input)', () => {
    const wire = Buffer.concat([monitorFrame(monitorMdsCreate(1, 0, new Date(0), 'x')), monitorFrame(monitorPollResult({ invokeId: 1, extended: true, pollNumber: 1, sequenceNo: 1, relTicks: 0, objClass: 6, attrGroup: 0, objects: NUMERICS }))]).toString('hex');
    fc.assert(fc.property(fc.integer({ min: 1, max: 97 }), (n) => {
      const dec = createIntellivueDecoder();
      const res = [];
      for (let i = 0; i < wire.length; i += n * 2) res.push(...dec.pushHex(wire.slice(i, i + n * 2).replace(/(..)/g, '$1 ')));
      expect(res.flatMap((r) => r.items)).toHaveLength(7);
    }), { numRuns: 50 });
    expect(createIntellivueDecoder().pushHex('zz 01')).toEqual([{ items: [], error: 'not a hex line' }]);
  });
});

describe('fuzz', () => {
  it('parseMessage never throws on random or mutated user data', () => {
    const base = monitorPollResult({ invokeId: 1, extended: true, pollNumber: 1, sequenceNo: 1, relTicks: 0, objClass: 6, attrGroup: 0, objects: NUMERICS });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (u) => { parseMessage(u); }), { numRuns: 2000 });
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (muts) => {
      const m = Buffer.from(base);
      for (const [i, v] of muts) m[i] = v;
      const dec = createIntellivueDecoder();
      for (const r of dec.push(monitorFrame(m))) {
        for (const it of r.items) if (it.kind === 'reading') expect(Number.isFinite(it.value)).toBe(true);
      }
    }), { numRuns: 3000 });
  });
  it('the stream decoder never throws and never yields a non-finite reading on random wire bytes', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), (chunks) => {
      const dec = createIntellivueDecoder();
      for (const c of chunks) for (const r of dec.push(c)) for (const it of r.items) if (it.kind === 'reading') expect(Number.isFinite(it.value)).toBe(true);
    }), { numRuns: 1000 });
  });
});

describe('IntelliVue: the mindleaving patient-demographics frame, as logged after un-escaping (test/fixtures/captures/PROVENANCE.md)', () => {
  // The source's serial reader logged this frame as it held it: BOF, the bytes with the transparency escapes already
  // removed, EOF (mindleaving/patient-monitor-datalogger @ 69851e2d4eab279df73e9e6dc89c0af0c503a6c1,
  // PatientMonitorDataLogger/PhilipsIntellivue/Helpers/PhilipsIntellivueSerialDataFrameReader.cs, `Faulty data:`), and
  // called it faulty because its own message model threw while parsing the user data (FaultyPatientDemographicsFrame.txt,
  // same commit), not because of the framing. So it holds two bare 0xC0 bytes that the wire carries escaped.
  const frame = Buffer.from(
    readFileSync(new URL('../../../test/fixtures/captures/intellivue-demographics-frame-unescaped.b64', import.meta.url), 'utf8').trim(),
    'base64',
  );
  const headerAndData = frame.subarray(1, frame.length - 3);
  const userData = headerAndData.subarray(HEADER_LENGTH);

  /** Puts back the transparency escapes (0xC0, 0xC1, 0x7D -> 0x7D, byte ^ 0x20) between BOF and EOF, FCS included. */
  function escapeForWire(unescaped: Uint8Array): Buffer {
    const out: number[] = [unescaped[0] as number];
    for (const b of unescaped.subarray(1, unescaped.length - 1)) {
      if (b === BOF || b === EOF || b === ESC) out.push(ESC, b ^ ESC_XOR);
      else out.push(b);
    }
    out.push(unescaped[unescaped.length - 1] as number);
    return Buffer.from(out);
  }

  it('is one whole frame after un-escaping: header and length right, its FCS valid, two bare 0xC0 inside', () => {
    expect(frame.length).toBe(300);
    expect([frame[0], frame[299]]).toEqual([BOF, EOF]);
    expect([...headerAndData.subarray(0, 2)]).toEqual([PROTOCOL_ID_DATA_EXPORT, MSG_TYPE_AS_DATA_EXPORT]);
    expect(headerAndData.readUInt16BE(2)).toBe(292);
    expect(userData.length).toBe(292);
    expect(crc16X25(headerAndData)).toBe(0x6582);
    expect([...frame.subarray(297, 299)]).toEqual([0x82, 0x65]); // the FCS as stored, LSB first
    const special = [...frame.subarray(1, 299).entries()].filter(([, b]) => b === BOF || b === EOF || b === ESC).map(([i]) => i + 1);
    expect(special).toEqual([238, 248]);
    expect([frame[238], frame[248]]).toEqual([BOF, BOF]);
  });

  it('re-escaped as the wire carries it, decodes cleanly: one single-poll result of the patient-demographics object, no numerics', () => {
    const wire = escapeForWire(frame);
    expect(wire.length).toBe(302);
    expect(wire).toEqual(encodeFrame(userData)); // our encoder, computing its own FCS, gives the same bytes
    const dec = createIntellivueDecoder();
    expect(dec.push(wire)).toEqual([{ items: [] }]);
    expect(dec.stats).toMatchObject({ frames: 1, badFcs: 0, truncated: 0, badHeader: 0, pollResults: 1, observations: 0, skippedValues: 0 });

    const msg = parseMessage(userData);
    if (msg.kind !== 'poll-result') throw new Error(`expected a poll result, got ${msg.kind}`);
    expect(msg).toMatchObject({ invokeId: 0, extended: false, pollNumber: 0, relTimeTicks: 0x059ef200, objClass: OBJ.PT_DEMOG, attrGroup: ATTR_GRP.PT_DEMOG });
    expect([...msg.absTime]).toEqual(new Array(8).fill(0xff)); // absolute time not set on the monitor
    expect(msg.contexts).toHaveLength(1);
    const [ctx] = msg.contexts;
    expect(ctx?.observations.map((o) => o.handle)).toEqual([0x0050]);
    const ids = ctx?.observations[0]?.attributes.map((a) => a.id) ?? [];
    expect(ids).toHaveLength(26);
    // Attribute ids [ML Models/OIDType.cs]: handle 0x0921, demographic state 0x0957, patient id 0x095A, family name
    // 0x095C, given name 0x095D, date of birth 0x0958, sex 0x0961, type 0x0962, BSA 0x0956, age 0x09D8, height 0x09DC,
    // weight 0x09DF. No numeric value attribute (NU_VAL_OBS 0x0950, NU_CMPD_VAL_OBS 0x094B) and no alarm list.
    expect(ids).toEqual(expect.arrayContaining([0x0921, 0x0957, 0x095a, 0x095c, 0x095d, 0x0958, 0x0961, 0x0962, 0x0956, 0x09d8, 0x09dc, 0x09df]));
    expect(ids).not.toContain(ATTR.NU_VAL_OBS);
    expect(ids).not.toContain(ATTR.NU_CMPD_VAL_OBS);
    expect(ids).not.toContain(ATTR.AL_MON_P_AL_LIST);
    expect(ids).not.toContain(ATTR.AL_MON_T_AL_LIST);
  });

  it('the logged bytes fed as if they were wire bytes: the bare 0xC0s restart framing, and nothing is decoded', () => {
    const results = createIntellivueDecoder().push(frame);
    expect(results.every((r) => r.items.length === 0 && typeof r.error === 'string')).toBe(true);
    expect(results.map((r) => r.error)).toEqual(['frame truncated', 'frame truncated', 'frame bad-fcs']);
  });
});
