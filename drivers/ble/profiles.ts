/**
 * What the driver does for each configured profile: the service, the characteristics to subscribe to or read,
 * and the codec for each. UUIDs: Bluetooth SIG Assigned Numbers (GATT services and characteristics).
 * Heart Rate Service v1.0 (0x2A37 notify), Pulse Oximeter Service v1.0.1 (0x2A5F notify and/or 0x2A5E indicate:
 * a device may expose either), Health Thermometer Service v1.0 (0x2A1C indicate), Blood Pressure Service v1.1.1
 * (0x2A35 indicate), Battery Service v1.0 (0x2A19 read, notify optional).
 * BlueZ's StartNotify enables notifications or indications, whichever the characteristic supports.
 */
import type { GattCodecId } from './gatt/index.js';

export type BleProfile = 'heart-rate' | 'pulse-oximeter' | 'thermometer' | 'blood-pressure' | 'battery';

export const BLE_PROFILES: readonly BleProfile[] = ['heart-rate', 'pulse-oximeter', 'thermometer', 'blood-pressure', 'battery'];

export interface ProfileCharacteristic {
  uuid16: GattCodecId;
  /** 'subscribe': StartNotify and decode every Value change; 'read': ReadValue at connect and periodically. */
  access: 'subscribe' | 'read';
}

export interface ProfileSpec {
  service16: string;
  characteristics: ProfileCharacteristic[];
  /** How many of the listed characteristics must exist (pulse oximeters carry one or both). */
  minPresent: number;
}

export const PROFILE_SPECS: Readonly<Record<BleProfile, ProfileSpec>> = {
  'heart-rate': { service16: '180d', characteristics: [{ uuid16: '2a37', access: 'subscribe' }], minPresent: 1 },
  'pulse-oximeter': {
    service16: '1822',
    characteristics: [
      { uuid16: '2a5f', access: 'subscribe' },
      { uuid16: '2a5e', access: 'subscribe' },
    ],
    minPresent: 1,
  },
  thermometer: { service16: '1809', characteristics: [{ uuid16: '2a1c', access: 'subscribe' }], minPresent: 1 },
  'blood-pressure': { service16: '1810', characteristics: [{ uuid16: '2a35', access: 'subscribe' }], minPresent: 1 },
  battery: { service16: '180f', characteristics: [{ uuid16: '2a19', access: 'read' }], minPresent: 1 },
};

export function isBleProfile(p: string): p is BleProfile {
  return (BLE_PROFILES as readonly string[]).includes(p);
}
