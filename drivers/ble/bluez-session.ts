import type { EventEmitter } from 'node:events';
import NodeBle from 'node-ble';

export type BluetoothSession = ReturnType<typeof NodeBle.createBluetooth>;
export type CreateBluetooth = () => BluetoothSession;

/**
 * One node-ble session (one D-Bus connection to the system bus) shared by every device of a driver.
 * node-ble reads DBUS_SYSTEM_BUS_ADDRESS when createBluetooth() runs; `busAddress` sets it for that call only.
 * A bus error (no bus, bus gone) marks the session dead: node-ble would otherwise crash on the unhandled
 * 'error' or hang; the next get() opens a new session.
 */
export class BluezSession {
  private current: BluetoothSession | undefined;

  constructor(
    private readonly opts: {
      busAddress?: string;
      create?: CreateBluetooth;
      onBusError: (err: Error) => void;
    },
  ) {}

  get(): NodeBle.Bluetooth {
    if (this.current) return this.current.bluetooth;
    const session = this.create();
    this.current = session;
    const bus = (session.bluetooth as unknown as { dbus?: EventEmitter }).dbus;
    bus?.on('error', (err: unknown) => {
      if (this.current === session) this.invalidate();
      this.opts.onBusError(err instanceof Error ? err : new Error(String(err)));
    });
    return session.bluetooth;
  }

  /** Drops the current session; the next get() makes a new one. */
  invalidate(): void {
    const s = this.current;
    this.current = undefined;
    try {
      s?.destroy();
    } catch {
      /* already closed */
    }
  }

  close(): void {
    this.invalidate();
  }

  private create(): BluetoothSession {
    const make = this.opts.create ?? NodeBle.createBluetooth;
    if (this.opts.busAddress === undefined) return make();
    const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;
    process.env.DBUS_SYSTEM_BUS_ADDRESS = this.opts.busAddress;
    try {
      return make();
    } finally {
      if (saved === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
      else process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
    }
  }
}
