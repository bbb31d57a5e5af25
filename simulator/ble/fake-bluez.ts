/**
 * A fake BlueZ (`org.bluez`) on a D-Bus bus, serving exactly what node-ble 1.13 calls
 * (node_modules/node-ble/src: Bluetooth.js, Adapter.js, Device.js, GattServer.js, GattService.js,
 * GattCharacteristic.js, BusHelper.js). Introspect of /org/bluez, /org/bluez/hci0, /org/bluez/hci0/dev_*, and
 * each service lists the child nodes (adapters, devices, GATT services and characteristics; node-ble never uses
 * ObjectManager). The objects: bluez-adapter.ts (agent manager, adapter), bluez-device.ts (device, GATT service
 * and characteristic). Test control is the TypeScript API of FakeBluez, and the D-Bus control object of
 * blesim-control.ts for other processes.
 */
import dbus from 'dbus-next';
import { uuid128 } from '../../drivers/ble/gatt/index.js';
import { Adapter1, AgentManager1 } from './bluez-adapter.js';
import { emitChanged, type DBusInterface } from './bluez-dbus.js';
import { Device1, GattCharacteristic1, GattService1, type CallCounts, type FakeDeviceSpec } from './bluez-device.js';
import { BLESIM_PATH, BleSimControl } from './blesim-control.js';

interface FakeDevice {
  spec: FakeDeviceSpec;
  path: string;
  device: Device1;
  reachable: boolean;
  counts: CallCounts;
  /** Exported objects in export order: [path, interface]. */
  objects: Array<[string, DBusInterface]>;
  characteristics: Map<string, GattCharacteristic1>;
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

export class FakeBluez {
  private readonly devices = new Map<string, FakeDevice>();
  private readonly adapterPath: string;
  private readonly adapter: Adapter1;
  private readonly agentManager = new AgentManager1('org.bluez.AgentManager1');
  private control: DBusInterface | undefined;
  private nextHandle = 0x000a;

  private constructor(
    private readonly bus: dbus.MessageBus,
    adapterName: string,
    adapterAddress: string,
    private readonly resolveDelayMs: number,
  ) {
    this.adapterPath = `/org/bluez/${adapterName}`;
    this.adapter = new Adapter1(adapterAddress);
  }

  /** Connects to the bus at `busAddress`, owns `org.bluez` and exports the manager and one adapter. */
  static async start(
    busAddress: string,
    opts: { adapter?: string; adapterAddress?: string; resolveDelayMs?: number; controlObject?: boolean } = {},
  ): Promise<FakeBluez> {
    const bus = dbus.sessionBus({ busAddress });
    bus.on('error', () => {
      /* the daemon went away: the fake simply stops serving */
    });
    const fake = new FakeBluez(bus, opts.adapter ?? 'hci0', opts.adapterAddress ?? '00:1A:7D:DA:71:13', opts.resolveDelayMs ?? 20);
    bus.export('/org/bluez', fake.agentManager);
    bus.export(fake.adapterPath, fake.adapter);
    if (opts.controlObject !== false) {
      fake.control = new BleSimControl(fake);
      bus.export(BLESIM_PATH, fake.control);
    }
    await bus.requestName('org.bluez', 0x4 /* DO_NOT_QUEUE */);
    return fake;
  }

  /** Adds a device as a paired, known one (BlueZ keeps bonded devices as objects even when out of range). */
  addDevice(spec: FakeDeviceSpec): void {
    const address = spec.address.toUpperCase();
    if (this.devices.has(address)) throw new Error(`device ${address} exists`);
    const path = `${this.adapterPath}/dev_${address.replace(/:/g, '_')}`;
    const counts: CallCounts = { connect: 0, disconnect: 0, startNotify: {}, stopNotify: {}, readValue: {} };
    const characteristics = new Map<string, GattCharacteristic1>();
    const entry: FakeDevice = {
      spec,
      path,
      device: new Device1(address, spec.name, {
        reachable: () => entry.reachable,
        adapterPowered: () => this.adapter.Powered,
        resolveDelayMs: this.resolveDelayMs,
        counts,
        onDisconnect: () => characteristics.forEach((c) => c.linkDown()),
      }),
      reachable: true,
      counts,
      objects: [],
      characteristics,
    };
    entry.objects.push([path, entry.device]);
    for (const s of spec.services) {
      const servicePath = `${path}/service${hex4(this.nextHandle++)}`;
      entry.objects.push([servicePath, new GattService1(uuid128(s.uuid16), path)]);
      for (const c of s.characteristics) {
        const charPath = `${servicePath}/char${hex4(this.nextHandle++)}`;
        const ch = new GattCharacteristic1(c.uuid16.toLowerCase(), servicePath, c.flags, {
          connected: () => entry.device.Connected,
          counts,
        });
        if (c.value) ch.Value = Buffer.from(c.value);
        characteristics.set(c.uuid16.toLowerCase(), ch);
        entry.objects.push([charPath, ch]);
      }
    }
    for (const [p, iface] of entry.objects) this.bus.export(p, iface);
    this.devices.set(address, entry);
  }

  removeDevice(address: string): void {
    const d = this.get(address);
    d.device.dropLink();
    for (const [p, iface] of [...d.objects].reverse()) this.bus.unexport(p, iface);
    this.devices.delete(address.toUpperCase());
  }

  /** Sends a notification or indication of `uuid16` if the client subscribed; false if nobody listens. */
  notify(address: string, uuid16: string, bytes: Uint8Array): boolean {
    return this.char(address, uuid16).push(bytes);
  }

  /** Sets the value a later ReadValue returns, without notifying. */
  setValue(address: string, uuid16: string, bytes: Uint8Array): void {
    this.char(address, uuid16).Value = Buffer.from(bytes);
  }

  /** The radio link drops (out of range, strap taken off): Connected and ServicesResolved become false. */
  dropLink(address: string): void {
    this.get(address).device.dropLink();
  }

  /** An unreachable device fails Connect() like an out-of-range peripheral. */
  setReachable(address: string, reachable: boolean): void {
    this.get(address).reachable = reachable;
  }

  setPowered(powered: boolean): void {
    this.adapter.Powered = powered;
    emitChanged(this.adapter, { Powered: powered });
    if (!powered) for (const d of this.devices.values()) d.device.dropLink();
  }

  isConnected(address: string): boolean {
    return this.get(address).device.Connected;
  }

  isNotifying(address: string, uuid16: string): boolean {
    return this.char(address, uuid16).Notifying;
  }

  calls(address: string): CallCounts {
    const c = this.get(address).counts;
    return { ...c, startNotify: { ...c.startNotify }, stopNotify: { ...c.stopNotify }, readValue: { ...c.readValue } };
  }

  get discovering(): boolean {
    return this.adapter.Discovering;
  }

  async stop(): Promise<void> {
    for (const address of [...this.devices.keys()]) this.removeDevice(address);
    try {
      await this.bus.releaseName('org.bluez');
    } catch {
      /* bus already gone */
    }
    this.bus.disconnect();
  }

  private get(address: string): FakeDevice {
    const d = this.devices.get(address.toUpperCase());
    if (!d) throw new Error(`no fake device ${address}`);
    return d;
  }

  private char(address: string, uuid16: string): GattCharacteristic1 {
    const c = this.get(address).characteristics.get(uuid16.toLowerCase());
    if (!c) throw new Error(`device ${address} has no characteristic ${uuid16}`);
    return c;
  }
}
