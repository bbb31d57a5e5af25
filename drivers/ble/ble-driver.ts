import type { Driver, DriverSink } from '../core/driver.js';
import { BluezSession, type CreateBluetooth } from './bluez-session.js';
import { DeviceLink, type BleDeviceConfig, type DeviceLinkTiming } from './device-link.js';
import { isBleProfile } from './profiles.js';

export type { BleDeviceConfig } from './device-link.js';
export type { BleProfile } from './profiles.js';

export interface BleDriverConfig {
  devices: BleDeviceConfig[];
  /** BlueZ adapter name, default 'hci0'. */
  adapter?: string;
  /** Timeout of every ordinary D-Bus call (default 10 s). */
  callTimeoutMs?: number;
  /** Timeout of Connect() and of service resolution (default 30 s). */
  connectTimeoutMs?: number;
  /** Period of Battery Level reads while connected (default 5 min). */
  batteryReadIntervalMs?: number;
  /** Reconnect backoff bounds (default 1 s .. 60 s, with jitter). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** D-Bus system bus address for node-ble (default: DBUS_SYSTEM_BUS_ADDRESS or the standard socket). */
  busAddress?: string;
}

const ADDRESS = /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/;

/** Checks the configuration; throws on a configuration error (never on a missing device). */
export function validateBleConfig(config: BleDriverConfig): void {
  const seen = new Set<string>();
  for (const d of config.devices) {
    const address = d.address.toUpperCase();
    if (!ADDRESS.test(address)) throw new Error(`BLE device ${d.deviceId}: bad address '${d.address}'`);
    if (seen.has(address)) throw new Error(`BLE device ${d.deviceId}: address ${address} configured twice`);
    seen.add(address);
    if (d.profiles.length === 0) throw new Error(`BLE device ${d.deviceId}: no profiles`);
    for (const p of d.profiles) if (!isBleProfile(p)) throw new Error(`BLE device ${d.deviceId}: unknown profile '${String(p)}'`);
    if (!(d.maxSilenceMs > 0)) throw new Error(`BLE device ${d.deviceId}: maxSilenceMs must be > 0`);
  }
}

/**
 * Standard GATT health devices through BlueZ (node-ble over D-Bus). Connects only to configured addresses,
 * one independent loop per device, every D-Bus call under a timeout.
 */
export class BleDriver implements Driver {
  private readonly links: DeviceLink[];
  private readonly session: BluezSession;

  constructor(config: BleDriverConfig, sink: DriverSink, deps: { createBluetooth?: CreateBluetooth } = {}) {
    validateBleConfig(config);
    const timing: DeviceLinkTiming = {
      adapter: config.adapter ?? 'hci0',
      callTimeoutMs: config.callTimeoutMs ?? 10_000,
      connectTimeoutMs: config.connectTimeoutMs ?? 30_000,
      batteryReadIntervalMs: config.batteryReadIntervalMs ?? 300_000,
      backoffMinMs: config.backoffMinMs ?? 1_000,
      backoffMaxMs: config.backoffMaxMs ?? 60_000,
    };
    this.session = new BluezSession({
      ...(config.busAddress !== undefined ? { busAddress: config.busAddress } : {}),
      ...(deps.createBluetooth ? { create: deps.createBluetooth } : {}),
      // Calls in flight on the dead connection time out; each device's loop then reconnects on a new session.
      onBusError: () => undefined,
    });
    this.links = config.devices.map((d) => new DeviceLink(d, timing, this.session, sink));
  }

  async start(): Promise<void> {
    for (const l of this.links) l.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.links.map((l) => l.stop()));
    this.session.close();
  }
}
