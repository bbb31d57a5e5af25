/**
 * What the driver does for each configured profile: the service, the characteristics to subscribe to or read,
 * and the codec for each. UUIDs: Bluetooth SIG Assigned Numbers (GATT services and characteristics).
 * Heart Rate Service v1.0 (0x2A37 notify), Pulse Oximeter Service v1.0.1 (0x2A5F notify and/or 0x2A5E indicate:
 * a device may expose either), Health Thermometer Service v1.0 (0x2A1C indicate), Blood Pressure Service v1.1.1
 * (0x2A35 indicate), Battery Service v1.0 (0x2A19 read, notify optional).
 * BlueZ's StartNotify enables notifications or indications, whichever the characteristic supports.
 */
import type { GattCodecId } from './gatt/index.js';

/** A profile's config name (`ble.profiles`); one of bleProfileNames(). */
export type BleProfile = string;

export interface ProfileCharacteristic {
  uuid16: GattCodecId;
  /** 'subscribe': StartNotify and decode every Value change; 'read': ReadValue at connect and periodically. */
  access: 'subscribe' | 'read';
}

export interface ProfileSpec {
  /** The name in `ble.profiles`. */
  name: string;
  /** One line for docs/ble.md's table: the service and characteristics, how they are read. */
  summary: string;
  service16: string;
  characteristics: ProfileCharacteristic[];
  /** How many of the listed characteristics must exist (pulse oximeters carry one or both). */
  minPresent: number;
}

/**
 * The BLE profiles: the one list. The config schema (`ble.profiles`) and docs/ble.md's table are derived from
 * it. Adding a profile whose characteristics have GATT codecs (gatt/index.ts): one entry here
 * (docs/architecture.md, "Add a BLE profile").
 */
const BUILT_IN: readonly ProfileSpec[] = [
  { name: 'heart-rate', summary: 'Heart Rate 0x180D: 0x2A37 notify', service16: '180d', characteristics: [{ uuid16: '2a37', access: 'subscribe' }], minPresent: 1 },
  {
    name: 'pulse-oximeter',
    summary: 'Pulse Oximeter 0x1822: 0x2A5F notify and/or 0x2A5E indicate',
    service16: '1822',
    characteristics: [
      { uuid16: '2a5f', access: 'subscribe' },
      { uuid16: '2a5e', access: 'subscribe' },
    ],
    minPresent: 1,
  },
  { name: 'thermometer', summary: 'Health Thermometer 0x1809: 0x2A1C indicate', service16: '1809', characteristics: [{ uuid16: '2a1c', access: 'subscribe' }], minPresent: 1 },
  { name: 'blood-pressure', summary: 'Blood Pressure 0x1810: 0x2A35 indicate', service16: '1810', characteristics: [{ uuid16: '2a35', access: 'subscribe' }], minPresent: 1 },
  { name: 'battery', summary: 'Battery 0x180F: 0x2A19 read at connect, then periodically', service16: '180f', characteristics: [{ uuid16: '2a19', access: 'read' }], minPresent: 1 },
];

const registry = new Map<string, ProfileSpec>(BUILT_IN.map((p) => [p.name, p]));

/** Adds a profile at run time (tests and fixtures; built-in profiles belong in the list above). */
export function registerBleProfile(spec: ProfileSpec): () => void {
  if (registry.has(spec.name)) throw new Error(`BLE profile '${spec.name}' is already registered`);
  registry.set(spec.name, spec);
  return () => registry.delete(spec.name);
}

export function bleProfileNames(): string[] {
  return [...registry.keys()];
}

export function bleProfiles(): ProfileSpec[] {
  return [...registry.values()];
}

export function getBleProfile(name: string): ProfileSpec | undefined {
  return registry.get(name);
}

export function isBleProfile(p: string): p is BleProfile {
  return registry.has(p);
}
