/**
 * Disk bytes written per sample by the real gateway at a ward's rate: B beds x 1 sample/s, six vitals per sample,
 * QoS 0, a fresh store, `write_bytes` of /proc/<pid>/io over the measured window. Bytes written do not depend on how
 * busy the CPU is, so the figure holds on a loaded machine.
 *   npx tsx bench/load/disk-wear.ts [seconds] [beds] [abnormalEvery]   (prints JSON; `npm run bench` reports it too)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bedId, DEVICE_PASSWORD, deviceId, SUBSCRIBER, writeBenchConfig } from './bench-config.js';
import { LoadGenerator } from './generator.js';
import { startGateway } from './processes.js';
import Database from 'better-sqlite3';
import { writeBytes } from './procfs.js';
import { serviceNodeArgs } from '../../test/helpers/service-node-args.js';

/**
 * Checkpoints the gateway's WAL into its database file from this process and returns the bytes that took (this
 * process's own write_bytes). At the window's start it empties the WAL (not counted); at its end it pays, now, the
 * checkpoint the gateway would have paid later for what the window wrote, so a window counts whole cycles.
 */
function checkpointBytes(db: string): number {
  const before = writeBytes(process.pid) ?? 0;
  const conn = new Database(db);
  try {
    conn.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    conn.close();
  }
  return (writeBytes(process.pid) ?? 0) - before;
}

export interface DiskWear {
  beds: number;
  windowS: number;
  samples: number;
  /** The gateway's own writes in the window plus the checkpoint of what it left in the WAL. */
  bytesWritten: number;
  checkpointBytes: number;
  bytesPerSample: number;
  /** At the measured rate per bed (1 Hz), for B beds, per day. */
  gbPerDay: number;
  /** Database growth (main file + WAL) per sample: the data itself, roughly. */
  storedBytesPerSample: number;
  alarmsExpected: number;
  alarmsReceived: number;
  commitIntervalMs: number;
  abnormalEvery: number;
}

const fileSize = (p: string): number => {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
};

export async function measureDiskWear(o: { seconds: number; beds: number; abnormalEvery: number; nodeArgs: string[]; commitIntervalMs?: number }): Promise<DiskWear> {
  const root = mkdtempSync(join(tmpdir(), 'wardgate-disk-'));
  try {
    const config = writeBenchConfig(join(root, 'gw'), o.beds, o.commitIntervalMs === undefined ? {} : { commitIntervalMs: o.commitIntervalMs });
    const gw = await startGateway(config, o.nodeArgs);
    const db = join(root, 'gw', 'data', 'wardgate.db');
    let bytes0 = 0;
    let bytes1 = 0;
    let size0 = 0;
    let size1 = 0;
    let ckpt = 0;
    try {
      const devices = Array.from({ length: o.beds }, (_, i) => ({ id: deviceId(i), bed: bedId(i), password: DEVICE_PASSWORD }));
      const g = await LoadGenerator.connect({ host: '127.0.0.1', port: gw.brokerPort, devices, subscriber: SUBSCRIBER }, o.abnormalEvery);
      try {
        const r = await g.run({
          mode: { kind: 'rate', perSecond: o.beds, maxInFlight: 100 },
          qos: 0,
          vitals: 'six',
          durationMs: (o.seconds + 5) * 1000,
          warmupMs: 5000,
          abnormalEvery: o.abnormalEvery,
          onWindow: (edge) => {
            if (edge === 'start') {
              checkpointBytes(db);
              bytes0 = writeBytes(gw.pid) ?? 0;
              size0 = fileSize(db) + fileSize(`${db}-wal`);
            } else {
              bytes1 = writeBytes(gw.pid) ?? 0;
              ckpt = checkpointBytes(db);
              size1 = fileSize(db) + fileSize(`${db}-wal`);
            }
          },
        });
        const bytesWritten = bytes1 - bytes0 + ckpt;
        const bytesPerSample = bytesWritten / r.sent;
        return {
          beds: o.beds,
          windowS: r.windowS,
          samples: r.sent,
          bytesWritten,
          checkpointBytes: ckpt,
          bytesPerSample,
          gbPerDay: (bytesPerSample * o.beds * 86_400) / 1e9,
          storedBytesPerSample: (size1 - size0) / r.sent,
          alarmsExpected: r.alarmsExpected,
          alarmsReceived: r.alarmsReceived,
          commitIntervalMs: o.commitIntervalMs ?? 1000,
          abnormalEvery: o.abnormalEvery,
        };
      } finally {
        await g.close();
      }
    } finally {
      await gw.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('disk-wear.ts') || process.argv[1]?.endsWith('disk-wear.js')) {
  const seconds = Number(process.argv[2] ?? 60);
  const beds = Number(process.argv[3] ?? 50);
  const commit = process.env.WARDGATE_BENCH_COMMIT_MS;
  const abnormalEvery = Number(process.argv[4] ?? 200);
  const r = await measureDiskWear({ seconds, beds, abnormalEvery, nodeArgs: serviceNodeArgs(), ...(commit ? { commitIntervalMs: Number(commit) } : {}) });
  console.log(JSON.stringify(r, null, 2));
}
