import type { ConditionReport, DeviceAlarmReport, DeviceEvent, Reading, UnmappedReading } from './observation.js';

/**
 * Per-device connection state shared by every driver.
 *  connecting   -> the transport is being opened or associated
 *  connected    -> data flows
 *  quiet        -> open, but nothing arrived for the device's maximum silence (unplug detection on
 *                  USB-serial is unreliable, so silence is a disconnect signal of its own)
 *  disconnected -> closed, errored or gone; the driver will retry with backoff
 */
export type ConnectionState = 'connecting' | 'connected' | 'quiet' | 'disconnected';

/**
 * Where a driver delivers what it decodes. The gateway implements it and maps the device to its bed;
 * drivers know nothing of beds, rules or storage.
 */
export interface DriverSink {
  reading(deviceId: string, reading: Reading): void;
  condition(deviceId: string, report: ConditionReport): void;
  event(deviceId: string, event: DeviceEvent): void;
  connection(deviceId: string, state: ConnectionState, reason: string): void;
  /** A frame or line that could not be decoded: counted per codec, logged rate-limited by the gateway. */
  decodeError(codec: string, deviceId: string, error: string): void;
  /** A numeric with a code the parameter table does not map (stored and shown as unmapped, never scored). */
  unmapped?(deviceId: string, reading: UnmappedReading): void;
  /**
   * Something a device sent that the gateway did not take although the frame itself was read (a value that is not
   * a number, a wrong unit, a message for a bed nobody configured, a resent duplicate): counted per reason and
   * logged rate-limited by the gateway.
   */
  rejected?(source: string, deviceId: string, reason: string, detail: string): void;
  /** The device's own current alarm list (replaces the previous one), for devices that export it. */
  deviceAlarms?(deviceId: string, alarms: DeviceAlarmReport[]): void;
}

export interface Driver {
  /** Starts connecting; resolves once started (not once connected). Never throws for a missing device. */
  start(): Promise<void>;
  /** Closes everything the driver opened and awaits it. */
  stop(): Promise<void>;
  /** Drivers that listen with TLS take a new certificate for new connections (SIGHUP); open ones stay. */
  reloadTls?(): void;
}
