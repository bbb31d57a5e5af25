import { describe, expect, it } from 'vitest';
import { resolveSerialPath, SerialResolveError, type ListedPort } from './serial-resolver.js';

const ports: ListedPort[] = [
  { path: '/dev/ttyS0' },
  { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', serialNumber: 'A1' },
  { path: '/dev/ttyUSB1', vendorId: '0403', productId: '6001', serialNumber: 'B2' },
  { path: '/dev/ttyACM0', vendorId: '2341', productId: '0043', serialNumber: 'X' },
];
const list = async () => ports;

describe('resolveSerialPath', () => {
  it('finds a unique vendor/product, case- and 0x-insensitive', async () => {
    expect(await resolveSerialPath({ vendorId: '0x2341', productId: '43' }, list)).toBe('/dev/ttyACM0');
  });
  it('uses the serial number to pick between identical adapters', async () => {
    expect(await resolveSerialPath({ vendorId: '0403', productId: '6001', serialNumber: 'B2' }, list)).toBe('/dev/ttyUSB1');
  });
  it('refuses to guess between identical adapters', async () => {
    await expect(resolveSerialPath({ vendorId: '0403', productId: '6001' }, list)).rejects.toThrow(/2 serial ports match usb 0403:6001.*add serialNumber/);
  });
  it('says when nothing matches', async () => {
    await expect(resolveSerialPath({ vendorId: '1a86', productId: '7523' }, list)).rejects.toThrow(/no serial port found for usb 1a86:7523/);
  });
  it('degrades with a clear error when listing fails (no udevadm)', async () => {
    const failing = async (): Promise<ListedPort[]> => {
      throw new Error('spawn udevadm ENOENT');
    };
    const err = await resolveSerialPath({ vendorId: '0403', productId: '6001' }, failing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SerialResolveError);
    expect((err as Error).message).toMatch(/udevadm.*"udev".*spawn udevadm ENOENT/);
  });
  it('lists the real ports through serialport (this machine has udevadm; no USB adapter matches)', async () => {
    await expect(resolveSerialPath({ vendorId: 'fffe', productId: 'fffd' })).rejects.toThrow(/no serial port found|cannot list/);
  });
});
