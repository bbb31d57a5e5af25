/**
 * From the config to the wire: a serial HL7 device with `serial.hl7Query` gets the query the driver family builds for
 * it (drivers/serial/hl7/query.ts), one without gets nothing. Over a real PTY pair (socat).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import type { Driver } from '../drivers/core/driver.js';
import { MllpFramer } from '../drivers/serial/hl7/mllp.js';
import { PtyPair } from '../drivers/serial/testing/pty-pair.js';
import { RecordingSink } from '../drivers/serial/testing/recording-sink.js';
import { defaultDriverFamilies } from './drivers.js';
import { createLogger } from './log.js';

let dir: string;
let pty: PtyPair;
let drivers: Driver[] = [];
let monitor: SerialPort | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wardgate-hl7q-'));
  pty = new PtyPair(dir);
  await pty.start();
});

afterEach(async () => {
  if (monitor?.isOpen) await new Promise<void>((r) => monitor!.close(() => r()));
  for (const d of drivers) await d.stop();
  drivers = [];
  await pty.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function run(serial: Record<string, unknown>): Promise<string[]> {
  monitor = new SerialPort({ path: pty.a, baudRate: 9600, autoOpen: false });
  await new Promise<void>((res, rej) => monitor!.open((e) => (e ? rej(e) : res())));
  monitor.on('error', () => undefined);
  const framer = new MllpFramer();
  const frames: string[] = [];
  monitor.on('data', (b: Buffer) => frames.push(...framer.push(b).map((f) => f.toString('latin1'))));
  const config = parseConfig({
    dataDir: dir,
    beds: [{ id: 'bed-09' }],
    sync: { enabled: false },
    devices: [{ id: 'efficia-9', bed: 'bed-09', transport: 'serial', serial: { path: pty.b, dialect: 'hl7', ...serial } }],
  }, 'test');
  const family = defaultDriverFamilies().find((f) => f.name === 'serial')!;
  const sink = new RecordingSink();
  drivers = await family.build(config.devices, sink, createLogger('silent'), config);
  for (const d of drivers) await d.start();
  await sink.waitFor('port open', () => sink.lastState('efficia-9') === 'connected', 5000);
  await new Promise((r) => setTimeout(r, 500));
  return frames;
}

describe('serial.hl7Query in the config', () => {
  it('makes the serial driver send the QRY with the configured filter as soon as the port is open', async () => {
    const frames = await run({ hl7Query: { everySeconds: 60, filter: 'STA' } });
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatch(/^MSH\|\^~\\&\|\|\|\|\|\d{14}\|\|QRY\^R02\|WG00000001\|P\|2\.4\rQRD\|\d{14}\|R\|I\|WG00000001\|\|\|\|\|STA\r$/);
  });

  it('is off when not configured', async () => {
    expect(await run({})).toEqual([]);
  });
});
