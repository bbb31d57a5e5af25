import type { DriverFactory } from './daemon.js';

/**
 * The driver families the daemon starts for configured serial and BLE devices. MQTT devices need no driver:
 * they publish to the embedded broker.
 */
export function defaultDriverFactories(): DriverFactory[] {
  return [];
}
