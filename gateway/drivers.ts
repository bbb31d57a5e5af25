import type { DeviceConfig } from '../config/schema.js';
import { BleDriver } from '../drivers/ble/ble-driver.js';
import type { Driver, DriverSink } from '../drivers/core/driver.js';
import { IntellivueDriver } from '../drivers/serial/intellivue/driver.js';
import { SerialDriver, type SerialPortConfig } from '../drivers/serial/serial-driver.js';
import type { DriverFactory } from './daemon.js';
import type { Logger } from './log.js';

/** Line and framed dialects (masimo, hl7, ndjson) share one SerialDriver; each port runs on its own. */
function serialDrivers(devices: DeviceConfig[], sink: DriverSink): Driver[] {
  const ports: SerialPortConfig[] = [];
  for (const d of devices) {
    if (d.transport !== 'serial' || !d.serial) continue;
    const s = d.serial;
    const dialect = s.dialect;
    if (dialect === 'intellivue') continue;
    ports.push({
      deviceId: d.id,
      path: s.path ?? { vendorId: s.vendorId!, productId: s.productId! },
      baudRate: s.baudRate,
      dataBits: s.dataBits,
      parity: s.parity,
      stopBits: s.stopBits,
      dialect,
      maxSilenceMs: d.maxSilenceSeconds * 1000,
    });
  }
  return ports.length > 0 ? [new SerialDriver({ ports, sink })] : [];
}

/** Philips IntelliVue over MIB/RS232: a request/response session per monitor. */
function intellivueDrivers(devices: DeviceConfig[], sink: DriverSink, log: Logger): Driver[] {
  return devices
    .filter((d) => d.transport === 'serial' && d.serial?.dialect === 'intellivue')
    .map((d) => {
      if (!d.serial?.path) throw new Error(`device ${d.id}: an IntelliVue needs serial.path`);
      const baud = d.serial.baudRate === 19200 ? 19200 : 115200;
      return new IntellivueDriver({
        deviceId: d.id,
        path: d.serial.path,
        sink,
        baudRate: baud,
        onDeviceAlarms: (deviceId, alarms) => log.debug({ deviceId, alarms: alarms.length }, 'intellivue: monitor alarm list'),
      });
    });
}

function bleDrivers(devices: DeviceConfig[], sink: DriverSink): Driver[] {
  const ble = devices.filter((d) => d.transport === 'ble' && d.ble);
  if (ble.length === 0) return [];
  return [
    new BleDriver(
      { devices: ble.map((d) => ({ deviceId: d.id, address: d.ble!.address, profiles: d.ble!.profiles, maxSilenceMs: d.maxSilenceSeconds * 1000 })) },
      sink,
    ),
  ];
}

/**
 * The driver families the daemon starts for configured serial and BLE devices. MQTT devices need no driver:
 * they publish to the embedded broker.
 */
export function defaultDriverFactories(): DriverFactory[] {
  return [(devices, sink) => serialDrivers(devices, sink), intellivueDrivers, (devices, sink) => bleDrivers(devices, sink)];
}
