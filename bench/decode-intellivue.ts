/**
 * Decode throughput of the IntelliVue stream decoder (framing + message parse + numerics + alarm lists), one core:
 * wire bytes fed in 64-byte reads, as a serial port delivers them, through one decoder per pass. The input frames are
 * built by the simulator's independent encoder (bench/decode/intellivue-streams.ts) or come from the real M8000
 * capture, so only decoding is measured. The figure is observations (mapped + unmapped readings) per CPU-second of
 * this process (bench/decode/measure.ts); the alarm-list stream counts the monitor's alarms instead.
 * Target: >= 200,000 per CPU-second.
 *   npx tsx bench/decode-intellivue.ts [cpu-seconds-per-stream] [stream-name ...]   (default 2 s, every stream)
 * Prints a Markdown table, the sources of the streams, and one `figure:` line per stream for `npm run bench`.
 */
import { createIntellivueDecoder } from '../drivers/serial/intellivue/codec.js';
import { alarmStream, BASIC_NUMERICS, EXTENDED_NUMERICS, m8000CaptureStream, numericsStream, sessionMixStream } from './decode/intellivue-streams.js';
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

function stream(name: string, source: string, wire: Buffer, counted: DecodeStream['counted'] = 'observations'): DecodeStream {
  return { name, source, counted, target: DECODE_TARGET_PER_CPU_S, pass: () => decodePass(wire) };
}

const STREAMS: Array<() => DecodeStream> = [
  () => stream('intellivue', '2,000 extended-poll numerics results: HR, SpO2, pleth pulse, RR, temperature, NBP compound (8 readings each)', numericsStream(BASIC_NUMERICS, 2_000)),
  () => stream('intellivue-extended', '2,000 extended-poll numerics results: ABP and PAP compounds, CVP, ICP, EtCO2, awRR, PVC, ST I/II/III, pulse (line), relative perfusion (unmapped), an awRR setting', numericsStream(EXTENDED_NUMERICS, 2_000)),
  () => stream('intellivue-alarms', '2,000 alarm-monitor poll results, each with 3 physiological and 2 technical alarms (counted: device alarms)', alarmStream(2_000), 'device alarms'),
  () => stream('intellivue-icu-period', '2,000 polling periods of an ICU bed: one extended numerics result and one alarm-list result each', sessionMixStream(2_000)),
  () => stream('intellivue-m8000-capture', 'test/fixtures/captures/intellivue-m8000-jvscapture.bin (40 frames of a real MP-series monitor: association, MDS Create, numerics and wave polls) x 100', m8000CaptureStream(100)),
];

const rows = STREAMS.map((make) => make())
  .filter((s) => only.size === 0 || only.has(s.name))
  .map((s) => measureStream(s, seconds));

console.log(`## IntelliVue decode throughput\n\nOne core, Node ${process.version}, ${CHUNK}-byte reads, framing included, ${seconds} CPU-s per stream\n`);
console.log(decodeTable(rows));
console.log(`\nStreams:\n${sourcesList(rows)}\n`);
console.log(figureLines('decode-intellivue.ts', rows));
