/**
 * The fake BlueZ's adapter side, as node-ble 1.13 calls it (Bluetooth.js, Adapter.js):
 *  - /org/bluez: org.bluez.AgentManager1 (Bluetooth.js takes this interface; it throws without it).
 *  - org.bluez.Adapter1: Get of Address/Name/Alias/Powered/Discovering/AddressType; SetDiscoveryFilter(a{sv}),
 *    StartDiscovery(), StopDiscovery().
 */
import { DBusError, Interface, READ, RW, emitChanged } from './bluez-dbus.js';

export class AgentManager1 extends Interface {
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

export class Adapter1 extends Interface {
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
