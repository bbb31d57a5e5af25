import { Counter } from 'prom-client';
import type { DeviceConfig, GatewayConfig } from '../config/schema.js';
import type { ConnectionState } from '../drivers/core/connection.js';
import { fingerprint } from '../drivers/core/fingerprint.js';
import type { DriverSink } from '../drivers/core/driver.js';
import { NO_FLAGS, type ConditionReport, type Decoded, type DeviceAlarmReport, type DeviceEvent, type Observation, type ObservationMessage, type Reading, type UnmappedReading } from '../drivers/core/observation.js';
import type { ParamName } from '../drivers/core/parameters.js';
import { isPlausible } from '../drivers/core/parameters.js';
import { isScorable } from '../drivers/core/quality.js';
import { withTemperatureSite } from '../drivers/core/temperature-site.js';
import { decodeEventPayload, decodeVitalsPayload } from '../drivers/mqtt/payload.js';
import type { RulesEngine } from '../rules/engine.js';
import type { RulesOutput } from '../rules/types.js';
import type { Principal } from './broker/broker.js';
import { DevicePresence } from './device-presence.js';
import { RedeliveryFilter } from './redelivery-filter.js';
import type { Logger, RateLimitedLog } from './log.js';
import type { WardgateMetrics } from './metrics/registry.js';
import type { ScreenServer } from './screen/server.js';
import { SecretVerifier } from './secret-verifier.js';
import type { Store } from './store/store.js';
import type { VitalValue, WardState } from './ward-state.js';

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
  /** device + code pairs already logged as unmapped. */
  private readonly unmappedLogged = new Set<string>();
  private readonly presence: DevicePresence;
  private readonly rejections: Counter<'source' | 'reason'>;
  private readonly verifier = new SecretVerifier();
  /** Samples seen in the last 10 minutes (the last 1,024 per device), for de-duplication of redelivered ones. */
  private readonly redeliveries = new RedeliveryFilter(10 * 60_000, 1024);

  constructor(private readonly opts: IngestOptions) {
    for (const d of opts.devices) this.devices.set(d.id, d);
    this.rejections = new Counter({
      name: 'wardgate_device_data_rejected_total',
      help: 'Readings and messages devices sent that were read but not taken (bad value, wrong unit, unknown bed, resent duplicate), by source and reason',
      labelNames: ['source', 'reason'] as const,
      registers: [opts.metrics.registry],
    });
    this.presence = new DevicePresence({
      out: {
        state: (id, state, reason) => this.presenceState(id, state, reason),
        condition: (id, condition, active, detail) => this.presenceCondition(id, condition, active, detail),
      },
    });
  }

  /** Watches every configured device for silence (and serial/BLE links for loss), each with its start-up grace. */
  start(): void {
    this.presence.start([...this.devices.values()]);
  }

  stop(): void {
    this.presence.stop();
  }

  /** A reload: the new device list, devices whose binding changed are watched afresh, removed ones forgotten. */
  rebind(devices: DeviceConfig[], changed: DeviceConfig[], removed: DeviceConfig[]): void {
    this.verifier.clear();
    this.devices.clear();
    for (const d of devices) this.devices.set(d.id, d);
    for (const d of changed) {
      this.presence.add(d);
      this.opts.ward.addDevice(d);
    }
    for (const d of removed) {
      this.presence.remove(d.id);
      this.redeliveries.forget(d.id);
      this.opts.ward.removeDevice(d.id);
    }
  }

  /**
   * A broker login: a device (its own topics) or a service account (its subscriptions). Hashed secrets are checked
   * off the event loop and bounded (SecretVerifier); 'busy' asks the client to retry later.
   */
  async authenticate(username: string, password: string, certName?: string, alive?: () => boolean): Promise<Principal | null | 'busy'> {
    // A verified client certificate logs in the device named by its subject CN, if that device allows it.
    const byCert = certName === undefined ? undefined : this.devices.get(certName);
    if (byCert?.transport === 'mqtt' && byCert.clientCert && (!username || username === byCert.id)) return { kind: 'device', name: byCert.id, subscribe: [] };
    const device = this.devices.get(username);
    const user = device?.transport === 'mqtt' ? undefined : this.opts.brokerUsers().find((u) => u.username === username);
    const account = device?.transport === 'mqtt' ? device : user;
    if (!account) return null;
    const verdict = await this.verifier.verify(username, password, account.password, account.passwordHash, alive);
    if (verdict === 'busy' || verdict === 'backoff' || verdict === 'gone') return 'busy';
    if (verdict !== 'ok') return null;
    if (device?.transport === 'mqtt') return { kind: 'device', name: device.id, subscribe: [] };
    return user ? { kind: 'service', name: user.username, subscribe: user.subscribe } : null;
  }

  /** An MQTT session of a device opened or closed: not by itself a sign of anything (see DevicePresence). */
  onDeviceConnection(deviceId: string, connected: boolean): void {
    this.opts.log.debug({ deviceId, connected }, 'device: mqtt session');
  }

  onDevicePublish(deviceId: string, topic: string, payload: Buffer): void {
    const now = this.opts.now();
    const isEvent = topic.startsWith('events/');
    const result = isEvent ? decodeEventPayload(payload) : decodeVitalsPayload(payload, now);
    this.presence.data(deviceId);
    if (result.error) {
      this.decodeError(isEvent ? 'mqtt-event' : 'mqtt-vitals', deviceId, result.error);
      return;
    }
    if (!isEvent && this.isRedelivery(deviceId, result.items, payload)) {
      this.rejected('mqtt', deviceId, 'duplicate', 'sample redelivered (same seq, same payload): stored and scored once');
      return;
    }
    this.take(deviceId, result.items, 'mqtt');
  }

  /**
   * The items of one decoded message, in order. Consecutive readings go on together as one message (one record, one
   * row, one rules call); a condition, event or unmapped value between them is handled in its place.
   */
  private take(deviceId: string, items: readonly Decoded[], source: string): void {
    let readings: Reading[] | undefined;
    for (const item of items) {
      if (item.kind === 'reading') {
        (readings ??= []).push(item);
        continue;
      }
      if (readings) this.acceptReadings(deviceId, readings, source);
      readings = undefined;
      if (item.kind === 'condition') this.condition(deviceId, item);
      else if (item.kind === 'event') this.event(deviceId, item);
      else this.unmapped(deviceId, item);
    }
    if (readings) this.acceptReadings(deviceId, readings, source);
  }

  /** A QoS 1 redelivery: the same `seq` with the same bytes from the same device within the window. */
  private isRedelivery(deviceId: string, items: readonly { kind: string; sourceSeq?: number }[], payload: Buffer): boolean {
    let seq: number | undefined;
    for (const i of items) if ((seq = i.sourceSeq) !== undefined) break;
    if (seq === undefined) return false;
    return this.redeliveries.seen(deviceId, seq, fingerprint(payload));
  }

  /** DriverSink: a decoded value from any driver. */
  reading(deviceId: string, reading: Reading): void {
    this.presence.data(deviceId);
    const d = this.devices.get(deviceId);
    this.acceptReadings(deviceId, [reading], d?.transport ?? 'unknown');
  }

  /**
   * Readings that arrived together: those from a configured device with a plausible value become one observation
   * message, stored as one row, shown, and judged by the rules in one call.
   */
  private acceptReadings(deviceId: string, raw: readonly Reading[], source: string): void {
    if (raw.length === 0) return;
    const { counters, metrics, limited } = this.opts;
    const device = this.devices.get(deviceId);
    if (!device) {
      counters.unknownDevice += raw.length;
      for (let k = 0; k < raw.length; k++) metrics.recordDrop('unknown-device');
      limited.warn(`unknown:${deviceId}`, { deviceId }, 'ingest: reading from an unconfigured device dropped');
      return;
    }
    const readings: Reading[] = [];
    /** Where implausible readings were, as counts of readings taken before each (rare: usually undefined). */
    let cuts: number[] | undefined;
    let scorable = false;
    for (const r of raw) {
      const reading = withTemperatureSite(r, device.temperatureSite); // skin/peripheral sites never feed NEWS2
      if (!isPlausible(reading.param, reading.value)) {
        (cuts ??= []).push(readings.length);
        counters.implausible += 1;
        metrics.recordDrop('implausible');
        limited.warn(`implausible:${deviceId}`, { deviceId, param: reading.param, value: reading.value }, 'ingest: implausible value dropped');
        continue;
      }
      readings.push(reading);
      metrics.recordObservation(source, reading.param);
      scorable ||= isScorable(reading.flags ?? NO_FLAGS);
    }
    const store = this.opts.store;
    const firstSeq = readings.length > 0 ? store.nextSeq() : 0;
    for (let k = 1; k < readings.length; k++) store.nextSeq(); // one sequence per reading, consecutive
    const m: ObservationMessage = { gatewayId: this.opts.gatewayId, deviceId, bedId: device.bed, source, receivedAt: this.opts.now(), firstSeq, readings };
    if (readings.length > 0) {
      counters.observations += readings.length;
      for (let shed = store.queueMessage(m); shed > 0; shed--) metrics.recordDrop('queue-full');
      const screen = this.opts.screen();
      const shown: VitalValue[] | undefined = screen && screen.clientCount > 0 ? [] : undefined;
      this.opts.ward.message(m, shown);
      screen?.observeMessage(m);
      if (screen && shown) shown.forEach((vital, k) => screen.broadcast({ type: 'vitals', bed: m.bedId, param: readings[k]?.param, vital }));
    }
    this.judge(m, cuts);
    if (scorable) this.opts.news2Soon(m.bedId);
  }

  /**
   * The rules see every reading (a device sending only unusable values is not silent, it raises no-valid-data) and
   * score only those drivers/core/quality.ts allows: the message in one call, unless implausible readings were
   * dropped from it, which count as unusable data in their place between the parts before and after them.
   */
  private judge(m: ObservationMessage, cuts: readonly number[] | undefined): void {
    const { apply, rules } = this.opts;
    if (cuts === undefined) {
      apply(rules.observeMessage(m));
      return;
    }
    const part = (from: number, to: number): ObservationMessage => ({ ...m, firstSeq: m.firstSeq + from, readings: m.readings.slice(from, to) });
    let start = 0;
    for (const cut of cuts) {
      if (cut > start) apply(rules.observeMessage(part(start, cut)));
      this.unusable(m.deviceId);
      start = cut;
    }
    if (m.readings.length > start) apply(rules.observeMessage(part(start, m.readings.length)));
  }

  /**
   * DriverSink: a numeric whose code the parameter table does not map. Stored (param `unmapped:<code>`, flag
   * 'unmapped', the unit as sent), shown on the bed's "more" row, counted by code; never given to the rules.
   * Logged once per code and device.
   */
  unmapped(deviceId: string, u: UnmappedReading): void {
    this.presence.data(deviceId);
    const device = this.devices.get(deviceId);
    if (!device) return;
    this.unusable(deviceId);
    if (!Number.isFinite(u.value)) return;
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
      site: undefined,
      sourceTs: u.sourceTs,
      sourceSeq: undefined,
      sourceMessageId: undefined,
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
    this.unusable(deviceId); // a status is data, not a value: the device is not silent, and it sent nothing to score
    this.opts.apply(this.opts.rules.technical({ bed: device.bed, deviceId, condition: report.condition, active: report.active, at: this.opts.now(), detail: report.detail }));
  }

  /** DriverSink: a patient event (fall). */
  event(deviceId: string, event: DeviceEvent): void {
    const device = this.devices.get(deviceId);
    if (!device) return;
    this.opts.apply(this.opts.rules.deviceEvent(device.bed, deviceId, event.event, this.opts.now()));
  }

  /** DriverSink: a driver's link state; what it means for alarms is DevicePresence's to decide. */
  connection(deviceId: string, state: ConnectionState, reason: string): void {
    if (!this.devices.has(deviceId) || this.opts.stopping()) return;
    if (!this.presence.link(deviceId, state, reason)) this.opts.log.debug({ deviceId, state, reason }, 'device: link state (data decides)');
  }

  /** A device's state for the store and the screen; leaving 'connected' withdraws its live values. */
  private presenceState(deviceId: string, state: ConnectionState, reason: string): void {
    if (this.opts.stopping()) return;
    const now = this.opts.now();
    this.opts.log.info({ deviceId, state, reason }, 'device: connection state');
    try {
      this.opts.store.recordDeviceState(deviceId, state, reason, now);
    } catch (err) {
      this.opts.log.error({ err }, 'store: device state not recorded');
    }
    const view = this.opts.ward.device(deviceId, state, reason, now);
    const device = this.devices.get(deviceId);
    if (!device) return;
    this.opts.screen()?.broadcast({ type: 'device', device: view, bed: this.opts.ward.bed(device.bed) });
  }

  private presenceCondition(deviceId: string, condition: 'device-disconnected', active: boolean, detail?: string): void {
    const device = this.devices.get(deviceId);
    if (!device || this.opts.stopping()) return;
    const at = this.opts.now();
    this.opts.apply(this.opts.rules.technical({ bed: device.bed, deviceId, condition, active, at, ...(detail ? { detail } : {}) }));
  }

  /** DriverSink: the device's own alarm list, shown beside the gateway's alarms, never scored. */
  deviceAlarms(deviceId: string, alarms: DeviceAlarmReport[]): void {
    const device = this.devices.get(deviceId);
    if (!device) return;
    this.opts.ward.deviceAlarms(device.bed, deviceId, alarms.map((a) => ({ kind: a.kind, priority: a.priority, text: a.text })));
    this.opts.broadcastBed(device.bed);
    // The device's own alarms reach the buzzer and the screen at the device's priority, one alarm per priority and
    // device; which list change raises, re-annunciates, updates or clears it is the rules' (engine-device-alarms.ts).
    // Acknowledging at the gateway silences the gateway's annunciation only: the device keeps alarming until it clears.
    // The rules keep their own copy of each item (engine-device-alarms.ts distinct()).
    this.opts.apply(this.opts.rules.deviceAlarms({ bed: device.bed, deviceId, at: this.opts.now(), alarms }));
  }

  /**
   * A configured device sent something the rules cannot take (see RulesEngine.unusableData): not silent, so no
   * `no-data`; nothing scorable, so it counts toward `no-valid-data`.
   */
  private unusable(deviceId: string): void {
    const device = this.devices.get(deviceId);
    if (!device || this.opts.stopping()) return;
    this.opts.apply(this.opts.rules.unusableData(device.bed, deviceId, this.opts.now()));
  }

  /** DriverSink: something a device sent that was read but not taken; counted per reason, logged rate-limited. */
  rejected(source: string, deviceId: string, reason: string, detail: string): void {
    if (reason !== 'duplicate') this.unusable(deviceId); // a resend adds nothing, and its first copy was counted
    this.rejections.inc({ source, reason });
    this.opts.limited.warn(`rejected:${source}:${reason}:${deviceId}`, { source, deviceId, reason, detail }, 'ingest: device data not taken');
  }

  decodeError(codec: string, deviceId: string, error: string): void {
    this.unusable(deviceId);
    this.opts.counters.decodeErrors[codec] = (this.opts.counters.decodeErrors[codec] ?? 0) + 1;
    this.opts.metrics.recordDecodeError(codec);
    this.opts.limited.warn(`decode:${codec}:${deviceId}`, { codec, deviceId, error }, 'ingest: bad frame dropped');
  }
}
