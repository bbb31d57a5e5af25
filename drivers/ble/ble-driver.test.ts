/**
 * The real BleDriver through the real node-ble against the fake BlueZ on a private dbus-daemon.
 * Nothing here is mocked: every call crosses a D-Bus socket.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DriverSink } from '../core/driver.js';
import type { ConditionReport, Reading } from '../core/observation.js';
import type { ConnectionState } from '../core/connection.js';
import { startPrivateBus, type PrivateBus } from '../../simulator/ble/private-bus.js';
import { FakeBluez } from '../../simulator/ble/fake-bluez.js';
import { bloodPressureCuff, heartRateStrap, pulseOximeter, thermometer } from '../../simulator/ble/device-presets.js';
import { BleDriver, type BleDriverConfig } from './ble-driver.js';
import { waitFor } from '../../test/helpers/wait.js';

class RecordingSink implements DriverSink {
  readings: Array<{ deviceId: string } & Reading> = [];
  conditions: Array<{ deviceId: string } & ConditionReport> = [];
  states: Array<{ deviceId: string; state: ConnectionState; reason: string }> = [];
  decodeErrors: Array<{ codec: string; deviceId: string; error: string }> = [];
  reading(deviceId: string, r: Reading): void {
    this.readings.push({ deviceId, ...r });
  }
  condition(deviceId: string, c: ConditionReport): void {
    this.conditions.push({ deviceId, ...c });
  }
  event(): void {}
  connection(deviceId: string, state: ConnectionState, reason: string): void {
    this.states.push({ deviceId, state, reason });
  }
  decodeError(codec: string, deviceId: string, error: string): void {
    this.decodeErrors.push({ codec, deviceId, error });
  }
  lastState(deviceId: string): ConnectionState | undefined {
    return this.states.filter((s) => s.deviceId === deviceId).at(-1)?.state;
  }
}

const STRAP = 'C0:FF:EE:00:00:01';
const OXI = 'C0:FF:EE:00:00:02';
const THERMO = 'C0:FF:EE:00:00:03';
const CUFF = 'C0:FF:EE:00:00:04';
const STRANGER = 'C0:FF:EE:00:00:99';

let bus: PrivateBus;
let fake: FakeBluez;
let driver: BleDriver | undefined;

beforeAll(async () => {
  bus = await startPrivateBus();
  fake = await FakeBluez.start(bus.address);
  fake.addDevice(heartRateStrap(STRAP, 'HR strap', 15));
  fake.addDevice(pulseOximeter(OXI));
  fake.addDevice(thermometer(THERMO));
  fake.addDevice(bloodPressureCuff(CUFF));
  fake.addDevice(heartRateStrap(STRANGER, 'Somebody else'));
});

afterAll(async () => {
  await fake?.stop();
  await bus?.stop();
});

afterEach(async () => {
  await driver?.stop();
  driver = undefined;
});

function config(over: Partial<BleDriverConfig> = {}, silenceMs = 60_000): BleDriverConfig {
  return {
    busAddress: bus.address,
    callTimeoutMs: 2000,
    connectTimeoutMs: 3000,
    backoffMinMs: 50,
    backoffMaxMs: 200,
    devices: [
      { deviceId: 'strap-1', address: STRAP, profiles: ['heart-rate', 'battery'], maxSilenceMs: silenceMs },
      { deviceId: 'oxi-1', address: OXI.toLowerCase(), profiles: ['pulse-oximeter', 'battery'], maxSilenceMs: silenceMs },
      { deviceId: 'thermo-1', address: THERMO, profiles: ['thermometer'], maxSilenceMs: silenceMs },
      { deviceId: 'cuff-1', address: CUFF, profiles: ['blood-pressure', 'battery'], maxSilenceMs: silenceMs },
    ],
    ...over,
  };
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('BleDriver through node-ble and a fake BlueZ', () => {
  it('strap, oximeter, thermometer and cuff notifications become readings; battery is read; a stranger is never touched', async () => {
    const sink = new RecordingSink();
    driver = new BleDriver(config(), sink);
    await driver.start();
    for (const id of ['strap-1', 'oxi-1', 'thermo-1', 'cuff-1']) await waitFor(() => sink.lastState(id) === 'connected', 8000, `${id} connected`);
    expect(fake.isNotifying(STRAP, '2a37')).toBe(true);
    expect(fake.isNotifying(OXI, '2a5f') && fake.isNotifying(OXI, '2a5e')).toBe(true);

    expect(fake.notify(STRAP, '2a37', hex('0648'))).toBe(true);
    expect(fake.notify(OXI, '2a5f', hex('00 6200 4600'))).toBe(true);
    expect(fake.notify(THERMO, '2a1c', hex('06 B00E00FE DC07 0C 05 0B 32 1B 04'))).toBe(true);
    expect(fake.notify(CUFF, '2a35', hex('15 BDF0 0B00 9FF0 3C00 1200'))).toBe(true);
    await waitFor(() => sink.readings.length >= 1 + 2 + 1 + 4, 8000, 'four devices of readings');

    const byDevice = (id: string) => sink.readings.filter((r) => r.deviceId === id).map((r) => [r.param, r.value, r.unit]);
    expect(byDevice('strap-1')).toEqual([['hr', 72, '/min']]);
    expect(byDevice('oxi-1')).toEqual([
      ['spo2', 98, '%'],
      ['pr', 70, '/min'],
    ]);
    expect(byDevice('thermo-1')).toEqual([['tskin', 37.6, 'Cel']]); // Temperature Type finger: skin, not body temperature
    expect(byDevice('cuff-1')).toEqual([
      ['sbp', 141.8, 'mm[Hg]'],
      ['dbp', 82.5, 'mm[Hg]'],
      ['map', 119.3, 'mm[Hg]'],
      ['pr', 60, '/min'],
    ]);
    expect(sink.conditions.find((c) => c.deviceId === 'cuff-1' && c.condition === 'cuff-fit')?.active).toBe(true);
    // Battery Level read at connect: the strap's 15 % is low, the oximeter's 80 % is not.
    expect(sink.conditions.find((c) => c.deviceId === 'strap-1' && c.condition === 'low-battery')).toMatchObject({ active: true, detail: 'battery 15 %' });
    expect(sink.conditions.find((c) => c.deviceId === 'oxi-1' && c.condition === 'low-battery')?.active).toBe(false);

    // A malformed frame is counted as a decode error and the device goes on.
    fake.notify(STRAP, '2a37', hex('01'));
    fake.notify(STRAP, '2a37', hex('0650'));
    await waitFor(() => byDevice('strap-1').length === 2, 8000, 'reading after bad frame');
    expect(sink.decodeErrors).toEqual([{ codec: 'gatt:2a37', deviceId: 'strap-1', error: expect.stringMatching(/too short/) }]);

    // The unconfigured device is in BlueZ, in range and notifying would be possible: it is never connected.
    expect(fake.calls(STRANGER)).toMatchObject({ connect: 0, startNotify: {}, readValue: {} });
    expect(fake.isConnected(STRANGER)).toBe(false);
    expect(fake.notify(STRANGER, '2a37', hex('0648'))).toBe(false);
    expect(sink.states.every((s) => ['strap-1', 'oxi-1', 'thermo-1', 'cuff-1'].includes(s.deviceId))).toBe(true);
  });

  it('a link loss reports disconnected, the driver reconnects and re-subscribes by itself, and others keep flowing', async () => {
    const sink = new RecordingSink();
    driver = new BleDriver(config(), sink);
    await driver.start();
    await waitFor(() => sink.lastState('strap-1') === 'connected' && sink.lastState('oxi-1') === 'connected', 8000, 'strap and oximeter connected');
    const before = fake.calls(STRAP);

    fake.setReachable(STRAP, false);
    fake.dropLink(STRAP);
    await waitFor(() => sink.lastState('strap-1') === 'disconnected', 8000, 'strap disconnected');
    expect(sink.states.filter((s) => s.deviceId === 'strap-1' && s.state === 'disconnected').at(-1)?.reason).toMatch(/link lost/);

    // While the strap stays out of range, its failed reconnects do not hold up the oximeter.
    await waitFor(() => fake.calls(STRAP).connect >= before.connect + 2, 8000, 'two failed reconnects');
    expect(fake.notify(OXI, '2a5f', hex('00 5F00 4800'))).toBe(true);
    await waitFor(() => sink.readings.some((r) => r.deviceId === 'oxi-1' && r.value === 95), 8000, 'oximeter reading during strap outage');

    fake.setReachable(STRAP, true);
    await waitFor(() => sink.lastState('strap-1') === 'connected' && fake.isNotifying(STRAP, '2a37'), 8000, 'strap reconnected');
    const after = fake.calls(STRAP);
    expect(after.startNotify['2a37']).toBe((before.startNotify['2a37'] ?? 0) + 1);
    expect(after.readValue['2a19']).toBeGreaterThan(before.readValue['2a19'] ?? 0);

    // Exactly one reading per notification: the old node-ble objects' listeners are gone.
    const n = sink.readings.filter((r) => r.deviceId === 'strap-1').length;
    fake.notify(STRAP, '2a37', hex('0659'));
    await waitFor(() => sink.readings.filter((r) => r.deviceId === 'strap-1').length > n, 8000, 'strap reading after reconnect');
    await new Promise((r) => setTimeout(r, 100));
    expect(sink.readings.filter((r) => r.deviceId === 'strap-1').slice(n).map((r) => r.value)).toEqual([0x59]);
  });

  it('a device silent past maxSilenceMs goes quiet, is dropped and reconnected', async () => {
    const sink = new RecordingSink();
    driver = new BleDriver(config({ devices: [{ deviceId: 'thermo-1', address: THERMO, profiles: ['thermometer'], maxSilenceMs: 300 }] }), sink);
    const connectsBefore = fake.calls(THERMO).connect;
    await driver.start();
    await waitFor(() => {
      const s = sink.states.map((x) => x.state);
      const q = s.indexOf('quiet');
      return q >= 0 && s.indexOf('disconnected', q) > q && s.indexOf('connected', q + 1) > q;
    }, 8000, 'thermometer quiet then reconnected');
    expect(sink.states.find((s) => s.state === 'quiet')?.reason).toBe('no data for 300 ms');
    expect(fake.calls(THERMO).connect).toBeGreaterThanOrEqual(connectsBefore + 2);
    // The driver disconnected the silent device itself before reconnecting.
    expect(fake.calls(THERMO).disconnect).toBeGreaterThanOrEqual(1);
  });

  it('an adapter powered off reports every device disconnected; powered on they come back', async () => {
    const sink = new RecordingSink();
    driver = new BleDriver(config(), sink);
    await driver.start();
    await waitFor(() => sink.lastState('cuff-1') === 'connected', 8000, 'cuff connected');
    fake.setPowered(false);
    await waitFor(() => ['strap-1', 'oxi-1', 'thermo-1', 'cuff-1'].every((id) => sink.lastState(id) === 'disconnected'), 8000, 'all disconnected');
    await waitFor(() => sink.states.some((s) => /powered off/.test(s.reason)), 8000, 'powered-off reason');
    fake.setPowered(true);
    await waitFor(() => ['strap-1', 'oxi-1', 'thermo-1', 'cuff-1'].every((id) => sink.lastState(id) === 'connected'), 8000, 'all connected again');
  });

  it('with no bus at all, start() does not throw, the process survives and the sink sees the failure', async () => {
    const sink = new RecordingSink();
    driver = new BleDriver(
      config({
        busAddress: 'unix:path=/nonexistent/wardgate/bus',
        callTimeoutMs: 200,
        devices: [{ deviceId: 'strap-1', address: STRAP, profiles: ['heart-rate'], maxSilenceMs: 1000 }],
      }),
      sink,
    );
    await expect(driver.start()).resolves.toBeUndefined();
    await waitFor(() => sink.states.filter((s) => s.state === 'disconnected').length >= 2, 8000, 'two failed attempts');
    expect(sink.states.filter((s) => s.state === 'disconnected')[0]?.reason).toMatch(/timed out|ENOENT|connect/i);
  });

  it('rejects a bad configuration', () => {
    const sink = new RecordingSink();
    expect(() => new BleDriver(config({ devices: [{ deviceId: 'x', address: 'nope', profiles: ['heart-rate'], maxSilenceMs: 1 }] }), sink)).toThrow(/bad address/);
    expect(
      () =>
        new BleDriver(
          config({
            devices: [
              { deviceId: 'a', address: STRAP, profiles: ['heart-rate'], maxSilenceMs: 1 },
              { deviceId: 'b', address: STRAP.toLowerCase(), profiles: ['battery'], maxSilenceMs: 1 },
            ],
          }),
          sink,
        ),
    ).toThrow(/twice/);
  });
});
