import { SerialPort } from 'serialport';

/**
 * Resolves a USB serial adapter by vendor/product id (and optionally its serial number) to a port path.
 * Prefer configuring `/dev/serial/by-id/...` paths: they are stable across reboots and replugs. A
 * vendor/product id is the fallback when the by-id name is unknown; with two identical adapters, give the
 * serial number too, or the lookup refuses to guess.
 *
 * SerialPort.list() on Linux reads udev (`udevadm` from the Debian package `udev`); without it the lookup
 * fails with a SerialResolveError saying so.
 */
export interface UsbSerialId {
  vendorId: string;
  productId: string;
  serialNumber?: string;
}

export interface ListedPort {
  path: string;
  vendorId?: string | undefined;
  productId?: string | undefined;
  serialNumber?: string | undefined;
  pnpId?: string | undefined;
}

export type PortLister = () => Promise<ListedPort[]>;

export class SerialResolveError extends Error {
  override readonly name = 'SerialResolveError';
}

const normaliseHex = (s: string | undefined): string => (s ?? '').trim().toLowerCase().replace(/^0x/, '').padStart(4, '0');

export function describeUsbId(id: UsbSerialId): string {
  return `usb ${normaliseHex(id.vendorId)}:${normaliseHex(id.productId)}${id.serialNumber ? ` serial ${id.serialNumber}` : ''}`;
}

export async function resolveSerialPath(id: UsbSerialId, list: PortLister = () => SerialPort.list()): Promise<string> {
  let ports: ListedPort[];
  try {
    ports = await list();
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new SerialResolveError(
      `cannot list serial ports to find ${describeUsbId(id)} (SerialPort.list needs udevadm, Debian package "udev"; or configure a /dev/serial/by-id path): ${why}`,
    );
  }
  const matches = ports.filter(
    (p) =>
      p.vendorId !== undefined &&
      p.productId !== undefined &&
      normaliseHex(p.vendorId) === normaliseHex(id.vendorId) &&
      normaliseHex(p.productId) === normaliseHex(id.productId) &&
      (id.serialNumber === undefined || p.serialNumber === id.serialNumber),
  );
  if (matches.length === 0) throw new SerialResolveError(`no serial port found for ${describeUsbId(id)}`);
  if (matches.length > 1) {
    throw new SerialResolveError(
      `${matches.length} serial ports match ${describeUsbId(id)} (${matches.map((m) => m.path).join(', ')}); add serialNumber`,
    );
  }
  return matches[0]!.path;
}
