import type { DeviceConfig } from '../config/schema.js';
import { BleDriver } from '../drivers/ble/ble-driver.js';
import type { Driver, DriverSink } from '../drivers/core/driver.js';
import { IntellivueDriver } from '../drivers/serial/intellivue/driver.js';
import { SerialDriver, type SerialPortConfig } from '../drivers/serial/serial-driver.js';
import { defaultHl7DeviceId, MllpListener } from '../drivers/tcp/mllp-listener.js';
import type { GatewayConfig } from '../config/schema.js';
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
        onDeviceAlarms: (deviceId, alarms) => {
          log.debug({ deviceId, alarms: alarms.length }, 'intellivue: monitor alarm list');
          sink.deviceAlarms?.(
            deviceId,
            alarms.map((a) => ({
              kind: a.list,
              priority: a.priority,
              text: a.text ?? `${a.list} alarm 0x${a.code.toString(16)} on 0x${a.source.toString(16)}`,
              ...(a.sourceTs !== undefined ? { sourceTs: a.sourceTs } : {}),
            })),
          );
        },
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
 * The HL7 MLLP listener, when enabled. Messages are matched to configured `hl7-tcp` devices by PV1-3 bed (and
 * MSH-4 facility when given); anything else keeps the listener's own id and is dropped as an unknown device.
 */
function hl7ListenerDrivers(devices: DeviceConfig[], sink: DriverSink, log: Logger, config: GatewayConfig): Driver[] {
  const l = config.hl7Listener;
  if (!l.enabled) return [];
  const bound = devices.filter((d) => d.transport === 'hl7-tcp' && d.hl7);
  const listener = new MllpListener({
    sink,
    host: l.host,
    port: l.port,
    maxSilenceMs: l.maxSilenceSeconds * 1000,
    deviceIdOf: (info) => {
      const match = bound.find((d) => d.hl7!.bed === info.bed && (!d.hl7!.facility || d.hl7!.facility === info.sendingFacility));
      return match ? match.id : defaultHl7DeviceId(info);
    },
  });
  const start = listener.start.bind(listener);
  listener.start = async () => {
    await start();
    log.info({ host: l.host, port: listener.address().port }, 'hl7: MLLP listener listening');
  };
  return [listener];
}

/**
 * The driver families the daemon starts for configured serial and BLE devices. MQTT devices need no driver:
 * they publish to the embedded broker.
 */
export function defaultDriverFactories(): DriverFactory[] {
  return [(devices, sink) => serialDrivers(devices, sink), intellivueDrivers, (devices, sink) => bleDrivers(devices, sink), hl7ListenerDrivers];
}
