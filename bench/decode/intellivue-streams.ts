/**
 * IntelliVue MIB/RS232 wire streams for the decode bench (monitor to host). The poll results are built by the
 * simulator's own encoder (simulator/intellivue/monitor-protocol.ts, monitor-wire.ts: written apart from the driver's
 * decoder), so the bench measures decoding alone; the physio ids, label TextIds and unit codes are the ones the
 * driver's tests use (drivers/serial/intellivue/messages.test.ts, values.test.ts; their sources in docs/intellivue.md),
 * the values made up. The real capture is test/fixtures/captures/intellivue-m8000-jvscapture.bin (PROVENANCE.md there).
 */
import { readFileSync } from 'node:fs';
import { EOF, FrameReader } from '../../drivers/serial/intellivue/framing.js';
import { OBJ, parseMessage } from '../../drivers/serial/intellivue/messages.js';
import { monitorPollResult, type AlarmSpec, type ObjectSpec } from '../../simulator/intellivue/monitor-protocol.js';
import { monitorFrame } from '../../simulator/intellivue/monitor-wire.js';

/** NOM_MOC_VMO_METRIC_NU (numerics) and NOM_MOC_VMO_AL_MON (alarm monitor), the object classes the driver polls. */
const OBJ_NUMERICS = 0x0006;
const OBJ_ALARMS = 0x0036;

/** The nine vital signs the gateway knew first: HR, SpO2, pleth pulse, RR, temperature, NBP sys/dia/mean. */
export const BASIC_NUMERICS: readonly ObjectSpec[] = [
  { kind: 'numeric', handle: 1, physioId: 0x4182, unit: 0x0aa0, value: 72 },
  { kind: 'numeric', handle: 2, physioId: 0x4bb8, unit: 0x0220, value: 97 },
  { kind: 'numeric', handle: 3, physioId: 0x4822, unit: 0x0aa0, value: 71 },
  { kind: 'numeric', handle: 4, physioId: 0x500a, unit: 0x0ae0, value: 16 },
  { kind: 'numeric', handle: 5, physioId: 0x4b48, unit: 0x17a0, value: 37.2 },
  { kind: 'compound', handle: 6, label: 0x00024a04, unit: 0x0f20, measuredAt: new Date(Date.UTC(2026, 0, 1)), parts: [{ physioId: 0x4a05, value: 120 }, { physioId: 0x4a06, value: 80 }, { physioId: 0x4a07, value: 93 }] },
];

/**
 * An ICU bed's extended poll: the numerics beyond the nine (ABP and PAP compounds, CVP, ICP, EtCO2, awRR, PVC, ST per
 * lead, pulse from the arterial line), Philips relative perfusion 0x4BB0 (comes through unmapped), and an awRR
 * setting (partition 0x0402: never a reading).
 */
export const EXTENDED_NUMERICS: readonly ObjectSpec[] = [
  { kind: 'numeric', handle: 1, physioId: 0x4182, unit: 0x0aa0, value: 88 },
  { kind: 'numeric', handle: 2, physioId: 0x4bb8, unit: 0x0220, value: 95 },
  { kind: 'compound', handle: 3, label: 0x00024a14, unit: 0x0f20, parts: [{ physioId: 0x4a15, value: 118 }, { physioId: 0x4a16, value: 62 }, { physioId: 0x4a17, value: 81 }] },
  { kind: 'compound', handle: 4, label: 0x00024a1c, unit: 0x0f20, parts: [{ physioId: 0x4a1d, value: 34 }, { physioId: 0x4a1e, value: 14 }, { physioId: 0x4a1f, value: 22 }] },
  { kind: 'numeric', handle: 5, physioId: 0x4a47, unit: 0x0f20, value: 9 },
  { kind: 'numeric', handle: 6, physioId: 0x580b, unit: 0x0f20, value: 12 },
  { kind: 'numeric', handle: 7, physioId: 0x50b0, unit: 0x0f20, value: 37 },
  { kind: 'numeric', handle: 8, physioId: 0x5012, unit: 0x0ae0, value: 14 },
  { kind: 'numeric', handle: 9, physioId: 0x4261, unit: 0x0aa0, value: 3 },
  { kind: 'numeric', handle: 10, physioId: 0x0301, unit: 0x0512, value: -0.9 },
  { kind: 'numeric', handle: 11, physioId: 0x0302, unit: 0x0512, value: -1.2 },
  { kind: 'numeric', handle: 12, physioId: 0x033d, unit: 0x0512, value: 0.3 },
  { kind: 'numeric', handle: 13, physioId: 0x480a, unit: 0x0aa0, value: 87 },
  { kind: 'numeric', handle: 14, physioId: 0x4bb0, unit: 0x0200, value: 1.4 },
  { kind: 'numeric', handle: 15, physioId: 0x5012, label: 0x04025012, unit: 0x0ae0, value: 12 },
];

/**
 * The monitor's alarm lists (physiological and technical DevAlarmList entries) as the simulator encodes them: al_type
 * bits give the priority as the driver reads them (0x0400 high, 0x0200 medium, 0x0100 low, 0x0002 medium), the
 * codes and TextIds placeholders like those of the driver's tests (the decoder passes them through), the texts in
 * the monitor's style.
 */
export const ALARM_LIST: readonly AlarmSpec[] = [
  { list: 'physiological', source: 0x4182, code: 0x0100, type: 0x0400, state: 0x0008, textId: 0x00025001, text: '***HR HIGH' },
  { list: 'physiological', source: 0x4bb8, code: 0x3001, type: 0x0400, state: 0x0008, textId: 0x00025001, text: '**Desat' },
  { list: 'physiological', source: 0x4a15, code: 0x1234, type: 0x0200, state: 0x0008, textId: 0x00025555, text: '**ABPs HIGH' },
  { list: 'technical', source: 0x4bb8, code: 0x2222, type: 0x0002, state: 0, textId: 0x00026666 },
  { list: 'technical', source: 0x4182, code: 0x2223, type: 0x0100, state: 0, textId: 0x00026667, text: 'LEADS OFF' },
];

/** The numerics as the driver polls them: an extended poll result (attribute group ALL). */
function numericsFrame(i: number, objects: readonly ObjectSpec[]): Buffer {
  return monitorFrame(monitorPollResult({ invokeId: 1, extended: true, pollNumber: 1, sequenceNo: i & 0xffff, relTicks: i * 8000, objClass: OBJ_NUMERICS, attrGroup: 0, objects: [...objects] }));
}

/** The alarm lists as the driver polls them: a single poll result of the alarm monitor (attribute group AL_MON 0x0801). */
function alarmFrame(i: number): Buffer {
  return monitorFrame(monitorPollResult({ invokeId: 2 + (i & 0xff), extended: false, pollNumber: 2, sequenceNo: 0, relTicks: i * 8000, objClass: OBJ_ALARMS, attrGroup: 0x0801, objects: [{ kind: 'alarms', handle: 100, alarms: [...ALARM_LIST] }] }));
}

/** `frames` extended-poll numerics results holding `objects`. */
export function numericsStream(objects: readonly ObjectSpec[], frames: number): Buffer {
  return Buffer.concat(Array.from({ length: frames }, (_, i) => numericsFrame(i, objects)));
}

/** `frames` alarm-monitor poll results, each holding the alarm lists above. */
export function alarmStream(frames: number): Buffer {
  return Buffer.concat(Array.from({ length: frames }, (_, i) => alarmFrame(i)));
}

/** What the driver receives each period from an ICU bed: one extended numerics result and one alarm-list result. */
export function sessionMixStream(periods: number): Buffer {
  return Buffer.concat(Array.from({ length: periods }, (_, i) => Buffer.concat([numericsFrame(i, EXTENDED_NUMERICS), alarmFrame(i)])));
}

const m8000Capture = (): Buffer => readFileSync(new URL('../../test/fixtures/captures/intellivue-m8000-jvscapture.bin', import.meta.url));

/** The real M8000 capture whole (association, MDS Create, other results, numerics and wave poll results), `copies` times. */
export function m8000CaptureStream(copies: number): Buffer {
  const capture = m8000Capture();
  return Buffer.concat(Array.from({ length: copies }, () => capture));
}

/**
 * Of the real M8000 capture, byte for byte, the frames the gateway's own session receives: the MDS Create and the
 * numerics poll results (NOM_MOC_VMO_METRIC_NU); left out are the association, the other results and the wave poll
 * results its recorder asked for. Frames are cut after each EOF (outside a frame 0xC1 is only an EOF) and chosen by
 * the driver's own message parser, when the stream is built; the bench then times the decoder alone.
 */
export function m8000NumericsStream(copies: number): { wire: Buffer; framesKept: number; framesInCapture: number } {
  const capture = m8000Capture();
  const kept: Buffer[] = [];
  let start = 0;
  let framesInCapture = 0;
  for (let i = 0; i < capture.length; i++) {
    if (capture[i] !== EOF) continue;
    const frame = capture.subarray(start, i + 1);
    start = i + 1;
    framesInCapture++;
    const events = new FrameReader({ maxUserData: 1500 }).push(frame);
    const ev = events[0];
    if (events.length !== 1 || ev?.kind !== 'frame') throw new Error(`m8000 capture: frame ${framesInCapture} is not one good frame`);
    const m = parseMessage(ev.userData);
    if (m.kind === 'mds-create' || (m.kind === 'poll-result' && m.objClass === OBJ.METRIC_NU)) kept.push(frame);
  }
  const once = Buffer.concat(kept);
  return { wire: Buffer.concat(Array.from({ length: copies }, () => once)), framesKept: kept.length, framesInCapture };
}
