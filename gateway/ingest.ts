import type { DeviceConfig, GatewayConfig } from '../config/schema.js';
import { DeviceConnection, type ConnectionState } from '../drivers/core/connection.js';
import type { DriverSink } from '../drivers/core/driver.js';
import type { ConditionReport, DeviceAlarmReport, DeviceEvent, Observation, Reading, UnmappedReading } from '../drivers/core/observation.js';
import type { ParamName } from '../drivers/core/parameters.js';
import { isPlausible } from '../drivers/core/parameters.js';
import { decodeEventPayload, decodeVitalsPayload } from '../drivers/mqtt/payload.js';
import type { RulesEngine } from '../rules/engine.js';
import type { RulesOutput } from '../rules/types.js';
import type { Principal } from './broker/broker.js';
import type { Logger, RateLimitedLog } from './log.js';
import type { WardgateMetrics } from './metrics/registry.js';
import type { ScreenServer } from './screen/server.js';
import { checkSecret } from './secrets.js';
import type { Store } from './store/store.js';
import type { WardState } from './ward-state.js';

/** Flags that keep a value off the rules: shown on the screen, never scored. */
const UNSCORED = new Set(['invalid', 'demo', 'questionable', 'out-of-range']);

export interface GatewayCounters {
  observations: number;
  decodeErrors: Record<string, number>;
  unknownDevice: number;
  implausible: number;
  alarmsPublished: number;
  storeFailures: number;
}

export interface IngestOptions {
  gatewayId: string;
  devices: DeviceConfig[];
  /** The broker's service accounts (read at each login, so a reload applies). */
  brokerUsers: () => GatewayConfig['broker']['users'];
  store: Store;
  rules: RulesEngine;
  ward: WardState;
  metrics: WardgateMetrics;
  counters: GatewayCounters;
  screen: () => ScreenServer | undefined;
  apply: (out: RulesOutput) => void;
  news2Soon: (bed: string) => void;
  broadcastBed: (bed: string) => void;
  log: Logger;
  limited: RateLimitedLog;
  now: () => number;
  stopping: () => boolean;
}

/**
 * Everything that comes in from devices: MQTT logins and publishes on the embedded broker, and what the drivers
 * deliver (readings, technical conditions, events, connection states, device alarm lists, decode errors). A value
 * becomes an observation (stored, shown, scored by the rules) only from a configured device and when plausible.
 */
export class Ingest implements DriverSink {
  private readonly devices = new Map<string, DeviceConfig>();
  private readonly connections = new Map<string, DeviceConnection>();
  /** Open MQTT sessions per device (a device can briefly have two while it reconnects). */
  private readonly mqttSessions = new Map<string, number>();
  /** Per device, the priorities of its own alarms currently annunciated. */
  private readonly deviceAlarmLevels = new Map<string, Set<string>>();
  /** device + code pairs already logged as unmapped. */
  private readonly unmappedLogged = new Set<string>();

  constructor(private readonly opts: IngestOptions) {
    for (const d of opts.devices) this.devices.set(d.id, d);
  }

  /** Watches every configured device for silence and connection changes. */
  start(): void {
    for (const d of this.devices.values()) this.watch(d);
  }

  stop(): void {
    for (const c of this.connections.values()) c.stop();
  }

  private watch(d: DeviceConfig): DeviceConnection {
    this.connections.get(d.id)?.stop();
    const conn = new DeviceConnection({ deviceId: d.id, sink: this, maxSilenceMs: d.maxSilenceSeconds * 1000 });
    this.connections.set(d.id, conn);
    return conn;
  }

  /** A reload: the new device list, devices whose binding changed are watched afresh, removed ones forgotten. */
  rebind(devices: DeviceConfig[], changed: DeviceConfig[], removed: DeviceConfig[]): void {
    this.devices.clear();
    for (const d of devices) this.devices.set(d.id, d);
    for (const d of changed) {
      const conn = this.watch(d);
      this.opts.ward.addDevice(d);
      // An MQTT wearable that stays connected through the reload keeps being watched for silence.
      if (d.transport === 'mqtt' && (this.mqttSessions.get(d.id) ?? 0) > 0) conn.opened('config reloaded');
    }
    for (const d of removed) {
      this.connections.get(d.id)?.stop();
      this.connections.delete(d.id);
      this.opts.ward.removeDevice(d.id);
    }
  }

  authenticate(username: string, password: string, certName?: string): Principal | null {
    // A verified client certificate logs in the device named by its subject CN, if that device allows it.
    const byCert = certName === undefined ? undefined : this.devices.get(certName);
    if (byCert?.transport === 'mqtt' && byCert.clientCert && (!username || username === byCert.id)) return { kind: 'device', name: byCert.id, subscribe: [] };
    const device = this.devices.get(username);
    if (device && device.transport === 'mqtt') {
      return checkSecret(password, device.password, device.passwordHash) ? { kind: 'device', name: device.id, subscribe: [] } : null;
    }
    const user = this.opts.brokerUsers().find((u) => u.username === username);
    if (user && checkSecret(password, user.password, user.passwordHash)) return { kind: 'service', name: user.username, subscribe: user.subscribe };
    return null;
  }

  onDeviceConnection(deviceId: string, connected: boolean): void {
    const conn = this.connections.get(deviceId);
    if (!conn) return;
    // A wearable that reconnects under a new client id overlaps its old session for a moment: the device is
    // disconnected only when its last session ends.
    const sessions = Math.max(0, (this.mqttSessions.get(deviceId) ?? 0) + (connected ? 1 : -1));
    this.mqttSessions.set(deviceId, sessions);
    if (connected && sessions === 1) conn.opened('mqtt client connected');
    else if (!connected && sessions === 0) conn.disconnected('mqtt client disconnected');
  }

  onDevicePublish(deviceId: string, topic: string, payload: Buffer): void {
    const now = this.opts.now();
    const isEvent = topic.startsWith('events/');
    const result = isEvent ? decodeEventPayload(payload) : decodeVitalsPayload(payload, now);
    this.connections.get(deviceId)?.dataReceived();
    if (result.error) {
      this.decodeError(isEvent ? 'mqtt-event' : 'mqtt-vitals', deviceId, result.error);
      return;
    }
    for (const item of result.items) {
      if (item.kind === 'reading') this.acceptReading(deviceId, item, 'mqtt');
      else if (item.kind === 'condition') this.condition(deviceId, item);
      else if (item.kind === 'event') this.event(deviceId, item);
      else this.unmapped(deviceId, item);
    }
  }

  /** DriverSink: a decoded value from any driver. */
  reading(deviceId: string, reading: Reading): void {
    this.connections.get(deviceId)?.dataReceived();
    const d = this.devices.get(deviceId);
    this.acceptReading(deviceId, reading, d?.transport ?? 'unknown');
  }

  private acceptReading(deviceId: string, reading: Reading, source: string): void {
    const { counters, metrics, limited } = this.opts;
    const device = this.devices.get(deviceId);
    if (!device) {
      counters.unknownDevice += 1;
      metrics.recordDrop('unknown-device');
      limited.warn(`unknown:${deviceId}`, { deviceId }, 'ingest: reading from an unconfigured device dropped');
      return;
    }
    if (!isPlausible(reading.param, reading.value)) {
      counters.implausible += 1;
      metrics.recordDrop('implausible');
      limited.warn(`implausible:${deviceId}`, { deviceId, param: reading.param, value: reading.value }, 'ingest: implausible value dropped');
      return;
    }
    const now = this.opts.now();
    // Fields listed, not spread: one object shape for every observation keeps this hot path monomorphic
    // (the spread cost ~6 us per sample at saturation; bench/load, docs/performance.md).
    const o: Observation = {
      param: reading.param,
      value: reading.value,
      unit: reading.unit,
      channel: reading.channel,
      sourceTs: reading.sourceTs,
      sourceSeq: reading.sourceSeq,
      flags: reading.flags ?? [],
      gatewayId: this.opts.gatewayId,
      deviceId,
      bedId: device.bed,
      source,
      receivedAt: now,
      seq: this.opts.store.nextSeq(),
    };
    counters.observations += 1;
    metrics.recordObservation(source, o.param);
    if (!this.opts.store.queueObservation(o)) metrics.recordDrop('queue-full');
    this.opts.ward.observation(o);
    const screen = this.opts.screen();
    screen?.observe(o);
    if (screen && screen.clientCount > 0) {
      screen.broadcast({ type: 'vitals', bed: o.bedId, param: o.param, vital: { value: o.value, unit: o.unit, at: o.receivedAt, deviceId, flags: o.flags } });
    }
    if (o.flags.some((f) => UNSCORED.has(f))) return;
    this.opts.apply(this.opts.rules.observe(o));
    this.opts.news2Soon(o.bedId);
  }

  /**
   * DriverSink: a numeric whose code the parameter table does not map. Stored (param `unmapped:<code>`, flag
   * 'unmapped', the unit as sent), shown on the bed's "more" row, counted by code; never given to the rules.
   * Logged once per code and device.
   */
  unmapped(deviceId: string, u: UnmappedReading): void {
    this.connections.get(deviceId)?.dataReceived();
    const device = this.devices.get(deviceId);
    if (!device || !Number.isFinite(u.value)) return;
    const now = this.opts.now();
    const key = `${deviceId}\u0000${u.code}`;
    if (!this.unmappedLogged.has(key) && this.unmappedLogged.size < 10_000) {
      this.unmappedLogged.add(key);
      this.opts.log.info({ deviceId, code: u.code, label: u.label, unit: u.unit, channel: u.channel }, 'ingest: numeric with an unmapped code kept as unmapped (stored and shown, never scored)');
    }
    this.opts.metrics.recordUnmapped(u.code);
    const o: Observation = {
      // The store keeps any name; the rules never see this observation.
      param: `unmapped:${u.code}` as ParamName,
      value: u.value,
      unit: u.unit,
      channel: u.channel,
      sourceTs: u.sourceTs,
      sourceSeq: undefined,
      flags: ['unmapped'],
      gatewayId: this.opts.gatewayId,
      deviceId,
      bedId: device.bed,
      source: device.transport,
      receivedAt: now,
      seq: this.opts.store.nextSeq(),
    };
    if (!this.opts.store.queueObservation(o)) this.opts.metrics.recordDrop('queue-full');
    const more = { code: u.code, ...(u.label ? { label: u.label } : {}), value: u.value, unit: u.unit, ...(u.channel ? { channel: u.channel } : {}), at: now, deviceId };
    this.opts.ward.more(device.bed, more);
    const screen = this.opts.screen();
    if (screen && screen.clientCount > 0) screen.broadcast({ type: 'more', bed: device.bed, more });
  }

  /** DriverSink: a technical condition a codec reported (sensor off, low battery ...). */
  condition(deviceId: string, report: ConditionReport): void {
    const device = this.devices.get(deviceId);
    if (!device) return;
    this.opts.apply(this.opts.rules.technical({ bed: device.bed, deviceId, condition: report.condition, active: report.active, at: this.opts.now(), detail: report.detail }));
  }

  /** DriverSink: a patient event (fall). */
  event(deviceId: string, event: DeviceEvent): void {
    const device = this.devices.get(deviceId);
    if (!device) return;
    this.opts.apply(this.opts.rules.deviceEvent(device.bed, deviceId, event.event, this.opts.now()));
  }

  /** DriverSink: connection state of a device; leaving 'connected' raises 'device-disconnected' and withdraws live values. */
  connection(deviceId: string, state: ConnectionState, reason: string): void {
    const device = this.devices.get(deviceId);
    if (!device || this.opts.stopping()) return;
    const now = this.opts.now();
    this.opts.log.info({ deviceId, state, reason }, 'device: connection state');
    try {
      this.opts.store.recordDeviceState(deviceId, state, reason, now);
    } catch (err) {
      this.opts.log.error({ err }, 'store: device state not recorded');
    }
    const view = this.opts.ward.device(deviceId, state, reason, now);
    const bed = this.opts.ward.bed(device.bed);
    this.opts.screen()?.broadcast({ type: 'device', device: view, bed });
    if (state === 'connected') {
      this.opts.apply(this.opts.rules.technical({ bed: device.bed, deviceId, condition: 'device-disconnected', active: false, at: now }));
    } else if (state === 'quiet' || state === 'disconnected') {
      this.opts.apply(this.opts.rules.technical({ bed: device.bed, deviceId, condition: 'device-disconnected', active: true, at: now, detail: reason }));
    }
  }

  /** DriverSink: the device's own alarm list, shown beside the gateway's alarms, never scored. */
  deviceAlarms(deviceId: string, alarms: DeviceAlarmReport[]): void {
    const device = this.devices.get(deviceId);
    if (!device) return;
    this.opts.ward.deviceAlarms(device.bed, deviceId, alarms.map((a) => ({ kind: a.kind, priority: a.priority, text: a.text })));
    this.opts.broadcastBed(device.bed);
    // The device's own alarms reach the buzzer and the screen at the device's priority (one alarm per priority and
    // device, its detail the device's texts); an empty list clears them. Acknowledging at the gateway silences the
    // gateway's annunciation only: the device keeps alarming until it clears.
    const now = this.opts.now();
    const seen = this.deviceAlarmLevels.get(deviceId) ?? new Set<string>();
    const next = new Set<string>();
    for (const p of ['high', 'medium', 'low'] as const) {
      const texts = alarms.filter((a) => a.priority === p).map((a) => a.text);
      if (texts.length > 0) {
        next.add(p);
        if (!seen.has(p)) this.opts.apply(this.opts.rules.technical({ bed: device.bed, deviceId, condition: `device-alarm-${p}`, active: true, at: now, detail: texts.join('; ') }));
      } else if (seen.has(p)) {
        this.opts.apply(this.opts.rules.technical({ bed: device.bed, deviceId, condition: `device-alarm-${p}`, active: false, at: now }));
      }
    }
    this.deviceAlarmLevels.set(deviceId, next);
  }

  decodeError(codec: string, deviceId: string, error: string): void {
    this.opts.counters.decodeErrors[codec] = (this.opts.counters.decodeErrors[codec] ?? 0) + 1;
    this.opts.metrics.recordDecodeError(codec);
    this.opts.limited.warn(`decode:${codec}:${deviceId}`, { codec, deviceId, error }, 'ingest: bad frame dropped');
  }
}
