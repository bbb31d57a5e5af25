/**
 * Decode throughput of the serial line and byte dialects, on one core (this process, one thread): framing + decoding
 * of a byte stream fed in 64-byte reads, as a serial port delivers it, through the dialect's own framer and decoder.
 * The figure is observations (mapped + unmapped readings) per CPU-second of this process (bench/decode/measure.ts).
 * Target: >= 200,000 per CPU-second for every stream but the reference rows (waveforms, alert reports alone: no
 * observations in them; they count frames or the device's alarms instead).
 *   npx tsx bench/decode-serial.ts [cpu-seconds-per-stream] [stream-name ...]   (default 2 s, every stream)
 * Prints a Markdown table, the sources of the streams, and one `figure:` line per stream for `npm run bench`.
 */
import { readFileSync } from 'node:fs';
import { getSerialDialect } from '../drivers/serial/dialects.js';
import { efficiaOrfCycle, geB40Cycle, icuCycle, iheTf2Cycle, iicCaptureCycle, mindrayCycle, mindrayVs900Cycle, mindrayWaveformCycle, pcd01Cycle, r40Cycle, repeat } from './decode/hl7-streams.js';
import { fixtureLines, lineStream, RAD8_TREND_LINES, radical7Line } from './decode/masimo-lines.js';
import { countResult, DECODE_TARGET_PER_CPU_S, measureStream, zeroCounts, type Counts, type DecodeStream } from './decode/measure.js';
import { decodeTable, figureLines, sourcesList } from './decode/report.js';

const seconds = Number(process.argv[2] ?? 2);
const only = new Set(process.argv.slice(3));
const CHUNK = 64;

/** One pass of `stream` through a fresh framer of `dialect`, counting what the decoder emitted. */
function decodePass(dialect: string, stream: Buffer): Counts {
  const codec = getSerialDialect(dialect);
  if (!codec || codec.kind === 'session') throw new Error(`no stream dialect ${dialect}`);
  const c = zeroCounts();
  if (codec.kind === 'line') {
    const framer = codec.createFramer();
    for (let p = 0; p < stream.length; p += CHUNK) for (const line of framer.push(stream.subarray(p, p + CHUNK))) countResult(c, codec.decodeLine(line));
  } else {
    const framer = codec.createFramer();
    for (let p = 0; p < stream.length; p += CHUNK) for (const frame of framer.push(stream.subarray(p, p + CHUNK))) countResult(c, codec.decodeFrame(frame));
  }
  return c;
}

/** A stream of measurements, measured against the target; with `reference`, a reference row counting `counted`. */
function stream(name: string, dialect: string, source: string, bytes: Buffer, reference?: { counted: DecodeStream['counted']; note: string }): DecodeStream {
  const pass = (): Counts => decodePass(dialect, bytes);
  return reference ? { name, source, counted: reference.counted, target: undefined, note: reference.note, pass } : { name, source, counted: 'observations', target: DECODE_TARGET_PER_CPU_S, pass };
}

const ndjson = Buffer.from(
  Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ hr: 60 + (i % 40), spo2: 90 + (i % 10), rr: 16, temp: 37.1, t: 1700000000000 + i * 1000, seq: i }) + '\n').join(''),
);

const STREAMS: Array<() => DecodeStream> = [
  () => stream('masimo', 'masimo', '20,000 Radical-7 style lines (EXC hex bits), bench/decode/masimo-lines.ts radical7Line', lineStream(Array.from({ length: 20_000 }, (_, i) => radical7Line(i)), 20_000)),
  () => {
    const lines = [...fixtureLines('masimo-poxrad-discrete-examples.txt'), ...fixtureLines('masimo-capture-py-example-lines.txt')];
    return stream('masimo-published-ascii1', 'masimo', `the published ASCII 1 lines, test/fixtures/captures/masimo-poxrad-discrete-examples.txt and masimo-capture-py-example-lines.txt (${lines.length} lines, EXC hex bits) repeated to 20,000`, lineStream(lines, 20_000));
  },
  () => stream('masimo-rad8-trend-manual', 'masimo', 'test/fixtures/captures/masimo-rad8-trend-manual-sample.txt, the Rad-8 manual\'s sample trend output (8 lines, exceptions by name; 4 of them zero filler with the sensor off) repeated to 20,000', lineStream(fixtureLines('masimo-rad8-trend-manual-sample.txt'), 20_000)),
  () => stream('masimo-rad8-named', 'masimo', `trend-style lines with the other exception names, bench/decode/masimo-lines.ts RAD8_TREND_LINES (${RAD8_TREND_LINES.length} lines, made up to the manual's format) repeated to 20,000`, lineStream(RAD8_TREND_LINES, 20_000)),
  () => stream('hl7', 'hl7', '5,000 PCD-01 messages of drivers/serial/hl7/fixtures.ts pcd01Message (eight vital signs)', pcd01Cycle(5_000)),
  () => stream('hl7-ihe-tf2-examples', 'hl7', 'test/fixtures/captures/ihe-dev-tf2-pcd01-examples.hl7 (IHE DEV TF-2 Appendix E.1.1 and E.1.2, verbatim) x 2,500', repeat(iheTf2Cycle(), 2_500)),
  () => stream('hl7-icu', 'hl7', '5,000 ICU PCD-01 messages (invasive pressures, PA, CVP, EtCO2, PVC, an MDIL code, an unmapped code, an alarm row)', icuCycle(5_000)),
  () => stream('hl7-philips-iic', 'hl7', 'test/fixtures/captures/philips-iic-hl7-export.hl7 (101 ORU^R01 with MDIL and MDIL-ALERT rows, 4 NMD; MSH-11 T set to P) x 40', repeat(iicCaptureCycle(), 40)),
  () => stream('hl7-efficia-orf-r04', 'hl7', 'test/fixtures/captures/philips-efficia-cm-orf-r04-manual-example.txt (the Data Export Guide ORF^R04, 7 MDIL rows) x 5,000', repeat(efficiaOrfCycle(), 5_000)),
  () => stream('hl7-ge-b40', 'hl7', 'test/fixtures/captures/ge-b40-hl7-manual-excerpts.txt: Example 1 header + page-15 rows, header + page-24 rows (device-hierarchy rows, OBX-4 channel tree) x 2,500', repeat(geB40Cycle(), 2_500)),
  () =>
    stream('hl7-mindray', 'hl7', 'test/fixtures/captures/mindray-egateway.hl7 ORU^R40, then mindray-vs900-pcd01.hl7 (the VS-900 numerics), in turn, x 2,500', repeat(mindrayCycle(), 2_500), {
      counted: 'observations',
      note: 'one alert report per numerics message is a mix chosen for the bench (no published rate), far more alarms than a ward sees, and the figure follows the mix; the Mindray target rows are hl7-mindray-vs900 (numerics) and hl7-r40 (alert reports, reference)',
    }),
  () => stream('hl7-mindray-vs900', 'hl7', 'test/fixtures/captures/mindray-vs900-pcd01.hl7 alone (SpO2, pleth pulse, cuff pressures in the older MDC terms, perfusion index unmapped) x 5,000', repeat(mindrayVs900Cycle(), 5_000)),
  () => stream('hl7-mindray-waveform', 'hl7', 'test/fixtures/captures/mindray-egateway.hl7 ORU^R01 continuous waveform x 2,000', repeat(mindrayWaveformCycle(), 2_000), { counted: 'frames', note: 'a waveform message carries no readings (frames per CPU-second)' }),
  () => stream('hl7-r40', 'hl7', 'ORU^R40 alert reports (pcd04Message: asystole, lead off, low SpO2 limit; start, continue, end) and the Mindray capture\'s R40 x 1,000', repeat(r40Cycle(), 1_000), { counted: 'device alarms', note: 'alert reports carry no observations, one alarm each (device alarms per CPU-second = reports per CPU-second)' }),
  () => stream('ndjson', 'ndjson', '20,000 NDJSON lines (four vitals each)', ndjson),
  () => stream('ansar-b', 'ansar-b', 'test/fixtures/captures/ivy450c.ansar-b.bin (the Ivy 450C capture) x 200', repeat(readFileSync(new URL('../test/fixtures/captures/ivy450c.ansar-b.bin', import.meta.url)), 200)),
];

const rows = STREAMS.map((make) => make())
  .filter((s) => only.size === 0 || only.has(s.name))
  .map((s) => measureStream(s, seconds));

console.log(`Decode throughput of the serial dialects, one core, Node ${process.version}, ${CHUNK}-byte reads, framing included, ${seconds} CPU-s per stream\n`);
console.log(decodeTable(rows));
console.log(`\nStreams:\n${sourcesList(rows)}\n`);
console.log(figureLines('decode-serial.ts', rows));
