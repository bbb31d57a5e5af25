import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import dbus from 'dbus-next';
import NodeBle from 'node-ble';
import { startPrivateBus, type PrivateBus } from './private-bus.js';
import { BLESIM_INTERFACE, BLESIM_PATH, parseServices } from './blesim-control.js';
import { FakeBluez } from './fake-bluez.js';
import { uuid128 } from '../../drivers/ble/gatt/index.js';

interface SimControl {
  AddDevice(address: string, name: string, services: string): Promise<void>;
  SetValue(address: string, uuid16: string, value: Buffer): Promise<void>;
  Notify(address: string, uuid16: string, value: Buffer): Promise<boolean>;
  DropLink(address: string): Promise<void>;
}

let bus: PrivateBus;
let fake: FakeBluez;

beforeAll(async () => {
  bus = await startPrivateBus();
  fake = await FakeBluez.start(bus.address);
});
afterAll(async () => {
  await fake?.stop();
  await bus?.stop();
});

function nodeBle(): ReturnType<typeof NodeBle.createBluetooth> {
  const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;
  process.env.DBUS_SYSTEM_BUS_ADDRESS = bus.address;
  try {
    return NodeBle.createBluetooth();
  } finally {
    if (saved === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
    else process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
  }
}

describe('private dbus-daemon', () => {
  it('prints a unix address and removes its socket on stop', async () => {
    const b = await startPrivateBus();
    const path = /unix:path=([^,]+)/.exec(b.address)?.[1] ?? '';
    expect(existsSync(path)).toBe(true);
    await b.stop();
    expect(existsSync(path)).toBe(false);
    expect(() => process.kill(b.pid, 0)).toThrow();
  });
});

describe('fake BlueZ', () => {
  it('parses the control object service notation', () => {
    expect(parseServices('180d=2a37:notify;180f=2a19:read+notify')).toEqual([
      { uuid16: '180d', characteristics: [{ uuid16: '2a37', flags: ['notify'] }] },
      { uuid16: '180f', characteristics: [{ uuid16: '2a19', flags: ['read', 'notify'] }] },
    ]);
  });

  it('a device added through the D-Bus control object is seen and driven through node-ble', async () => {
    const control = dbus.sessionBus({ busAddress: bus.address });
    const { bluetooth, destroy } = nodeBle();
    try {
      const sim = (await control.getProxyObject('org.bluez', BLESIM_PATH)).getInterface(BLESIM_INTERFACE) as unknown as SimControl;
      await sim.AddDevice('DE:AD:BE:EF:00:01', 'Ctl strap', '180d=2a37:notify;180f=2a19:read');
      await sim.SetValue('DE:AD:BE:EF:00:01', '2a19', Buffer.from([42]));

      const adapter = await bluetooth.defaultAdapter();
      expect(await adapter.devices()).toContain('DE:AD:BE:EF:00:01');
      const device = await adapter.getDevice('DE:AD:BE:EF:00:01');
      expect(await device.getName()).toBe('Ctl strap');
      await device.connect();
      const gatt = await device.gatt();
      expect((await gatt.services()).sort()).toEqual([uuid128(0x180d), uuid128(0x180f)]);
      const battery = await (await gatt.getPrimaryService(uuid128(0x180f))).getCharacteristic(uuid128(0x2a19));
      expect([...(await battery.readValue())]).toEqual([42]);

      const hr = await (await gatt.getPrimaryService(uuid128(0x180d))).getCharacteristic(uuid128(0x2a37));
      const got = new Promise<Buffer>((resolve) => hr.once('valuechanged', resolve));
      await hr.startNotifications();
      expect(await sim.Notify('DE:AD:BE:EF:00:01', '2a37', Buffer.from([0x06, 0x48]))).toBe(true);
      expect([...(await got)]).toEqual([0x06, 0x48]);

      const dropped = new Promise<void>((resolve) => device.once('disconnect', () => resolve()));
      await sim.DropLink('DE:AD:BE:EF:00:01');
      await dropped;
      expect(fake.isNotifying('DE:AD:BE:EF:00:01', '2a37')).toBe(false);
      await expect(hr.startNotifications()).rejects.toThrow(/Not connected/);
      await expect(sim.Notify('NO:SU:CH:00:00:00', '2a37', Buffer.from([0]))).rejects.toThrow(/no fake device/);
    } finally {
      destroy();
      control.disconnect();
    }
  });

  it('Connect fails like an out-of-range device while unreachable, and the adapter can be powered off', async () => {
    fake.addDevice({ address: 'DE:AD:BE:EF:00:02', name: 'far', services: [] });
    fake.setReachable('DE:AD:BE:EF:00:02', false);
    const { bluetooth, destroy } = nodeBle();
    try {
      const adapter = await bluetooth.defaultAdapter();
      const device = await adapter.getDevice('DE:AD:BE:EF:00:02');
      await expect(device.connect()).rejects.toThrow(/le-connection-abort-by-local/);
      fake.setPowered(false);
      expect(await adapter.isPowered()).toBe(false);
      fake.setPowered(true);
      await adapter.startDiscovery();
      expect(fake.discovering).toBe(true);
      await adapter.stopDiscovery();
      expect(fake.calls('DE:AD:BE:EF:00:02').connect).toBe(1);
    } finally {
      destroy();
    }
  });
});
