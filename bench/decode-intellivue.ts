/**
 * Decode throughput of the IntelliVue stream decoder (framing + message parse + numerics + alarm lists), one core:
 * wire bytes fed in 64-byte reads, as a serial port delivers them, through one decoder per pass. The input frames are
 * built by the simulator's independent encoder (bench/decode/intellivue-streams.ts) or come from the real M8000
 * capture, so only decoding is measured. The figure is observations (mapped + unmapped readings) per CPU-second of
 * this process (bench/decode/measure.ts). Target: >= 200,000 per CPU-second, but for the reference rows (the alarm
 * lists alone, which carry no observations and count the monitor's alarms; the whole M8000 capture, with the wave
 * poll results the gateway never asks for).
 *   npx tsx bench/decode-intellivue.ts [cpu-seconds-per-stream] [stream-name ...]   (default 2 s, every stream)
 * Prints a Markdown table, the sources of the streams, and one `figure:` line per stream for `npm run bench`.
 */
import { createIntellivueDecoder } from '../drivers/serial/intellivue/codec.js';
import { alarmStream, BASIC_NUMERICS, EXTENDED_NUMERICS, m8000CaptureStream, m8000NumericsStream, numericsStream, sessionMixStream } from './decode/intellivue-streams.js';
import { countResult, DECODE_TARGET_PER_CPU_S, measureStream, zeroCounts, type Counts, type DecodeStream } from './decode/measure.js';
import { decodeTable, figureLines, sourcesList } from './decode/report.js';

const seconds = Number(process.argv[2] ?? 2);
const only = new Set(process.argv.slice(3));
const CHUNK = 64;

function decodePass(wire: Buffer): Counts {
  const dec = createIntellivueDecoder();
  const c = zeroCounts();
  for (let p = 0; p < wire.length; p += CHUNK) for (const r of dec.push(wire.subarray(p, p + CHUNK))) countResult(c, r);
  return c;
}

/** A stream of measurements, measured against the target; with `reference`, a reference row counting `counted`. */
function stream(name: string, source: string, wire: Buffer, reference?: { counted: DecodeStream['counted']; note: string }): DecodeStream {
  const pass = (): Counts => decodePass(wire);
  return reference ? { name, source, counted: reference.counted, target: undefined, note: reference.note, pass } : { name, source, counted: 'observations', target: DECODE_TARGET_PER_CPU_S, pass };
}

const STREAMS: Array<() => DecodeStream> = [
  () => stream('intellivue', '2,000 extended-poll numerics results: HR, SpO2, pleth pulse, RR, temperature, NBP compound (8 readings each)', numericsStream(BASIC_NUMERICS, 2_000)),
  () => stream('intellivue-extended', '2,000 extended-poll numerics results: ABP and PAP compounds, CVP, ICP, EtCO2, awRR, PVC, ST I/II/III, pulse (line), relative perfusion (unmapped), an awRR setting', numericsStream(EXTENDED_NUMERICS, 2_000)),
  () => stream('intellivue-alarms', '2,000 alarm-monitor poll results, each with 3 physiological and 2 technical alarms', alarmStream(2_000), { counted: 'device alarms', note: 'alarm lists carry no observations' }),
  () => stream('intellivue-icu-period', '2,000 polling periods of an ICU bed: one extended numerics result and one alarm-list result each', sessionMixStream(2_000)),
  () => {
    const m = m8000NumericsStream(100);
    return stream('intellivue-m8000-numerics', `test/fixtures/captures/intellivue-m8000-jvscapture.bin, the frames the gateway's session receives (MDS Create and numerics poll results: ${m.framesKept} of its ${m.framesInCapture} frames, byte for byte; many of its numerics unavailable or invalid, so few readings per byte) x 100`, m.wire);
  },
  () =>
    stream('intellivue-m8000-capture', 'test/fixtures/captures/intellivue-m8000-jvscapture.bin whole (40 frames of a real MP-series monitor: association, MDS Create, other results, numerics and wave poll results) x 100', m8000CaptureStream(100), {
      counted: 'observations',
      note: "it holds wave poll results (object class 0x0009) its recorder asked for, which the gateway's own session never requests (it polls numerics and alarm lists only)",
    }),
];

const rows = STREAMS.map((make) => make())
  .filter((s) => only.size === 0 || only.has(s.name))
  .map((s) => measureStream(s, seconds));

console.log(`## IntelliVue decode throughput\n\nOne core, Node ${process.version}, ${CHUNK}-byte reads, framing included, ${seconds} CPU-s per stream\n`);
console.log(decodeTable(rows));
console.log(`\nStreams:\n${sourcesList(rows)}\n`);
console.log(figureLines('decode-intellivue.ts', rows));
