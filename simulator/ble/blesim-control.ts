/**
 * The fake BlueZ's test-control surface for other processes (`wardgate-sim ble`): a D-Bus object outside
 * /org/bluez (org.wardgate.BleSim1 at /org/wardgate/blesim) that mirrors the TypeScript API of FakeBluez.
 */
import { DBusError, Interface } from './bluez-dbus.js';
import type { FakeDeviceSpec, FakeServiceSpec } from './bluez-device.js';

export const BLESIM_PATH = '/org/wardgate/blesim';
export const BLESIM_INTERFACE = 'org.wardgate.BleSim1';

/** What the control object steers (FakeBluez). */
export interface BleSimTarget {
  addDevice(spec: FakeDeviceSpec): void;
  removeDevice(address: string): void;
  notify(address: string, uuid16: string, bytes: Uint8Array): boolean;
  setValue(address: string, uuid16: string, bytes: Uint8Array): void;
  dropLink(address: string): void;
  setReachable(address: string, reachable: boolean): void;
}

/** D-Bus control object for other processes; mirrors the TypeScript API. Lives outside /org/bluez. */
export class BleSimControl extends Interface {
  constructor(private readonly fake: BleSimTarget) {
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