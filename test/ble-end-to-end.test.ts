import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bloodPressureCuff, heartRateStrap, pulseOximeter, thermometer } from '../simulator/ble/device-presets.js';
import { FakeBluez } from '../simulator/ble/fake-bluez.js';
import { startPrivateBus, type PrivateBus } from '../simulator/ble/private-bus.js';
import { startGatewayProcess, writeConfig, type GatewayProcess } from './helpers/gateway-process.js';
import { waitFor } from './helpers/wait.js';

type Alarm = { bed: string; condition: string; priority: string; state: string; kind: string; value?: number; deviceId?: string };

const sfloat = (mantissa: number, exponent = 0): number[] => {
  const raw = ((exponent & 0x0f) << 12) | (mantissa & 0x0fff);
  return [raw & 0xff, raw >> 8];
};
const float32 = (mantissa: number, exponent: number): number[] => [mantissa & 0xff, (mantissa >> 8) & 0xff, (mantissa >> 16) & 0xff, exponent & 0xff];

const ADDR = { strap: 'C0:FF:EE:00:00:01', oxi: 'C0:FF:EE:00:00:02', thermo: 'C0:FF:EE:00:00:03', cuff: 'C0:FF:EE:00:00:04', stranger: 'C0:FF:EE:00:00:99' };

describe('BLE health devices through node-ble and a fake BlueZ, end to end to alarms/#', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-ble-e2e-'));
  let bus: PrivateBus;
  let fake: FakeBluez;
  let gw: GatewayProcess;
  let sub: MqttClient;
  const alarms: Alarm[] = [];

  beforeAll(async () => {
    bus = await startPrivateBus();
    fake = await FakeBluez.start(bus.address);
    fake.addDevice(heartRateStrap(ADDR.strap));
    fake.addDevice(pulseOximeter(ADDR.oxi));
    fake.addDevice(thermometer(ADDR.thermo));
    fake.addDevice(bloodPressureCuff(ADDR.cuff));
    fake.addDevice(heartRateStrap(ADDR.stranger, 'not ours'));
    const noDelay = { delaySeconds: 0 };
    const config = writeConfig(dir, {
      gateway: { id: 'gw-ble', site: 's', ward: 'w' },
      dataDir: join(dir, 'data'),
      broker: { port: 0, users: [{ username: 'nc', password: 'nc-pw', subscribe: ['alarms/#'] }] },
      screen: { port: 0 },
      beds: [{ id: 'bed-b', overrides: { hr: noDelay, spo2: noDelay, temp: noDelay, sbp: noDelay, pr: noDelay } }],
      devices: [
        { id: 'strap', bed: 'bed-b', transport: 'ble', maxSilenceSeconds: 4, disconnectGraceSeconds: 1, ble: { address: ADDR.strap, profiles: ['heart-rate', 'battery'] } },
        { id: 'oxi', bed: 'bed-b', transport: 'ble', maxSilenceSeconds: 30, ble: { address: ADDR.oxi, profiles: ['pulse-oximeter'] } },
        { id: 'thermo', bed: 'bed-b', transport: 'ble', maxSilenceSeconds: 60, ble: { address: ADDR.thermo, profiles: ['thermometer'] } },
        { id: 'cuff', bed: 'bed-b', transport: 'ble', maxSilenceSeconds: 60, ble: { address: ADDR.cuff, profiles: ['blood-pressure'] } },
      ],
      sync: { enabled: false },
    });
    gw = await startGatewayProcess(config, { DBUS_SYSTEM_BUS_ADDRESS: bus.address });
    sub = mqtt.connect(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'nc', password: 'nc-pw', protocolVersion: 4 });
    sub.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as Alarm));
    await new Promise<void>((r) => sub.once('connect', () => r()));
    await sub.subscribeAsync('alarms/#', { qos: 1 });
    await waitFor(() => [ADDR.strap, ADDR.oxi, ADDR.thermo, ADDR.cuff].every((a) => fake.isNotifying(a, a === ADDR.cuff ? '2a35' : a === ADDR.thermo ? '2a1c' : a === ADDR.oxi ? '2a5f' : '2a37')) || undefined, 20_000, 'all four subscribed');
  });

  afterAll(async () => {
    sub?.end(true);
    await gw?.kill();
    await fake?.stop();
    await bus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a strap, an oximeter, a thermometer and a cuff drive alarms; the stranger is never touched', async () => {
    fake.notify(ADDR.strap, '2a37', Uint8Array.of(0x06, 152));
    fake.notify(ADDR.oxi, '2a5f', Uint8Array.of(0x00, ...sfloat(82), ...sfloat(90)));
    fake.notify(ADDR.thermo, '2a1c', Uint8Array.of(0x00, ...float32(401, -1)));
    fake.notify(ADDR.cuff, '2a35', Uint8Array.of(0x00, ...sfloat(75), ...sfloat(40), ...sfloat(52)));
    for (const condition of ['hr-high', 'spo2-low', 'temp-high', 'sbp-low']) {
      await waitFor(() => alarms.find((a) => a.bed === 'bed-b' && a.condition === condition && a.state === 'active'), 10_000, condition);
    }
    expect(fake.isConnected(ADDR.stranger)).toBe(false);
  });

  it('the BLE family is not degraded: its probe reached BlueZ (the fake) with a D-Bus call', async () => {
    const ready = (await (await fetch(`http://127.0.0.1:${gw.screenPort}/readyz`)).json()) as { degraded?: Array<{ family: string }> };
    expect((ready.degraded ?? []).map((d) => d.family)).not.toContain('ble');
  });

  it('a link lost past its grace raises device-disconnected; the driver reconnects and re-subscribes by itself', async () => {
    const strapLost = (state: string, from = 0) => alarms.slice(from).find((a) => a.condition === 'device-disconnected' && a.deviceId === 'strap' && a.state === state);
    const beat = () => {
      try {
        fake.notify(ADDR.strap, '2a37', Uint8Array.of(0x06, 75));
      } catch {
        // link down
      }
    };
    // The strap is live (beating) and any earlier silence alarm is over before the link goes.
    let keepAlive = setInterval(beat, 300);
    await waitFor(() => {
      const last = alarms.filter((a) => a.condition === 'device-disconnected' && a.deviceId === 'strap').at(-1);
      return !last || last.state === 'cleared';
    }, 10_000, 'strap live');
    await new Promise((r) => setTimeout(r, 4500)); // past the start-up grace (its maxSilenceSeconds)
    clearInterval(keepAlive);
    const from = alarms.length;
    fake.setReachable(ADDR.strap, false);
    const dropped = Date.now();
    fake.dropLink(ADDR.strap);
    await waitFor(() => strapLost('active', from), 10_000, 'device-disconnected');
    expect(Date.now() - dropped).toBeGreaterThanOrEqual(900); // not before its 1 s grace
    fake.setReachable(ADDR.strap, true);
    await waitFor(() => (fake.isConnected(ADDR.strap) && fake.isNotifying(ADDR.strap, '2a37')) || undefined, 20_000, 'strap re-subscribed');
    keepAlive = setInterval(beat, 300);
    try {
      await waitFor(() => strapLost('cleared', from), 10_000, 'device-disconnected cleared');
    } finally {
      clearInterval(keepAlive);
    }
  });
});
