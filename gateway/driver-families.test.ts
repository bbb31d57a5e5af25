import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { ConfigError, parseConfig } from '../config/load.js';
import type { Driver, DriverSink } from '../drivers/core/driver.js';
import { FakeBluez } from '../simulator/ble/fake-bluez.js';
import { startPrivateBus } from '../simulator/ble/private-bus.js';
import { parseBusAddress, probeBluez } from './dbus-probe.js';
import { DriverFamilies, type DriverFamily } from './driver-families.js';

const config = parseConfig({ gateway: { id: 'g', site: 's', ward: 'w' }, dataDir: '/tmp/x', beds: [], devices: [], sync: { enabled: false } }, 'test');
const sink: DriverSink = { reading() {}, condition() {}, event() {}, connection() {}, decodeError() {} };
const log = pino({ level: 'silent' });

function driver(name: string, events: string[], failStart?: () => boolean): Driver {
  return {
    start: async () => {
      if (failStart?.()) throw new Error(`${name}: port in use`);
      events.push(`start ${name}`);
    },
    stop: async () => {
      events.push(`stop ${name}`);
    },
  };
}

describe('DriverFamilies', () => {
  let families: DriverFamilies | undefined;
  afterEach(async () => {
    await families?.stop();
  });

  it('starts every family on its own: one that fails is degraded, the others run; stop runs in reverse', async () => {
    const events: string[] = [];
    const changes: string[] = [];
    const list: DriverFamily[] = [
      { name: 'a', build: () => [driver('a', events)] },
      { name: 'b', build: () => [driver('b', events, () => true)] },
      { name: 'c', build: () => [driver('c', events)] },
    ];
    families = new DriverFamilies({ families: list, sink, log, onChange: (f, d) => changes.push(`${f}:${d}`) });
    await families.start([], config);
    expect(events).toEqual(['start a', 'start c']);
    expect(families.degraded()).toEqual([{ family: 'b', detail: 'did not start: b: port in use' }]);
    expect(changes).toEqual(['b:true']);
    await families.stop();
    expect(events.slice(2)).toEqual(['stop c', 'stop a']);
    families = undefined;
  });

  it('a configuration error is not a degraded family: it is thrown', async () => {
    families = new DriverFamilies({
      families: [{ name: 'x', build: () => Promise.reject(new ConfigError('config', ['devices.x.serial.path: required'])) }],
      sink,
      log,
      onChange: () => undefined,
    });
    await expect(families.start([], config)).rejects.toBeInstanceOf(ConfigError);
  });

  it('retries a failed family and clears it once it starts; a probe failure degrades a running family', async () => {
    const events: string[] = [];
    const changes: string[] = [];
    let portTaken = true;
    let busUp = false;
    families = new DriverFamilies({
      families: [
        { name: 'hl7', build: () => [driver('hl7', events, () => portTaken)] },
        { name: 'ble', build: () => [driver('ble', events)], probe: async () => (busUp ? undefined : 'bus unreachable') },
      ],
      sink,
      log,
      retryMs: 50,
      onChange: (f, d) => changes.push(`${f}:${d}`),
    });
    await families.start([], config);
    expect(families.degraded().map((d) => d.family).sort()).toEqual(['ble', 'hl7']);
    expect(events).toEqual(['start ble']);
    portTaken = false;
    busUp = true;
    await new Promise((r) => setTimeout(r, 200));
    expect(families.degraded()).toEqual([]);
    expect(events).toContain('start hl7');
    expect(changes.sort()).toEqual(['ble:false', 'ble:true', 'hl7:false', 'hl7:true']);
  });

  it('a restart (reload) that fixes a family clears it', async () => {
    const changes: string[] = [];
    let fail = true;
    families = new DriverFamilies({ families: [{ name: 'a', build: () => [driver('a', [], () => fail)] }], sink, log, onChange: (f, d) => changes.push(`${f}:${d}`) });
    await families.start([], config);
    fail = false;
    await families.restart([], config);
    expect(families.degraded()).toEqual([]);
    expect(changes).toEqual(['a:true', 'a:false']);
  });
});

describe('probeBluez', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-bus-'));
  afterEach(() => undefined);

  it('parses unix:path, unix:abstract and tcp addresses (the first usable one)', () => {
    expect(parseBusAddress('unix:path=/run/dbus/system_bus_socket')).toEqual({ path: '/run/dbus/system_bus_socket' });
    expect(parseBusAddress('unix:abstract=/tmp/dbus-x,guid=1')).toEqual({ path: '\0/tmp/dbus-x' });
    expect(parseBusAddress('nonsense;tcp:host=127.0.0.1,port=5555')).toEqual({ host: '127.0.0.1', port: 5555 });
    expect(parseBusAddress('nonsense')).toBeUndefined();
  });

  it('names the bus when its socket is missing, and when something that is not D-Bus listens there', async () => {
    const missing = join(dir, 'missing.sock');
    expect(await probeBluez(`unix:path=${missing}`)).toMatch(new RegExp(`${missing}.*ENOENT`));
    expect(await probeBluez('nonsense')).toMatch(/not understood/);
    const path = join(dir, 'not-dbus.sock');
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(path, () => r()));
    try {
      expect(await probeBluez(`unix:path=${path}`, 1000)).toMatch(new RegExp(path));
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('on a real D-Bus daemon: BlueZ missing is reported, BlueZ answering (the fake) is not', async () => {
    const bus = await startPrivateBus();
    try {
      expect(await probeBluez(bus.address)).toMatch(/BlueZ \(org\.bluez\) does not answer.*org\.bluez was not provided/);
      const fake = await FakeBluez.start(bus.address);
      try {
        expect(await probeBluez(bus.address)).toBeUndefined();
      } finally {
        await fake.stop();
      }
      // BlueZ gone again (bluetoothd stopped): reported again.
      expect(await probeBluez(bus.address)).toMatch(/BlueZ \(org\.bluez\) does not answer/);
    } finally {
      await bus.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
