import type { DeviceAlarmReport } from './observation.js';

/** One alert's start, update or end, as an event-style report says it (e.g. HL7 ORU^R40, IHE PCD-04). */
export interface AlertEvent {
  /** The alert's identity across reports. */
  key: string;
  /** false: the device ended the alert. */
  active: boolean;
  alarm: DeviceAlarmReport;
}

/** What one message says about a device's alarms: its whole list, single alerts' events, or both. */
export interface DeviceAlarmNews {
  deviceAlarms?: DeviceAlarmReport[];
  alertEvents?: AlertEvent[];
}

/**
 * One device's own alarm list, built from both ways a device reports it:
 *  - a list of the alarms present when the message was sent (HL7 ORU^R01 alarm rows): each replaces that part;
 *  - events that say one alert started, goes on or ended (HL7 ORU^R40): each updates that alert alone, so an alert
 *    stays on the list until its own end arrives.
 * The gateway's sink takes the whole list each time (DriverSink.deviceAlarms), so this returns it whole. A driver
 * keeps one per device for as long as it runs (not per connection: a reconnect must not forget an alert that the
 * device still has).
 */
export class DeviceAlertList {
  private listed: DeviceAlarmReport[] = [];
  private readonly reported = new Map<string, DeviceAlarmReport>();

  /** Applies one message's alarms; the device's whole list when the message said anything about alarms, else undefined. */
  apply(d: DeviceAlarmNews): DeviceAlarmReport[] | undefined {
    if (d.deviceAlarms === undefined && d.alertEvents === undefined) return undefined;
    if (d.deviceAlarms !== undefined) this.listed = d.deviceAlarms;
    for (const e of d.alertEvents ?? []) {
      if (e.active) this.reported.set(e.key, e.alarm);
      else this.reported.delete(e.key);
    }
    return [...this.listed, ...this.reported.values()];
  }
}

/** DeviceAlertList per device id (a listener serves many devices), bounded so a sender inventing ids cannot grow it. */
export class DeviceAlertLists {
  private readonly lists = new Map<string, DeviceAlertList>();

  constructor(private readonly max = 4096) {}

  apply(deviceId: string, d: DeviceAlarmNews): DeviceAlarmReport[] | undefined {
    if (d.deviceAlarms === undefined && d.alertEvents === undefined) return undefined;
    let list = this.lists.get(deviceId);
    if (!list) {
      if (this.lists.size >= this.max) this.lists.delete(this.lists.keys().next().value!);
      list = new DeviceAlertList();
      this.lists.set(deviceId, list);
    }
    return list.apply(d);
  }
}
