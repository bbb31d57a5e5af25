/**
 * Decode throughput per serial codec, on one core (this process, one thread): framing + decoding of a
 * realistic byte stream, counted in observations (readings + condition reports) per second.
 * Both per CPU-second of this process (robust when other work shares the machine) and per wall second.
 * Run: npx tsx bench/decode-serial.ts [seconds-per-codec]   (default 2)
 * Prints a Markdown table. Target: > 200,000 obs/s for masimo and hl7.
 */
import { getSerialDialect } from '../drivers/serial/dialects.js';
import { pcd01Message } from '../drivers/serial/hl7/fixtures.js';
import { encodeMllp } from '../drivers/serial/hl7/mllp.js';

const seconds = Number(process.argv[2] ?? 2);

function masimoStream(lines: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const spo2 = String(90 + (i % 10)).padStart(3, '0');
    const bpm = String(60 + (i % 40)).padStart(3, '0');
    const exc = i % 7 === 0 ? '000820' : '000800';
    out.push(`12/01/05 11:56:${String(i % 60).padStart(2, '0')} SN=0123456789 SPO2=${spo2}% BPM=${bpm} PI=02.${String(i % 100).padStart(2, '0')}% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ALARM=0000 EXC=${exc}\r\n`);
  }
  return Buffer.from(out.join(''), 'latin1');
}

function hl7Stream(messages: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < messages; i++) parts.push(encodeMllp(pcd01Message({ controlId: `C${i}`, bed: `BED-${i % 24}` })));
  return Buffer.concat(parts);
}

function ndjsonStream(lines: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(JSON.stringify({ hr: 60 + (i % 40), spo2: 90 + (i % 10), rr: 16, temp: 37.1, t: 1700000000000 + i * 1000, seq: i }) + '\n');
  return Buffer.from(out.join(''));
}

/** Feeds the stream in 64-byte chunks (a serial read size) through the codec's own framer. */
function runOnce(name: 'masimo' | 'hl7' | 'ndjson', stream: Buffer): { obs: number; frames: number; errors: number } {
  const codec = getSerialDialect(name);
  if (!codec || codec.kind === 'session') throw new Error(`no stream dialect ${name}`);
  let obs = 0;
  let frames = 0;
  let errors = 0;
  const CHUNK = 64;
  if (codec.kind === 'line') {
    const framer = codec.createFramer();
    for (let p = 0; p < stream.length; p += CHUNK) {
      for (const line of framer.push(stream.subarray(p, p + CHUNK))) {
        const r = codec.decodeLine(line);
        frames++;
        if (r.error) errors++;
        obs += r.items.length;
      }
    }
  } else {
    const framer = codec.createFramer();
    for (let p = 0; p < stream.length; p += CHUNK) {
      for (const frame of framer.push(stream.subarray(p, p + CHUNK))) {
        const r = codec.decodeFrame(frame);
        frames++;
        if (r.error) errors++;
        obs += r.items.length;
      }
    }
  }
  return { obs, frames, errors };
}

const rows: string[] = [];
const streams = { masimo: masimoStream(20_000), hl7: hl7Stream(5_000), ndjson: ndjsonStream(20_000) } as const;
for (const name of ['masimo', 'hl7', 'ndjson'] as const) {
  const stream = streams[name];
  runOnce(name, stream); // warm-up
  let obs = 0;
  let frames = 0;
  let errors = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < seconds) {
    const r = runOnce(name, stream);
    obs += r.obs;
    frames += r.frames;
    errors += r.errors;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (errors > 0) throw new Error(`${name}: ${errors} decode errors in the benchmark stream`);
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  rows.push(`| ${name} | ${fmt(obs / cpuSeconds)} | ${fmt(obs / elapsed)} | ${fmt(frames / cpuSeconds)} | ${(obs / frames).toFixed(1)} | ${cpuSeconds.toFixed(2)} / ${elapsed.toFixed(2)} |`);
}

console.log(`Decode throughput, one core, Node ${process.version}, 64-byte reads, framing included\n`);
console.log('| codec | obs per CPU-second | obs per wall second | frames per CPU-second | obs/frame | CPU s / wall s |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(r);
