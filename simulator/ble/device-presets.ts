import type { FakeDeviceSpec } from './bluez-device.js';

/**
 * GATT layouts of the standard health profiles, as a compliant device exposes them
 * (Heart Rate Service 0x180D, Pulse Oximeter Service 0x1822, Health Thermometer Service 0x1809,
 * Blood Pressure Service 0x1810, Battery Service 0x180F). Measurement characteristics of the thermometer and
 * cuff are indicated (HTS v1.0 and BLS v1.1.1), the strap and continuous oximetry are notified.
 */
const battery = (level: number) => ({ uuid16: '180f', characteristics: [{ uuid16: '2a19', flags: ['read', 'notify'], value: Uint8Array.of(level) }] });

export function heartRateStrap(address: string, name = 'HR strap', batteryPct = 80): FakeDeviceSpec {
  return { address, name, services: [{ uuid16: '180d', characteristics: [{ uuid16: '2a37', flags: ['notify'] }] }, battery(batteryPct)] };
}

export function pulseOximeter(address: string, name = 'Pulse oximeter', batteryPct = 80): FakeDeviceSpec {
  return {
    address,
    name,
    services: [
      {
        uuid16: '1822',
        characteristics: [
          { uuid16: '2a5e', flags: ['indicate'] },
          { uuid16: '2a5f', flags: ['notify'] },
        ],
      },
      battery(batteryPct),
    ],
  };
}

export function thermometer(address: string, name = 'Thermometer', batteryPct = 80): FakeDeviceSpec {
  return { address, name, services: [{ uuid16: '1809', characteristics: [{ uuid16: '2a1c', flags: ['indicate'] }] }, battery(batteryPct)] };
}

export function bloodPressureCuff(address: string, name = 'BP cuff', batteryPct = 80): FakeDeviceSpec {
  return { address, name, services: [{ uuid16: '1810', characteristics: [{ uuid16: '2a35', flags: ['indicate'] }] }, battery(batteryPct)] };
}
