import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { BleDriver } from '../../drivers/ble/ble-driver.js';
import { IntellivueDriver } from '../../drivers/serial/intellivue/driver.js';
import { RecordingSink } from '../../drivers/serial/testing/recording-sink.js';
import { REPO } from '../helpers/gateway-process.js';

/** Starts `wardgate-sim ARGS`; `line(re)` resolves with the first stdout line (so far or later) matching `re`. */
function sim(args: string[]): { child: ChildProcess; line: (re: RegExp) => Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'simulator/cli.ts'), ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters.splice(0)) if (w.re.test(l)) w.resolve(l); else waiters.push(w);
  });
  const line = (re: RegExp) => {
    const seen = lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no line matching ${re} from wardgate-sim; stderr: ${err}`)), 15_000);
      waiters.push({ re, resolve: (l) => (clearTimeout(t), resolve(l)) });
    });
  };
  return { child, line };
}

describe('wardgate-sim single devices, read by the real drivers', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGINT');
  });

  it('serial --dialect intellivue --pty: an emulated IntelliVue the IntelliVue driver associates with and polls', async () => {
    const { child, line: lineOf } = sim(['serial', '--dialect', 'intellivue', '--pty', '--duration', '20']);
    children.push(child);
    const line = await lineOf(/^\//);
    const sink = new RecordingSink();
    const driver = new IntellivueDriver({ deviceId: 'mx', path: line.trim(), sink });
    await driver.start();
    try {
      await sink.waitFor('hr and spo2 readings', () => ['hr', 'spo2'].every((p) => sink.readings.some((r) => r.reading.param === p)), 15_000);
      const hr = sink.readings.find((r) => r.reading.param === 'hr')!.reading;
      expect(hr.value).toBeGreaterThan(40);
      expect(hr.value).toBeLessThan(140);
    } finally {
      await driver.stop();
    }
  });

  it('ble: a fake BlueZ whose heart-rate strap the BLE driver reads through node-ble', async () => {
    const { child, line: lineOf } = sim(['ble', '--duration', '20']);
    children.push(child);
    const line = await lineOf(/^DBUS_SYSTEM_BUS_ADDRESS=/);
    const strap = (await lineOf(/^strap\s/)).split(/\s+/)[1]!;
    const sink = new RecordingSink();
    const driver = new BleDriver({ devices: [{ deviceId: 'strap', address: strap, profiles: ['heart-rate'], maxSilenceMs: 10_000 }], busAddress: line.split('=').slice(1).join('=') }, sink);
    await driver.start();
    try {
      await sink.waitFor('a heart rate from the strap', () => sink.readings.some((r) => r.reading.param === 'hr'), 15_000);
    } finally {
      await driver.stop();
    }
  });
});
