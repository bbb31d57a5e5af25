import type { GatewayConfig, DeviceConfig } from '../config/schema.js';
import { DeviceConnection, type ConnectionState } from '../drivers/core/connection.js';
import type { Driver, DriverSink } from '../drivers/core/driver.js';
import type { ConditionReport, DeviceEvent, Observation, Reading } from '../drivers/core/observation.js';
import { isPlausible } from '../drivers/core/parameters.js';
import { decodeEventPayload, decodeVitalsPayload } from '../drivers/mqtt/payload.js';
import { createRulesEngine, type RulesEngine } from '../rules/engine.js';
import { createUuidV7, type NewId } from '../rules/ids.js';
import type { AlarmEvent, RulesOutput } from '../rules/types.js';
import { MqttUpstream } from '../sync/mqtt-upstream.js';
import type { Upstream } from '../sync/upstream.js';
import { incidentEventMessage, parseIncidentStatus, upstreamTopics, type GatewayIdentity } from '../sync/wire.js';
import { EmbeddedBroker, type Principal } from './broker/broker.js';
import { clockState } from './clock.js';
import { type Logger, RateLimitedLog } from './log.js';
import { rulesConfigFrom } from './rules-config.js';
import { ScreenServer, type ActionResult, type ScreenBackend } from './screen/server.js';
import type { Session } from './screen/sessions.js';
import { checkSecret } from './secrets.js';
import { Store, type AuditEntry, type NewOutboxMessage } from './store/store.js';
import { VERSION } from './version.js';
import { WardState } from './ward-state.js';

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

/** Builds a driver for a serial or BLE device; registered by the driver families (see gateway/drivers.ts). */
export type DriverFactory = (devices: DeviceConfig[], sink: DriverSink, log: Logger) => Driver[];

export interface GatewayOptions {
  config: GatewayConfig;
  log: Logger;
  /** Drivers for non-MQTT transports. */
  driverFactories?: DriverFactory[];
  now?: () => number;
}

/**
 * The composition root: store, rules, embedded broker, drivers, screen and sync, started in that order and
 * stopped in reverse. Data flows one way: driver -> observation -> store + rules -> alarm/incident -> screen,
 * alarms/<bed> on the broker, outbox -> upstream.
 */
export class Gateway implements DriverSink {
  readonly counters: GatewayCounters = { observations: 0, decodeErrors: {}, unknownDevice: 0, implausible: 0, alarmsPublished: 0, storeFailures: 0 };
  store!: Store;
  rules!: RulesEngine;
  broker!: EmbeddedBroker;
  screen!: ScreenServer;
  upstream: Upstream | undefined;
  ward!: WardState;
  private readonly log: Logger;
  private readonly limited: RateLimitedLog;
  private readonly now: () => number;
  private readonly newId: NewId = createUuidV7();
  private readonly devices = new Map<string, DeviceConfig>();
  private readonly connections = new Map<string, DeviceConnection>();
  private drivers: Driver[] = [];
  private tickTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly identity: GatewayIdentity;
  private stopping = false;
  private started = false;
  private readonly startedAt: number;
  private lastNews2 = new Map<string, string>();

  constructor(private readonly opts: GatewayOptions) {
    this.log = opts.log;
    this.limited = new RateLimitedLog(opts.log);
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    const c = opts.config;
    this.identity = { gatewayId: c.gateway.id, site: c.gateway.site, ward: c.gateway.ward, version: VERSION };
    for (const d of c.devices) this.devices.set(d.id, d);
  }

  get config(): GatewayConfig {
    return this.opts.config;
  }

  get isReady(): boolean {
    return this.started && !this.stopping;
  }

  async start(): Promise<void> {
    const c = this.opts.config;
    const log = this.log;
    this.store = new Store(c.dataDir);
    if (this.store.migrated.length > 0) log.info({ path: this.store.path, migrations: this.store.migrated }, 'store: migrated');
    this.rules = createRulesEngine(rulesConfigFrom(c), { newId: this.newId });
    this.rules.restore(this.store.openAlarms(), this.store.openIncidents());
    this.ward = new WardState(c.gateway.id, c.gateway.ward, c.beds, c.devices, {
      upstreamOnline: false,
      outboxDepth: 0,
      oldestUndeliveredAt: null,
      lastSyncAt: null,
      clock: clockState(),
      startedAt: this.startedAt,
      version: VERSION,
    });
    this.ward.setAlarms(this.rules.activeAlarms());

    for (const d of c.devices) {
      this.connections.set(d.id, new DeviceConnection({ deviceId: d.id, sink: this, maxSilenceMs: d.maxSilenceSeconds * 1000 }));
    }

    this.broker = new EmbeddedBroker({
      host: c.broker.host,
      port: c.broker.port,
      maxPayloadBytes: c.broker.maxPayloadBytes,
      maxMessagesPerSecond: c.broker.maxMessagesPerSecond,
      log: log.child({ module: 'broker' }),
      authenticate: (username, password) => this.authenticate(username, password),
      onDevicePublish: (deviceId, topic, payload) => this.onDevicePublish(deviceId, topic, payload),
      onDeviceConnection: (deviceId, connected) => {
        const conn = this.connections.get(deviceId);
        if (!conn) return;
        if (connected) conn.opened('mqtt client connected');
        else conn.disconnected('mqtt client disconnected');
      },
    });
    const brokerPort = await this.broker.start();
    log.info({ host: c.broker.host, port: brokerPort }, 'broker: listening');

    for (const factory of this.opts.driverFactories ?? []) {
      this.drivers.push(...factory(c.devices, this, log));
    }
    await Promise.all(this.drivers.map((d) => d.start()));

    this.screen = new ScreenServer({
      host: c.screen.host,
      port: c.screen.port,
      staff: c.screen.staff,
      sessionHours: c.screen.sessionHours,
      readOnlyView: c.screen.readOnlyView,
      allowedOrigins: c.screen.allowedOrigins,
      backend: this.screenBackend(),
      log: log.child({ module: 'screen' }),
    });
    const screenPort = await this.screen.start();
    log.info({ host: c.screen.host, port: screenPort }, 'screen: listening');

    if (c.sync.enabled) this.startUpstream();

    this.tickTimer = setInterval(() => this.tick(), 1000);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), c.sync.heartbeatSeconds * 1000);
    this.pruneTimer = setInterval(() => this.prune(), 3600_000);
    this.pruneTimer.unref();
    this.updateHealth();
    this.started = true;
    log.info({ gatewayId: c.gateway.id, version: VERSION, beds: c.beds.length, devices: c.devices.length }, 'wardgate: ready');
  }

  private startUpstream(): void {
    const c = this.opts.config;
    const topics = upstreamTopics(c.sync.topicPrefix, this.identity);
    if (c.sync.transport !== 'mqtt' || !c.sync.mqtt) {
      this.log.warn({ transport: c.sync.transport }, 'sync: transport not available in this build; incidents stay in the outbox');
      return;
    }
    const m = c.sync.mqtt;
    this.upstream = new MqttUpstream({
      url: m.url,
      username: m.username,
      password: m.password,
      clientId: m.clientId ?? `wardgate-${c.gateway.id}`,
      protocolVersion: m.protocolVersion,
      ca: m.ca,
      cert: m.cert,
      key: m.key,
      rejectUnauthorized: m.rejectUnauthorized,
      topics: { incidents: topics.incidents, status: topics.status, heartbeat: topics.heartbeat, down: topics.down },
      outbox: { pending: (limit, after) => this.store.pendingOutbox(limit, after), markDelivered: (seqs, at) => this.store.markDelivered(seqs, at) },
      maxInFlight: c.sync.maxInFlight,
      retryMinMs: c.sync.retryMinMs,
      retryMaxMs: c.sync.retryMaxMs,
      log: this.log.child({ module: 'sync' }),
      onDownlink: (topic, payload) => this.onDownlink(topic, payload),
      statusPayload: (state) =>
        JSON.stringify({ schema: 'wardgate/status', schemaVersion: 1, gatewayId: c.gateway.id, state, version: VERSION, wallTime: this.now() }),
    });
    this.upstream.start();
  }

  // ---- ingest -------------------------------------------------------------------------------------

  private authenticate(username: string, password: string): Principal | null {
    const device = this.devices.get(username);
    if (device && device.transport === 'mqtt') {
      return checkSecret(password, device.password, device.passwordHash) ? { kind: 'device', name: device.id, subscribe: [] } : null;
    }
    const user = this.opts.config.broker.users.find((u) => u.username === username);
    if (user && checkSecret(password, user.password, user.passwordHash)) return { kind: 'service', name: user.username, subscribe: user.subscribe };
    return null;
  }

  private onDevicePublish(deviceId: string, topic: string, payload: Buffer): void {
    const now = this.now();
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
      else this.event(deviceId, item);
    }
  }

  /** DriverSink: a decoded value from any driver. */
  reading(deviceId: string, reading: Reading): void {
    this.connections.get(deviceId)?.dataReceived();
    const d = this.devices.get(deviceId);
    this.acceptReading(deviceId, reading, d?.transport ?? 'unknown');
  }

  private acceptReading(deviceId: string, reading: Reading, source: string): void {
    const device = this.devices.get(deviceId);
    if (!device) {
      this.counters.unknownDevice += 1;
      this.limited.warn(`unknown:${deviceId}`, { deviceId }, 'ingest: reading from an unconfigured device dropped');
      return;
    }
    if (!isPlausible(reading.param, reading.value)) {
      this.counters.implausible += 1;
      this.limited.warn(`implausible:${deviceId}`, { deviceId, param: reading.param, value: reading.value }, 'ingest: implausible value dropped');
      return;
    }
    const now = this.now();
    const o: Observation = {
      ...reading,
      flags: reading.flags ?? [],
      gatewayId: this.identity.gatewayId,
      deviceId,
      bedId: device.bed,
      source,
      receivedAt: now,
      seq: this.store.nextSeq(),
    };
    this.counters.observations += 1;
    this.store.queueObservation(o);
    this.ward.observation(o);
    this.screen.broadcast({ type: 'vitals', bed: o.bedId, param: o.param, vital: { value: o.value, unit: o.unit, at: o.receivedAt, deviceId, flags: o.flags } });
    if (o.flags.some((f) => UNSCORED.has(f))) return;
    this.apply(this.rules.observe(o));
  }

  /** DriverSink: a technical condition a codec reported (sensor off, low battery ...). */
  condition(deviceId: string, report: ConditionReport): void {
    const device = this.devices.get(deviceId);
    if (!device) return;
    this.apply(this.rules.technical({ bed: device.bed, deviceId, condition: report.condition, active: report.active, at: this.now(), detail: report.detail }));
  }

  /** DriverSink: a patient event (fall). */
  event(deviceId: string, event: DeviceEvent): void {
    const device = this.devices.get(deviceId);
    if (!device) return;
    this.apply(this.rules.deviceEvent(device.bed, deviceId, event.event, this.now()));
  }

  /** DriverSink: connection state of a device; leaving 'connected' raises 'device-disconnected' and withdraws live values. */
  connection(deviceId: string, state: ConnectionState, reason: string): void {
    const device = this.devices.get(deviceId);
    if (!device || this.stopping) return;
    const now = this.now();
    this.log.info({ deviceId, state, reason }, 'device: connection state');
    try {
      this.store.recordDeviceState(deviceId, state, reason, now);
    } catch (err) {
      this.log.error({ err }, 'store: device state not recorded');
    }
    const view = this.ward.device(deviceId, state, reason, now);
    const bed = this.ward.snapshot(now).beds.find((b) => b.id === device.bed);
    this.screen?.broadcast({ type: 'device', device: view, bed });
    if (state === 'connected') {
      this.apply(this.rules.technical({ bed: device.bed, deviceId, condition: 'device-disconnected', active: false, at: now }));
    } else if (state === 'quiet' || state === 'disconnected') {
      this.apply(this.rules.technical({ bed: device.bed, deviceId, condition: 'device-disconnected', active: true, at: now, detail: reason }));
    }
  }

  decodeError(codec: string, deviceId: string, error: string): void {
    this.counters.decodeErrors[codec] = (this.counters.decodeErrors[codec] ?? 0) + 1;
    this.limited.warn(`decode:${codec}:${deviceId}`, { codec, deviceId, error }, 'ingest: bad frame dropped');
  }

  // ---- alarms out ---------------------------------------------------------------------------------

  /**
   * Persists the rules' output (alarm transitions, incident events, their outbox messages) in one durable
   * transaction, then publishes. If the store fails, alarms are still published and shown: a nurse must
   * hear an alarm even when the SD card is failing.
   */
  private apply(out: RulesOutput, audit: AuditEntry[] = []): void {
    if (out.alarms.length === 0 && out.incidents.length === 0 && audit.length === 0) return;
    const now = this.now();
    const clockSynced = this.ward.health.clock === 'synchronised';
    const outbox: NewOutboxMessage[] = out.incidents.map((ev) => {
      const id = this.newId(now);
      return {
        id,
        kind: 'incident-event',
        incidentId: ev.incidentId,
        incidentSeq: ev.incidentSeq,
        createdAt: now,
        body: (gwSeq: number) => JSON.stringify(incidentEventMessage(this.identity, id, ev, { gatewaySeq: gwSeq, wallTime: now, clockSynced })),
      };
    });
    try {
      this.store.commitAlarmChange(out.alarms, out.incidents, outbox, audit);
    } catch (err) {
      this.counters.storeFailures += 1;
      this.log.error({ err }, 'store: alarm change NOT persisted; publishing anyway');
    }
    for (const a of out.alarms) this.publishAlarm(a);
    if (outbox.length > 0) this.upstream?.kick();
  }

  private publishAlarm(a: AlarmEvent): void {
    this.ward.alarm(a);
    this.counters.alarmsPublished += 1;
    const message = JSON.stringify({ ...a, gatewayId: this.identity.gatewayId });
    this.broker.publish(`alarms/${a.bed}`, message, 1).catch((err: unknown) => this.log.error({ err }, 'broker: alarm publish failed'));
    this.screen?.broadcast({ type: 'alarm', alarm: a });
    this.log.info({ alarmId: a.id, bed: a.bed, condition: a.condition, priority: a.priority, state: a.state, transition: a.transition, by: a.by }, 'alarm');
  }

  // ---- periodic -----------------------------------------------------------------------------------

  private tick(): void {
    const now = this.now();
    try {
      this.apply(this.rules.tick(now));
      for (const bed of this.ward.bedIds()) {
        const n = this.rules.news2(bed, now);
        const key = JSON.stringify(n);
        if (this.lastNews2.get(bed) !== key) {
          this.lastNews2.set(bed, key);
          this.ward.news2(bed, n);
          this.broadcastBed(bed);
        }
      }
      if (now % 5000 < 1000) this.updateHealth();
    } catch (err) {
      this.log.error({ err }, 'tick failed');
    }
  }

  private broadcastBed(bedId: string): void {
    const bed = this.ward.snapshot(this.now()).beds.find((b) => b.id === bedId);
    if (bed) this.screen?.broadcast({ type: 'bed', bed });
  }

  private updateHealth(): void {
    const stats = this.store.outboxStats();
    const h = this.ward.health;
    h.upstreamOnline = this.upstream?.status.online ?? false;
    h.outboxDepth = stats.depth;
    h.oldestUndeliveredAt = stats.oldestCreatedAt;
    h.lastSyncAt = this.upstream?.status.lastDeliveredAt ?? h.lastSyncAt;
    h.clock = clockState();
    this.screen?.broadcast({ type: 'health', health: h });
  }

  private heartbeat(): void {
    if (!this.upstream) return;
    const stats = this.store.outboxStats();
    const now = this.now();
    this.upstream.publishHeartbeat(
      JSON.stringify({
        schema: 'wardgate/heartbeat',
        schemaVersion: 1,
        gatewayId: this.identity.gatewayId,
        site: this.identity.site,
        ward: this.identity.ward,
        version: VERSION,
        gatewaySeq: this.store.lastSeq,
        wallTime: now,
        clockSynced: clockState() === 'synchronised',
        uptimeSeconds: Math.round((now - this.startedAt) / 1000),
        outboxDepth: stats.depth,
        oldestUndeliveredAgeSeconds: stats.oldestCreatedAt === null ? null : Math.round((now - stats.oldestCreatedAt) / 1000),
        devices: this.ward.deviceList().map((d) => ({ id: d.id, state: d.state })),
      }),
    );
  }

  private prune(): void {
    try {
      const r = this.store.prune(this.now(), this.opts.config.store.observationRetentionHours * 3600_000);
      if (r.observations || r.outbox) this.log.info(r, 'store: pruned');
    } catch (err) {
      this.log.error({ err }, 'store: prune failed');
    }
  }

  private onDownlink(topic: string, payload: Buffer): void {
    if (!topic.endsWith('/incident-status')) return;
    const msg = parseIncidentStatus(payload);
    if ('error' in msg) {
      this.limited.warn('downlink', { topic, error: msg.error }, 'sync: bad downlink message dropped');
      return;
    }
    const applied = this.store.applyCentralUpdate({ incidentId: msg.incidentId, status: msg.status, assignedTo: msg.assignedTo ? JSON.stringify(msg.assignedTo) : undefined, at: msg.at });
    if (!applied) return; // duplicate, older than what we hold, or an incident we do not know
    const view = { incidentId: msg.incidentId, status: msg.status, assignedTo: msg.assignedTo, at: msg.at };
    const prev = this.ward.snapshot(this.now()).central.find((c) => c.incidentId === msg.incidentId);
    if (!view.assignedTo && prev?.assignedTo) view.assignedTo = prev.assignedTo;
    this.ward.centralUpdate(view);
    this.screen?.broadcast({ type: 'central', central: view });
    this.log.info({ incidentId: msg.incidentId, status: msg.status, assignedTo: msg.assignedTo?.id }, 'sync: centre update');
  }

  // ---- screen actions -----------------------------------------------------------------------------

  private screenBackend(): ScreenBackend {
    const act = (fn: (by: string, now: number) => RulesOutput, staff: Session, action: string, bed: string | undefined, detail: unknown): ActionResult => {
      const now = this.now();
      try {
        const out = fn(`staff:${staff.staffId}`, now);
        this.apply(out, [{ at: now, actor: staff.staffId, action, bed, detail }]);
        if (bed) this.broadcastBed(bed);
        return { ok: true };
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
    };
    return {
      snapshot: () => this.ward.snapshot(this.now()),
      acknowledge: (alarmId, staff) => {
        const alarm = this.rules.activeAlarms().find((a) => a.id === alarmId);
        if (!alarm) return { ok: false, error: 'no such active alarm' };
        return act((by, now) => this.rules.acknowledge(alarmId, by, now), staff, 'acknowledge', alarm.bed, { alarmId, condition: alarm.condition });
      },
      pauseAudio: (bed, staff) => {
        if (!this.ward.bedIds().includes(bed)) return { ok: false, error: 'unknown bed' };
        const r = act((by, now) => this.rules.pauseAudio(bed, by, now), staff, 'audio-pause', bed, {});
        if (r.ok) this.ward.audioPaused(bed, this.now() + this.opts.config.rules.lifecycle.audioPauseSeconds * 1000);
        return r;
      },
      setManualInputs: (bed, inputs, staff) => {
        if (!this.ward.bedIds().includes(bed)) return { ok: false, error: 'unknown bed' };
        const clean: { acvpu?: 'A' | 'C' | 'V' | 'P' | 'U'; o2?: boolean; scale?: 1 | 2 } = {};
        if (inputs.acvpu !== undefined) {
          if (!['A', 'C', 'V', 'P', 'U'].includes(inputs.acvpu)) return { ok: false, error: 'acvpu: one of A, C, V, P, U' };
          clean.acvpu = inputs.acvpu;
        }
        if (inputs.o2 !== undefined) {
          if (typeof inputs.o2 !== 'boolean') return { ok: false, error: 'o2: true or false' };
          clean.o2 = inputs.o2;
        }
        if (inputs.scale !== undefined) {
          if (inputs.scale !== 1 && inputs.scale !== 2) return { ok: false, error: 'scale: 1 or 2' };
          clean.scale = inputs.scale;
        }
        const r = act((by, now) => this.rules.setManualInputs(bed, clean, by, now), staff, 'news2-manual-inputs', bed, clean);
        if (r.ok) this.ward.manual(bed, clean);
        return r;
      },
      setBedLimits: (bed, change, staff) => {
        if (!this.ward.bedIds().includes(bed)) return { ok: false, error: 'unknown bed' };
        return act((by, now) => this.rules.setBedLimits(bed, change as never, by, now), staff, 'bed-limits', bed, change);
      },
      readiness: () => {
        const parts = {
          store: this.store !== undefined,
          broker: this.broker?.listening === true,
          drivers: this.ward.deviceList().map((d) => ({ id: d.id, state: d.state })),
          sync: this.upstream ? { online: this.upstream.status.online, outboxDepth: this.ward.health.outboxDepth } : 'disabled',
        };
        return { ready: this.isReady && parts.store && parts.broker, parts };
      },
    };
  }

  // ---- shutdown -----------------------------------------------------------------------------------

  /** Stop ingest, flush the store, close broker and connections. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of [this.tickTimer, this.heartbeatTimer, this.pruneTimer]) if (t) clearInterval(t);
    for (const c of this.connections.values()) c.stop();
    await Promise.allSettled(this.drivers.map((d) => d.stop()));
    await this.broker?.stop().catch((err: unknown) => this.log.error({ err }, 'broker stop failed'));
    await this.screen?.stop().catch((err: unknown) => this.log.error({ err }, 'screen stop failed'));
    await this.upstream?.stop().catch((err: unknown) => this.log.error({ err }, 'upstream stop failed'));
    this.store?.close();
    this.log.info('wardgate: stopped');
  }
}
