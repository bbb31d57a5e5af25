import type { ConnectionState } from '../../core/connection.js';
import type { DriverSink } from '../../core/driver.js';
import type { ConditionReport, DeviceAlarmReport, DeviceEvent, Reading, UnmappedReading } from '../../core/observation.js';
import { waitFor } from '../../../test/helpers/wait.js';

/** A DriverSink that records every call, with a waiter (test support). */
export class RecordingSink implements DriverSink {
  readings: { deviceId: string; reading: Reading }[] = [];
  conditions: { deviceId: string; report: ConditionReport }[] = [];
  events: { deviceId: string; event: DeviceEvent }[] = [];
  connections: { deviceId: string; state: ConnectionState; reason: string; at: number }[] = [];
  errors: { codec: string; deviceId: string; error: string }[] = [];
  unmappedReadings: { deviceId: string; reading: UnmappedReading }[] = [];
  alarmLists: { deviceId: string; alarms: DeviceAlarmReport[] }[] = [];
  rejections: { source: string; deviceId: string; reason: string; detail: string }[] = [];

  unmapped(deviceId: string, reading: UnmappedReading): void {
    this.unmappedReadings.push({ deviceId, reading });
  }
  deviceAlarms(deviceId: string, alarms: DeviceAlarmReport[]): void {
    this.alarmLists.push({ deviceId, alarms });
  }

  reading(deviceId: string, reading: Reading): void {
    this.readings.push({ deviceId, reading });
  }
  condition(deviceId: string, report: ConditionReport): void {
    this.conditions.push({ deviceId, report });
  }
  event(deviceId: string, event: DeviceEvent): void {
    this.events.push({ deviceId, event });
  }
  connection(deviceId: string, state: ConnectionState, reason: string): void {
    this.connections.push({ deviceId, state, reason, at: Date.now() });
  }
  decodeError(codec: string, deviceId: string, error: string): void {
    this.errors.push({ codec, deviceId, error });
  }

  rejected(source: string, deviceId: string, reason: string, detail: string): void {
    this.rejections.push({ source, deviceId, reason, detail });
  }

  lastState(deviceId: string): ConnectionState | undefined {
    return this.connections.filter((c) => c.deviceId === deviceId).at(-1)?.state;
  }

  /** The shared wait (test/helpers/wait.ts), naming the connection history when it times out. */
  async waitFor(what: string, pred: () => boolean, timeoutMs = 10_000): Promise<void> {
    await waitFor(pred, timeoutMs, () => `${what}; connections: ${JSON.stringify(this.connections.map((c) => [c.deviceId, c.state, c.reason]))}`);
  }
}
