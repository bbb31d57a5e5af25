/**
 * Decode throughput per serial codec, on one core (this process, one thread): framing + decoding of a
 * realistic byte stream, counted in observations (readings + condition reports) per second.
 * Both per CPU-second of this process (robust when other work shares the machine) and per wall second.
 * Run: npx tsx bench/decode-serial.ts [seconds-per-codec]   (default 2)
 * Prints a Markdown table. Target: > 200,000 obs/s for masimo, hl7, hl7-icu and ansar-b.
 * hl7-icu: an ICU PCD-01 message (invasive pressures, PA, CVP, EtCO2, PVC, an alarm row, an unmapped code);
 * ansar-b: the real Ivy 450C capture (test/fixtures/captures/) repeated.
 */
import { readFileSync } from 'node:fs';
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

function hl7IcuStream(messages: number): Buffer {
  const obx = [
    'OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|96|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
    'OBX|2|NM|148065^MDC_ECG_V_P_C_CNT^MDC|1.1.1.148065|4|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
    'OBX|3|NM|150037^MDC_PRESS_BLD_ART_ABP_SYS^MDC|1.2.1.150037|112|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|4|NM|150038^MDC_PRESS_BLD_ART_ABP_DIA^MDC|1.2.1.150038|61|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|5|NM|150039^MDC_PRESS_BLD_ART_ABP_MEAN^MDC|1.2.1.150039|78|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|6|NM|150045^MDC_PRESS_BLD_ART_PULM_SYS^MDC|1.3.1.150045|34|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|7|NM|150047^MDC_PRESS_BLD_ART_PULM_MEAN^MDC|1.3.1.150047|22|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|8|NM|150087^MDC_PRESS_BLD_VEN_CENT_MEAN^MDC|1.4.1.150087|11|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|9|NM|151728^MDC_AWAY_CO2_ET^MDC|1.5.1.151728|36|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|10|NM|0002-5012^awRR^MDIL|1.5.1|14|rpm|||||F',
    'OBX|11|NM|152872^MDC_CONC_MAC^MDC|1.6.1.152872|0.8|262688^MDC_DIM_PERCENT^MDC|||||F',
    'OBX|12|CWE|^MDC_EVT_ECG_V_P_C_RUN^MDC|1.1.1.1|^PVC run|||PM~SP|||F',
  ];
  const parts: Buffer[] = [];
  for (let i = 0; i < messages; i++) parts.push(encodeMllp(pcd01Message({ controlId: `I${i}`, bed: `ICU-${i % 12}`, obx })));
  return Buffer.concat(parts);
}

function ansarStream(copies: number): Buffer {
  const capture = readFileSync(new URL('../test/fixtures/captures/ivy450c.ansar-b.bin', import.meta.url));
  return Buffer.concat(Array.from({ length: copies }, () => capture));
}

type Name = 'masimo' | 'hl7' | 'hl7-icu' | 'ndjson' | 'ansar-b';

/** Feeds the stream in 64-byte chunks (a serial read size) through the codec's own framer. */
function runOnce(name: Name, stream: Buffer): { obs: number; frames: number; errors: number } {
  const codec = getSerialDialect(name === 'hl7-icu' ? 'hl7' : name);
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
const streams: Record<Name, Buffer> = { masimo: masimoStream(20_000), hl7: hl7Stream(5_000), 'hl7-icu': hl7IcuStream(5_000), ndjson: ndjsonStream(20_000), 'ansar-b': ansarStream(200) };
for (const name of ['masimo', 'hl7', 'hl7-icu', 'ndjson', 'ansar-b'] as const) {
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
