/**
 * Decode throughput per GATT codec: frames/s and ns/frame for a representative full frame of each
 * characteristic (every optional field present). Run: npx tsx bench/decode-gatt.ts [seconds-per-codec]
 * Prints a Markdown table. Frames are the vectors of drivers/ble/gatt/gatt-codecs.test.ts.
 */
import { GATT_CODECS, isGattCodecId, type GattCodecId } from '../drivers/ble/gatt/index.js';

const FRAMES: Record<GattCodecId, { label: string; hex: string }> = {
  '2a37': { label: 'Heart Rate Measurement (uint16, energy, 3 RR)', hex: '1F 0101 3201 0100 0201 FFFF' },
  '2a5f': { label: 'PLX Continuous (normal+fast+slow, status, PAI)', hex: '1F 6200 4600 6100 4700 6200 4500 0080 008000 0CF0' },
  '2a5e': { label: 'PLX Spot-Check (timestamp, status, PAI)', hex: '0F 6100 4800 E807 03 01 0A 14 1E 0040 200000 19F0' },
  '2a1c': { label: 'Temperature Measurement (FLOAT, timestamp, type)', hex: '06 B00E00FE DC07 0C 05 0B 32 1B 04' },
  '2a35': { label: 'Blood Pressure Measurement (kPa, all fields)', hex: '1F BDF0 0B00 9FF0 E807 0C 1F 17 3B 3B 3C00 01 2700' },
  '2a19': { label: 'Battery Level', hex: '0F' },
};

const secondsPerCodec = Number(process.argv[2] ?? '1');
let sink = 0;

function measure(id: GattCodecId, bytes: Uint8Array): { perSec: number; nsPerFrame: number } {
  const decode = GATT_CODECS[id];
  for (let i = 0; i < 20_000; i++) sink += decode(bytes).items.length; // warm-up
  const budgetNs = BigInt(Math.round(secondsPerCodec * 1e9));
  let n = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < budgetNs) {
    for (let i = 0; i < 10_000; i++) sink += decode(bytes).items.length;
    n += 10_000;
    elapsed = process.hrtime.bigint() - t0;
  }
  const ns = Number(elapsed);
  return { perSec: (n * 1e9) / ns, nsPerFrame: ns / n };
}

const rows: string[] = [];
for (const id of Object.keys(FRAMES).filter(isGattCodecId)) {
  const f = FRAMES[id];
  const bytes = Uint8Array.from(Buffer.from(f.hex.replace(/\s+/g, ''), 'hex'));
  const check = GATT_CODECS[id](bytes);
  if (check.error) throw new Error(`bench frame for ${id} does not decode: ${check.error}`);
  const { perSec, nsPerFrame } = measure(id, bytes);
  rows.push(`| 0x${id.toUpperCase()} | ${f.label} | ${bytes.length} | ${check.items.length} | ${Math.round(perSec).toLocaleString('en-US')} | ${nsPerFrame.toFixed(0)} |`);
}

console.log(`GATT decode throughput (Node ${process.version}, ${secondsPerCodec} s per codec, one core)\n`);
console.log('| Char | Frame | Bytes | Items | Frames/s | ns/frame |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
if (sink < 0) console.log(sink);
