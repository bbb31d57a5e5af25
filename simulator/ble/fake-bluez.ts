/**
 * A fake BlueZ (`org.bluez`) on a D-Bus bus, serving exactly what node-ble 1.13 calls
 * (node_modules/node-ble/src: Bluetooth.js, Adapter.js, Device.js, GattServer.js, GattService.js,
 * GattCharacteristic.js, BusHelper.js):
 *  - Introspect of /org/bluez, /org/bluez/hci0, /org/bluez/hci0/dev_*, and each service: child nodes are adapters,
 *    devices, GATT services and characteristics (node-ble never uses ObjectManager).
 *  - /org/bluez: org.bluez.AgentManager1 (Bluetooth.js takes this interface; it throws without it).
 *  - org.bluez.Adapter1: Get of Address/Name/Alias/Powered/Discovering/AddressType; SetDiscoveryFilter(a{sv}),
 *    StartDiscovery(), StopDiscovery().
 *  - org.bluez.Device1: Get of Address/Name/Alias/RSSI/Connected/ServicesResolved/Paired/AddressType;
 *    Connect(), Disconnect(); PropertiesChanged of Connected and ServicesResolved (Device.connect and
 *    GattServer.init listen for them).
 *  - org.bluez.GattService1: UUID (128-bit lowercase), Primary.
 *  - org.bluez.GattCharacteristic1: UUID, Flags, Notifying, Value; ReadValue(a{sv}) -> ay, WriteValue(ay, a{sv}),
 *    StartNotify(), StopNotify(); a notification is a PropertiesChanged of Value (ay).
 * Test control is the TypeScript API of FakeBluez, and a small D-Bus control object outside /org/bluez
 * (org.wardgate.BleSim1 at /org/wardgate/blesim) for other processes (`wardgate-sim ble`).
 */
import dbus from 'dbus-next';
import { uuid128 } from '../../drivers/ble/gatt/index.js';

const { Interface } = dbus.interface;
const { DBusError } = dbus;
const emitChanged = (iface: dbus.interface.Interface, changed: Record<string, unknown>): void =>
  Interface.emitPropertiesChanged(iface, changed, []);

const READ = 'read' as const;
const RW = 'readwrite' as const;

class AgentManager1 extends Interface {
  RegisterAgent(_agent: string, _capability: string): void {}
  UnregisterAgent(_agent: string): void {}
  RequestDefaultAgent(_agent: string): void {}
}
AgentManager1.configureMembers({
  methods: {
    RegisterAgent: { inSignature: 'os' },
    UnregisterAgent: { inSignature: 'o' },
    RequestDefaultAgent: { inSignature: 'o' },
  },
});

class Adapter1 extends Interface {
  Address: string;
  AddressType = 'public';
  Name = 'wardgate-fake';
  Alias = 'wardgate-fake';
  Powered = true;
  Discovering = false;
  discoveryFilter: Record<string, unknown> = {};

  constructor(address: string) {
    super('org.bluez.Adapter1');
    this.Address = address;
  }
  SetDiscoveryFilter(filter: Record<string, unknown>): void {
    this.discoveryFilter = filter;
  }
  StartDiscovery(): void {
    if (!this.Powered) throw new DBusError('org.bluez.Error.NotReady', 'Resource Not Ready');
    if (this.Discovering) throw new DBusError('org.bluez.Error.InProgress', 'Operation already in progress');
    this.Discovering = true;
    emitChanged(this, { Discovering: true });
  }
  StopDiscovery(): void {
    if (!this.Discovering) throw new DBusError('org.bluez.Error.Failed', 'No discovery started');
    this.Discovering = false;
    emitChanged(this, { Discovering: false });
  }
}
Adapter1.configureMembers({
  properties: {
    Address: { signature: 's', access: READ },
    AddressType: { signature: 's', access: READ },
    Name: { signature: 's', access: READ },
    Alias: { signature: 's', access: RW },
    Powered: { signature: 'b', access: RW },
    Discovering: { signature: 'b', access: READ },
  },
  methods: {
    SetDiscoveryFilter: { inSignature: 'a{sv}' },
    StartDiscovery: {},
    StopDiscovery: {},
  },
});

export interface CallCounts {
  connect: number;
  disconnect: number;
  /** StartNotify calls per 16-bit characteristic UUID (lowercase hex, e.g. '2a37'). */
  startNotify: Record<string, number>;
  stopNotify: Record<string, number>;
  readValue: Record<string, number>;
}

class Device1 extends Interface {
  Address: string;
  AddressType = 'public';
  Name: string;
  Alias: string;
  RSSI = -55;
  Connected = false;
  ServicesResolved = false;
  Paired = true;
  Trusted = true;

  constructor(
    address: string,
    name: string,
    private readonly ctl: {
      reachable: () => boolean;
      adapterPowered: () => boolean;
      resolveDelayMs: number;
      counts: CallCounts;
      onDisconnect: () => void;
    },
  ) {
    super('org.bluez.Device1');
    this.Address = address;
    this.Name = name;
    this.Alias = name;
  }

  async Connect(): Promise<void> {
    this.ctl.counts.connect++;
    if (!this.ctl.adapterPowered()) throw new DBusError('org.bluez.Error.NotReady', 'Resource Not Ready');
    if (!this.ctl.reachable()) throw new DBusError('org.bluez.Error.Failed', 'le-connection-abort-by-local');
    if (this.Connected) return;
    this.setConnected(true);
    // Like bluetoothd: ServicesResolved follows the connection after service discovery.
    setTimeout(() => {
      if (this.Connected && !this.ServicesResolved) {
        this.ServicesResolved = true;
        emitChanged(this, { ServicesResolved: true });
      }
    }, this.ctl.resolveDelayMs).unref();
  }

  Disconnect(): void {
    this.ctl.counts.disconnect++;
    if (!this.Connected) throw new DBusError('org.bluez.Error.NotConnected', 'Not Connected');
    this.dropLink();
  }

  dropLink(): void {
    if (!this.Connected) return;
    this.ServicesResolved = false;
    this.Connected = false;
    emitChanged(this, { ServicesResolved: false, Connected: false });
    this.ctl.onDisconnect();
  }

  private setConnected(v: boolean): void {
    this.Connected = v;
    emitChanged(this, { Connected: v });
  }
}
Device1.configureMembers({
  properties: {
    Address: { signature: 's', access: READ },
    AddressType: { signature: 's', access: READ },
    Name: { signature: 's', access: READ },
    Alias: { signature: 's', access: RW },
    RSSI: { signature: 'n', access: READ },
    Connected: { signature: 'b', access: READ },
    ServicesResolved: { signature: 'b', access: READ },
    Paired: { signature: 'b', access: READ },
    Trusted: { signature: 'b', access: RW },
  },
  methods: { Connect: {}, Disconnect: {} },
});

class GattService1 extends Interface {
  UUID: string;
  Primary = true;
  Device: string;
  constructor(uuid: string, devicePath: string) {
    super('org.bluez.GattService1');
    this.UUID = uuid;
    this.Device = devicePath;
  }
}
GattService1.configureMembers({
  properties: {
    UUID: { signature: 's', access: READ },
    Primary: { signature: 'b', access: READ },
    Device: { signature: 'o', access: READ },
  },
});

class GattCharacteristic1 extends Interface {
  UUID: string;
  Service: string;
  Flags: string[];
  Notifying = false;
  Value: Buffer = Buffer.alloc(0);

  constructor(
    readonly uuid16: string,
    servicePath: string,
    flags: string[],
    private readonly ctl: { connected: () => boolean; counts: CallCounts },
  ) {
    super('org.bluez.GattCharacteristic1');
    this.UUID = uuid128(uuid16);
    this.Service = servicePath;
    this.Flags = flags;
  }

  private requireConnected(): void {
    if (!this.ctl.connected()) throw new DBusError('org.bluez.Error.Failed', 'Not connected');
  }

  ReadValue(_options: Record<string, unknown>): Buffer {
    this.ctl.counts.readValue[this.uuid16] = (this.ctl.counts.readValue[this.uuid16] ?? 0) + 1;
    this.requireConnected();
    if (!this.Flags.includes('read')) throw new DBusError('org.bluez.Error.NotPermitted', 'Read not permitted');
    return this.Value;
  }

  WriteValue(value: Buffer, _options: Record<string, unknown>): void {
    this.requireConnected();
    this.Value = Buffer.from(value);
  }

  StartNotify(): void {
    this.ctl.counts.startNotify[this.uuid16] = (this.ctl.counts.startNotify[this.uuid16] ?? 0) + 1;
    this.requireConnected();
    if (!this.Flags.includes('notify') && !this.Flags.includes('indicate')) {
      throw new DBusError('org.bluez.Error.NotSupported', 'Operation is not supported');
    }
    if (this.Notifying) return;
    this.Notifying = true;
    emitChanged(this, { Notifying: true });
  }

  StopNotify(): void {
    this.ctl.counts.stopNotify[this.uuid16] = (this.ctl.counts.stopNotify[this.uuid16] ?? 0) + 1;
    if (!this.Notifying) throw new DBusError('org.bluez.Error.Failed', 'No notify session started');
    this.Notifying = false;
    emitChanged(this, { Notifying: false });
  }

  /** Pushes a notification/indication: a PropertiesChanged of Value, only while notifying. */
  push(bytes: Uint8Array): boolean {
    this.Value = Buffer.from(bytes);
    if (!this.Notifying || !this.ctl.connected()) return false;
    emitChanged(this, { Value: this.Value });
    return true;
  }

  linkDown(): void {
    this.Notifying = false;
  }
}
GattCharacteristic1.configureMembers({
  properties: {
    UUID: { signature: 's', access: READ },
    Service: { signature: 'o', access: READ },
    Flags: { signature: 'as', access: READ },
    Notifying: { signature: 'b', access: READ },
    Value: { signature: 'ay', access: READ },
  },
  methods: {
    ReadValue: { inSignature: 'a{sv}', outSignature: 'ay' },
    WriteValue: { inSignature: 'aya{sv}' },
    StartNotify: {},
    StopNotify: {},
  },
});

export interface FakeCharacteristicSpec {
  /** 16-bit SIG UUID as lowercase hex, e.g. '2a37'. */
  uuid16: string;
  /** BlueZ flags: 'read', 'notify', 'indicate', 'write'. */
  flags: string[];
  /** Initial value served by ReadValue. */
  value?: Uint8Array;
}

export interface FakeServiceSpec {
  uuid16: string;
  characteristics: FakeCharacteristicSpec[];
}

export interface FakeDeviceSpec {
  /** `AA:BB:CC:DD:EE:FF` */
  address: string;
  name: string;
  services: FakeServiceSpec[];
}

interface FakeDevice {
  spec: FakeDeviceSpec;
  path: string;
  device: Device1;
  reachable: boolean;
  counts: CallCounts;
  /** Exported objects in export order: [path, interface]. */
  objects: Array<[string, dbus.interface.Interface]>;
  characteristics: Map<string, GattCharacteristic1>;
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

export class FakeBluez {
  private readonly devices = new Map<string, FakeDevice>();
  private readonly adapterPath: string;
  private readonly adapter: Adapter1;
  private readonly agentManager = new AgentManager1('org.bluez.AgentManager1');
  private control: dbus.interface.Interface | undefined;
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

export const BLESIM_PATH = '/org/wardgate/blesim';
export const BLESIM_INTERFACE = 'org.wardgate.BleSim1';

/** D-Bus control object for other processes; mirrors the TypeScript API. Lives outside /org/bluez. */
class BleSimControl extends Interface {
  constructor(private readonly fake: FakeBluez) {
    super(BLESIM_INTERFACE);
  }
  /** AddDevice(address, name, services) where services is 'svc16=char16:flags+flags,char16:flags;svc16=...'. */
  AddDevice(address: string, name: string, services: string): void {
    this.wrap(() => this.fake.addDevice({ address, name, services: parseServices(services) }));
  }
  RemoveDevice(address: string): void {
    this.wrap(() => this.fake.removeDevice(address));
  }
  Notify(address: string, uuid16: string, value: Buffer): boolean {
    return this.wrap(() => this.fake.notify(address, uuid16, value));
  }
  SetValue(address: string, uuid16: string, value: Buffer): void {
    this.wrap(() => this.fake.setValue(address, uuid16, value));
  }
  DropLink(address: string): void {
    this.wrap(() => this.fake.dropLink(address));
  }
  SetReachable(address: string, reachable: boolean): void {
    this.wrap(() => this.fake.setReachable(address, reachable));
  }
  private wrap<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw new DBusError('org.wardgate.BleSim.Error', e instanceof Error ? e.message : String(e));
    }
  }
}
BleSimControl.configureMembers({
  methods: {
    AddDevice: { inSignature: 'sss' },
    RemoveDevice: { inSignature: 's' },
    Notify: { inSignature: 'ssay', outSignature: 'b' },
    SetValue: { inSignature: 'ssay' },
    DropLink: { inSignature: 's' },
    SetReachable: { inSignature: 'sb' },
  },
});

/** Parses '180d=2a37:notify;180f=2a19:read+notify' into service specs. */
export function parseServices(text: string): FakeServiceSpec[] {
  return text
    .split(';')
    .filter((s) => s.trim() !== '')
    .map((s) => {
      const [svc, chars = ''] = s.split('=');
      return {
        uuid16: (svc ?? '').trim().toLowerCase(),
        characteristics: chars
          .split(',')
          .filter((c) => c.trim() !== '')
          .map((c) => {
            const [uuid, flags = 'read'] = c.split(':');
            return { uuid16: (uuid ?? '').trim().toLowerCase(), flags: flags.split('+') };
          }),
      };
    });
}
