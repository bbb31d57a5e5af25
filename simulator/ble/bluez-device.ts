/**
 * The fake BlueZ's device objects, as node-ble 1.13 calls them (Device.js, GattServer.js, GattService.js,
 * GattCharacteristic.js), and the specs a test describes a device with:
 *  - org.bluez.Device1: Get of Address/Name/Alias/RSSI/Connected/ServicesResolved/Paired/AddressType;
 *    Connect(), Disconnect(); PropertiesChanged of Connected and ServicesResolved (Device.connect and
 *    GattServer.init listen for them).
 *  - org.bluez.GattService1: UUID (128-bit lowercase), Primary.
 *  - org.bluez.GattCharacteristic1: UUID, Flags, Notifying, Value; ReadValue(a{sv}) -> ay, WriteValue(ay, a{sv}),
 *    StartNotify(), StopNotify(); a notification is a PropertiesChanged of Value (ay).
 */
import { uuid128 } from '../../drivers/ble/gatt/index.js';
import { DBusError, Interface, READ, RW, emitChanged } from './bluez-dbus.js';

export interface CallCounts {
  connect: number;
  disconnect: number;
  /** StartNotify calls per 16-bit characteristic UUID (lowercase hex, e.g. '2a37'). */
  startNotify: Record<string, number>;
  stopNotify: Record<string, number>;
  readValue: Record<string, number>;
}

export class Device1 extends Interface {
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

export class GattService1 extends Interface {
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

export class GattCharacteristic1 extends Interface {
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
