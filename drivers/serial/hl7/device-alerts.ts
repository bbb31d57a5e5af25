import type { DeviceAlarmReport } from '../../core/observation.js';
import type { AlertEvent } from './alert-report.js';

/**
 * One HL7 device's own alarm list, built from both ways a device reports it:
 *  - ORU^R01 alarm rows (alerts.ts) list the alarms present when the message was sent: each such message replaces
 *    that part of the list;
 *  - ORU^R40 reports (IHE PCD-04, alert-report.ts) say one alert started, goes on or ended: each updates that alert
 *    alone, so an alert stays on the list until its own `end` (or `inactive` state) arrives.
 * The gateway's sink takes the whole list each time (DriverSink.deviceAlarms), so this returns it whole.
 */
export class DeviceAlertList {
  private listed: DeviceAlarmReport[] = [];
  private readonly reported = new Map<string, DeviceAlarmReport>();

  /** Applies one message's alarms; the device's whole list when the message said anything about alarms, else undefined. */
  apply(d: { deviceAlarms?: DeviceAlarmReport[]; alertEvents?: AlertEvent[] }): DeviceAlarmReport[] | undefined {
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

  apply(deviceId: string, d: { deviceAlarms?: DeviceAlarmReport[]; alertEvents?: AlertEvent[] }): DeviceAlarmReport[] | undefined {
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
