import type { TechnicalCondition } from '../drivers/core/observation.js';
import { isParamName } from '../drivers/core/parameters.js';

/** IEC 60601-1-8 priority (the same as `Priority` in types.ts, which imports this file). */
type Priority = 'high' | 'medium' | 'low';

/** What the gateway knows about one technical condition. */
export interface TechnicalConditionInfo {
  /** Default priority; `rules.technical.priorities` overrides it per condition. */
  priority: Priority;
  /** For people: the screen, the docs, the simulator's messages. */
  label: string;
  /**
   * `device`: about one device (its alarm carries `deviceId`, one incident per device); `gateway`: about the
   * gateway itself, raised on bed `gateway`; `bed`: about a patient bed's alarms, raised there by the gateway (no device).
   */
  scope: 'device' | 'gateway' | 'bed';
  /**
   * Who raises it: the device's codec (`device`), its driver or the device registry from the link state
   * (`driver`), the rules engine when a bound device is silent (`rules`), or the gateway's own checks (`gateway`).
   */
  raisedBy: 'device' | 'driver' | 'rules' | 'gateway';
}

/**
 * Every technical condition, in one place: the config schema's enum, `wardgate replay`'s input schema, the alarm
 * conditions simulator scenarios may expect, and the docs table (checked by technical.test.ts) derive from it.
 *
 * Default priorities: IEC 60601-1-8 leaves the allocation to risk analysis; these follow the vendor convention
 * (Philips INOPs, Mindray technical alarms): losing the measurement altogether is medium, a degraded or advisory
 * state is low. A buzzer that cannot sound is high: no alarm would be heard.
 */
export const TECHNICAL_CONDITIONS = {
  'sensor-off': { priority: 'medium', label: 'Sensor off', scope: 'device', raisedBy: 'device' },
  'no-sensor': { priority: 'medium', label: 'No sensor', scope: 'device', raisedBy: 'device' },
  'sensor-fault': { priority: 'medium', label: 'Sensor fault', scope: 'device', raisedBy: 'device' },
  'no-contact': { priority: 'medium', label: 'No skin contact', scope: 'device', raisedBy: 'device' },
  'low-perfusion': { priority: 'low', label: 'Low perfusion', scope: 'device', raisedBy: 'device' },
  'pulse-search': { priority: 'low', label: 'Searching for pulse', scope: 'device', raisedBy: 'device' },
  interference: { priority: 'low', label: 'Interference', scope: 'device', raisedBy: 'device' },
  'low-signal': { priority: 'low', label: 'Low signal', scope: 'device', raisedBy: 'device' },
  'low-battery': { priority: 'low', label: 'Low battery', scope: 'device', raisedBy: 'device' },
  'data-invalid': { priority: 'low', label: 'Data invalid', scope: 'device', raisedBy: 'device' },
  'device-alarm-silenced': { priority: 'low', label: 'Device alarm silenced', scope: 'device', raisedBy: 'device' },
  /**
   * The monitor's own alarm (IntelliVue alarm list, HL7 alarm OBX rows), annunciated at the device's priority as a
   * secondary alarm system (IEC 60601-1-8, distributed alarm system); cleared when the device clears it.
   */
  'device-alarm-high': { priority: 'high', label: "Device's own alarm (high)", scope: 'device', raisedBy: 'device' },
  'device-alarm-medium': { priority: 'medium', label: "Device's own alarm (medium)", scope: 'device', raisedBy: 'device' },
  'device-alarm-low': { priority: 'low', label: "Device's own alarm (low)", scope: 'device', raisedBy: 'device' },
  'device-disconnected': { priority: 'medium', label: 'Device disconnected', scope: 'device', raisedBy: 'driver' },
  'no-data': { priority: 'medium', label: 'No data', scope: 'device', raisedBy: 'rules' },
  // Sending, but nothing scorable (demo, test, invalid, questionable ...): the bed is as unmonitored as a silent one.
  'no-valid-data': { priority: 'medium', label: 'No valid data', scope: 'device', raisedBy: 'rules' },
  'device-fault': { priority: 'medium', label: 'Device fault', scope: 'device', raisedBy: 'device' },
  'cuff-fit': { priority: 'low', label: 'Cuff fit', scope: 'device', raisedBy: 'device' },
  'body-movement': { priority: 'low', label: 'Body movement', scope: 'device', raisedBy: 'device' },
  'irregular-pulse': { priority: 'low', label: 'Irregular pulse', scope: 'device', raisedBy: 'device' },
  'store-fault': { priority: 'medium', label: 'Store fault', scope: 'gateway', raisedBy: 'gateway' },
  'disk-budget': { priority: 'low', label: 'Disk budget nearly used', scope: 'gateway', raisedBy: 'gateway' },
  'buzzer-fault': { priority: 'high', label: 'Buzzer fault', scope: 'gateway', raisedBy: 'gateway' },
  'clock-unsynced': { priority: 'low', label: 'Clock not synchronised', scope: 'gateway', raisedBy: 'gateway' },
  /** A whole driver family (BLE, serial, HL7 listener) is down: its devices' measurements are lost, as for a disconnected device. */
  'driver-degraded': { priority: 'medium', label: 'Driver family not running', scope: 'gateway', raisedBy: 'gateway' },
  /**
   * The hospital's alarm manager confirms nothing: alarms reach nurses only on the ward. IEC 60601-1-8 6.11.2 asks
   * that a distributed alarm system's communication failure be a technical alarm; medium, as losing a measurement.
   */
  'alarm-manager-unreachable': { priority: 'medium', label: 'Alarm manager unreachable', scope: 'gateway', raisedBy: 'gateway' },
  /** A page the alarm manager reports rejected, or not accepted in time: the alarm waits on nobody; answer it here. */
  'page-not-accepted': { priority: 'medium', label: 'Page not accepted', scope: 'bed', raisedBy: 'gateway' },
} as const satisfies Record<string, TechnicalConditionInfo>;

export type TechnicalConditionName = keyof typeof TECHNICAL_CONDITIONS;
export const TECHNICAL_CONDITION_NAMES = Object.keys(TECHNICAL_CONDITIONS) as [TechnicalConditionName, ...TechnicalConditionName[]];

export const isTechnicalCondition = (name: string): name is TechnicalConditionName => Object.hasOwn(TECHNICAL_CONDITIONS, name);

/**
 * Whether `name` is a condition an alarm can have: a technical one, `<param>-high` / `<param>-low` of a known
 * parameter, `news2` or `fall` (see `AlarmEvent` in types.ts).
 */
export function isAlarmCondition(name: string): boolean {
  if (isTechnicalCondition(name) || name === 'news2' || name === 'fall') return true;
  const m = /^(.+)-(high|low)$/.exec(name);
  return m !== null && isParamName(m[1] as string);
}

/** Default priority per condition. */
export const TECHNICAL_PRIORITY = Object.fromEntries(TECHNICAL_CONDITION_NAMES.map((c) => [c, TECHNICAL_CONDITIONS[c].priority])) as Record<
  TechnicalConditionName,
  Priority
>;

// Drivers may not import rules/, so the conditions a device or driver reports are typed in drivers/core
// (`TechnicalCondition`). The compiler checks that that union is exactly this registry's device-scope conditions.
type DeviceScoped = { [K in TechnicalConditionName]: (typeof TECHNICAL_CONDITIONS)[K]['scope'] extends 'device' ? K : never }[TechnicalConditionName];
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const DEVICE_CONDITIONS_MATCH_DRIVERS: SameSet<DeviceScoped, TechnicalCondition> = true;
