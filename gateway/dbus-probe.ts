import { connect } from 'node:net';

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
 * Whether the D-Bus system bus (through which BlueZ is reached) accepts a connection. Resolves undefined when it
 * does, else the reason. It checks the bus socket only, not that BlueZ itself is registered on it.
 */
export function probeSystemBus(address = process.env.DBUS_SYSTEM_BUS_ADDRESS ?? DEFAULT_SYSTEM_BUS, timeoutMs = 2000): Promise<string | undefined> {
  const target = parseBusAddress(address);
  if (!target) return Promise.resolve(`D-Bus system bus address '${address}' not understood`);
  return new Promise((resolve) => {
    const socket = 'path' in target ? connect(target.path) : connect(target.port, target.host);
    const done = (reason: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => done(`D-Bus system bus at ${address}: no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (err) => done(`D-Bus system bus at ${address} unreachable: ${err.message}`));
  });
}
