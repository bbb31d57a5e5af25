/**
 * Decode throughput of the IntelliVue stream decoder (framing + message parse + numerics), printed as Markdown.
 * Input: extended-poll result frames built by the emulator's independent encoder, 8 observations each (HR, SpO2,
 * pulse, RR, temperature, NBP sys/dia/mean), fed in 64-byte chunks as a serial port would deliver them.
 * Run: npx tsx bench/decode-intellivue.ts
 */
import { createIntellivueDecoder } from '../drivers/serial/intellivue/codec.js';
import { monitorFrame } from '../simulator/intellivue/monitor-wire.js';
import { monitorPollResult, type ObjectSpec } from '../simulator/intellivue/monitor-protocol.js';

const objects: ObjectSpec[] = [
  { kind: 'numeric', handle: 1, physioId: 0x4182, unit: 0x0aa0, value: 72 },
  { kind: 'numeric', handle: 2, physioId: 0x4bb8, unit: 0x0220, value: 97 },
  { kind: 'numeric', handle: 3, physioId: 0x4822, unit: 0x0aa0, value: 71 },
  { kind: 'numeric', handle: 4, physioId: 0x500a, unit: 0x0ae0, value: 16 },
  { kind: 'numeric', handle: 5, physioId: 0x4b48, unit: 0x17a0, value: 37.2 },
  { kind: 'compound', handle: 6, label: 0x00024a04, unit: 0x0f20, measuredAt: new Date(), parts: [{ physioId: 0x4a05, value: 120 }, { physioId: 0x4a06, value: 80 }, { physioId: 0x4a07, value: 93 }] },
];
const FRAMES = 2000;
const frames: Buffer[] = [];
for (let i = 0; i < FRAMES; i++) {
  frames.push(monitorFrame(monitorPollResult({ invokeId: 1, extended: true, pollNumber: 1, sequenceNo: i, relTicks: i * 8000, objClass: 6, attrGroup: 0, objects })));
}
const wire = Buffer.concat(frames);
const CHUNK = 64;

function run(): { obs: number; ms: number } {
  const dec = createIntellivueDecoder();
  let obs = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < wire.length; i += CHUNK) for (const r of dec.push(wire.subarray(i, i + CHUNK))) obs += r.items.length;
  return { obs, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

for (let i = 0; i < 3; i++) run(); // warm-up
const runs = Array.from({ length: 10 }, run).sort((a, b) => a.ms - b.ms);
const median = runs[5]!;
const obsPerS = median.obs / (median.ms / 1000);
console.log('## IntelliVue decode throughput\n');
console.log(`Node ${process.version}, ${FRAMES} extended-poll frames (${(wire.length / FRAMES).toFixed(0)} wire bytes each, 8 observations), ${CHUNK}-byte chunks, median of 10 runs.\n`);
console.log('| metric | value |');
console.log('|---|---|');
console.log(`| observations per run | ${median.obs} |`);
console.log(`| median run time | ${median.ms.toFixed(1)} ms |`);
console.log(`| observations/s | ${Math.round(obsPerS).toLocaleString('en')} |`);
console.log(`| frames/s | ${Math.round(FRAMES / (median.ms / 1000)).toLocaleString('en')} |`);
console.log(`| wire MB/s | ${(wire.length / 1e6 / (median.ms / 1000)).toFixed(1)} |`);
console.log(`| 115200-baud line capacity (11.52 kB/s) used at this rate | ${((11520 / (wire.length / FRAMES)) * 8 / obsPerS * 100).toFixed(4)} % CPU of one core |`);
