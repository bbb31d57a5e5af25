import type { DeviceConfig, GatewayConfig } from '../config/schema.js';
import type { Driver, DriverSink } from '../drivers/core/driver.js';
import { getSerialDialect } from '../drivers/serial/dialects.js';
import { hl7QueryPoll } from '../drivers/serial/hl7/query.js';
import { intellivueDialect } from '../drivers/serial/intellivue/codec.js';
import type { SerialPortConfig } from '../drivers/serial/serial-driver.js';
import { ConfigError } from '../config/load.js';
import { probeBluez } from './dbus-probe.js';
import type { DriverFactory, DriverFamily } from './driver-families.js';
import type { Logger } from './log.js';
import { hl7TlsServer } from './tls/hl7-tls.js';
import { senderAllowlist } from './tls/sender-allowlist.js';

// Each family is imported only when a device of that family is configured: an MQTT-only ward never loads
// serialport, node-ble or dbus-next (several MB of resident memory on a Pi).

/** Session dialects (drivers/serial/dialects.ts) and the family below that drives them. */
const SESSION_DIALECTS_WITH_DRIVER: ReadonlySet<string> = new Set([intellivueDialect.name]);

/** Line and byte-framed dialects (drivers/serial/dialects.ts) share one SerialDriver; each port runs on its own. */
async function serialDrivers(devices: DeviceConfig[], sink: DriverSink): Promise<Driver[]> {
  const ports: SerialPortConfig[] = [];
  for (const d of devices) {
    if (d.transport !== 'serial' || !d.serial) continue;
    const s = d.serial;
    const dialect = s.dialect;
    if (getSerialDialect(dialect)?.kind === 'session') {
      // Session dialects have a driver of their own, built below; one without is a wiring mistake, said loudly.
      if (!SESSION_DIALECTS_WITH_DRIVER.has(dialect)) throw new Error(`device ${d.id}: serial dialect '${dialect}' has no driver in gateway/drivers.ts`);
      continue;
    }
    ports.push({
      deviceId: d.id,
      path: s.path ?? { vendorId: s.vendorId!, productId: s.productId! },
      baudRate: s.baudRate,
      dataBits: s.dataBits,
      parity: s.parity,
      stopBits: s.stopBits,
      dialect,
      maxSilenceMs: d.maxSilenceSeconds * 1000,
      ...(s.hl7Query ? { poll: hl7QueryPoll(s.hl7Query) } : {}),
    });
  }
  if (ports.length === 0) return [];
  const { SerialDriver } = await import('../drivers/serial/serial-driver.js');
  return [new SerialDriver({ ports, sink })];
}

/** Philips IntelliVue over MIB/RS232: a request/response session per monitor. */
async function intellivueDrivers(devices: DeviceConfig[], sink: DriverSink, log: Logger): Promise<Driver[]> {
  const monitors = devices.filter((d) => d.transport === 'serial' && d.serial?.dialect === intellivueDialect.name);
  if (monitors.length === 0) return [];
  const { IntellivueDriver } = await import('../drivers/serial/intellivue/driver.js');
  return monitors.map((d) => {
    if (!d.serial?.path) throw new ConfigError('config', [`devices.${d.id}.serial.path: an IntelliVue needs serial.path`]);
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

async function bleDrivers(devices: DeviceConfig[], sink: DriverSink): Promise<Driver[]> {
  const ble = devices.filter((d) => d.transport === 'ble' && d.ble);
  if (ble.length === 0) return [];
  const { BleDriver } = await import('../drivers/ble/ble-driver.js');
  return [
    new BleDriver(
      { devices: ble.map((d) => ({ deviceId: d.id, address: d.ble!.address, profiles: d.ble!.profiles, maxSilenceMs: d.maxSilenceSeconds * 1000 })) },
      sink,
    ),
  ];
}

/**
 * The HL7 MLLP listener, when enabled. Messages are matched to configured `hl7-tcp` devices by PV1-3 bed (and
 * MSH-4 facility when given); anything else is answered AE naming PV1-3 and logged for a technician.
 */
async function hl7ListenerDrivers(devices: DeviceConfig[], sink: DriverSink, log: Logger, config: GatewayConfig): Promise<Driver[]> {
  const l = config.hl7Listener;
  if (!l.enabled) return [];
  const { MllpListener } = await import('../drivers/tcp/mllp-listener.js');
  const bound = devices.filter((d) => d.transport === 'hl7-tcp' && d.hl7);
  const tls = l.tls ? hl7TlsServer(l.tls, l.host, log) : undefined;
  const listener = new MllpListener({
    ...(tls ? { createServer: tls.createServer, reloadTls: tls.reload } : {}),
    senderAllowed: senderAllowlist(bound),
    sink,
    host: l.host,
    port: l.port,
    maxSilenceMs: l.maxSilenceSeconds * 1000,
    deviceIdOf: (info) => {
      const match = bound.find((d) => d.hl7!.bed === info.bed && (!d.hl7!.facility || d.hl7!.facility === info.sendingFacility));
      return match?.id;
    },
  });
  const start = listener.start.bind(listener);
  listener.start = async () => {
    await start();
    log.info({ host: l.host, port: listener.address().port, tls: tls !== undefined }, 'hl7: MLLP listener listening');
  };
  return [listener];
}

/**
 * The driver families the daemon starts for configured serial, BLE and HL7-over-TCP devices, each on its own (one
 * that cannot run leaves the others running). MQTT devices need no driver: they publish to the embedded broker.
 * A serial port that cannot be opened is a device fault (its device is disconnected and retried), not a family's.
 */
export function defaultDriverFamilies(): DriverFamily[] {
  return [
    { name: 'serial', build: (devices, sink) => serialDrivers(devices, sink) },
    { name: 'intellivue', build: intellivueDrivers },
    // BlueZ is reached over the D-Bus system bus; without the bus no BLE device can ever connect.
    { name: 'ble', build: (devices, sink) => bleDrivers(devices, sink), probe: () => probeBluez() },
    { name: 'hl7-listener', build: hl7ListenerDrivers },
  ];
}

/** The same families as bare factories, for callers that need no family names. */
export function defaultDriverFactories(): DriverFactory[] {
  return defaultDriverFamilies().map((f) => f.build);
}
