import { BluezSession } from '../drivers/ble/bluez-session.js';

/** Where the D-Bus system bus listens by default (D-Bus Specification, "Well-known Message Bus Instances"). */
const DEFAULT_SYSTEM_BUS = 'unix:path=/var/run/dbus/system_bus_socket';

type Target = { path: string } | { host: string; port: number };

/** The first usable address of a D-Bus address list (D-Bus Specification, "Server Addresses"): unix:path or tcp. */
export function parseBusAddress(address: string): Target | undefined {
  for (const entry of address.split(';')) {
    const colon = entry.indexOf(':');
    if (colon < 0) continue;
    const transport = entry.slice(0, colon);
    const keys = new Map(
      entry
        .slice(colon + 1)
        .split(',')
        .map((kv) => kv.split('=') as [string, string])
        .map(([k, v]) => [k, decodeURIComponent(v ?? '')]),
    );
    if (transport === 'unix' && keys.get('path')) return { path: keys.get('path')! };
    if (transport === 'unix' && keys.get('abstract')) return { path: `\0${keys.get('abstract')!}` };
    if (transport === 'tcp' && keys.get('port')) return { host: keys.get('host') ?? 'localhost', port: Number(keys.get('port')) };
  }
  return undefined;
}

/**
 * Whether BlueZ answers on the D-Bus system bus: a real call, the one the BLE driver makes first (node-ble's
 * adapter list, an Introspect of /org/bluez addressed to org.bluez). Resolves undefined when BlueZ answers, else
 * the reason: the address not understood, the bus unreachable or silent, or no BlueZ on it (bluetoothd not
 * running: the bus daemon answers org.freedesktop.DBus.Error.ServiceUnknown).
 */
export function probeBluez(address = process.env.DBUS_SYSTEM_BUS_ADDRESS ?? DEFAULT_SYSTEM_BUS, timeoutMs = 2000): Promise<string | undefined> {
  if (!parseBusAddress(address)) return Promise.resolve(`D-Bus system bus address '${address}' not understood`);
  return new Promise((resolve) => {
    let settled = false;
    const done = (reason: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.close();
      resolve(reason);
    };
    const timer = setTimeout(() => done(`D-Bus system bus at ${address}: no answer within ${timeoutMs} ms`), timeoutMs);
    const session = new BluezSession({ busAddress: address, onBusError: (err) => done(`D-Bus system bus at ${address} unreachable: ${err.message}`) });
    try {
      session.get().adapters().then(
        () => done(undefined),
        (err: unknown) => done(`BlueZ (org.bluez) does not answer on the D-Bus system bus at ${address}: ${err instanceof Error ? err.message : String(err)}`),
      );
    } catch (err) {
      done(`D-Bus system bus at ${address} unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}
