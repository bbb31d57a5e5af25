import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { GatewayConfig, DeviceConfig } from '../config/schema.js';
import { DeviceConnection, type ConnectionState } from '../drivers/core/connection.js';
import type { Driver, DriverSink } from '../drivers/core/driver.js';
import type { ConditionReport, DeviceAlarmReport, DeviceEvent, Observation, Reading } from '../drivers/core/observation.js';
import { isPlausible } from '../drivers/core/parameters.js';
import { decodeEventPayload, decodeVitalsPayload } from '../drivers/mqtt/payload.js';
import { limitOverridesSchema, type RulesConfig } from '../rules/config.js';
import { createRulesEngine, type RulesEngine } from '../rules/engine.js';
import { createUuidV7, type NewId } from '../rules/ids.js';
import type { AlarmEvent, IncidentEvent, RulesOutput } from '../rules/types.js';
import { TECHNICAL_CONDITION_NAMES, TECHNICAL_CONDITIONS } from '../rules/technical.js';
import { createUpstream } from '../sync/setup.js';
import type { Upstream } from '../sync/upstream.js';
import { heartbeatMessage, incidentEventMessage, parseDownlink, type GatewayIdentity } from '../sync/wire.js';
import { EmbeddedBroker, type Principal } from './broker/broker.js';
import { Buzzer } from './buzzer/buzzer.js';
import { createAnnunciator } from './buzzer/create.js';
import { Counter } from 'prom-client';
import { createMetrics, type WardgateMetrics } from './metrics/registry.js';
import { createHealthEndpoints, type HealthHandler } from './health/endpoints.js';
import { clockState } from './clock.js';
import { type Logger, RateLimitedLog } from './log.js';
import { rulesConfigFrom } from './rules-config.js';
import { ScreenServer, type ActionResult, type ScreenBackend } from './screen/server.js';
import type { Session } from './screen/sessions.js';
import { checkSecret } from './secrets.js';
import type { DownlinkStore } from './store/downlink.js';
import { Store, type AuditEntry, type NewOutboxMessage } from './store/store.js';
import { VERSION } from './version.js';
import { WardState } from './ward-state.js';

export interface ReloadResult {
  beds: number;
  devices: number;
  changedBeds: string[];
  restartedDrivers: number;
  /** Sections that changed but take effect only after a restart. */
  needsRestart: string[];
}

interface PendingChange {
  alarms: AlarmEvent[];
  incidents: IncidentEvent[];
  outbox: NewOutboxMessage[];
  audit: AuditEntry[];
}

/** Roles that act on patients: acknowledge patient alarms, change limits, enter NEWS2 observations. A technician
 * acknowledges technical alarms only. */
const CLINICAL_ROLES = new Set(['nurse', 'senior-nurse', 'doctor']);

/** The shortest interval between two durable alarm commits under load (see apply()). */
const GROUP_COMMIT_MS = 4;

/** What a failing store holds back for retry is bounded, so a dead SD card cannot exhaust memory over days. */
const MAX_UNPERSISTED = 50_000;

function boundedRetry(c: PendingChange, log: Logger): PendingChange {
  const size = c.alarms.length + c.incidents.length + c.audit.length;
  if (size <= MAX_UNPERSISTED) return c;
  const drop = size - MAX_UNPERSISTED;
  log.error({ dropped: drop }, 'store: retry buffer full; the oldest unpersisted alarm history is dropped (alarms were published)');
  return { alarms: c.alarms.slice(Math.min(drop, c.alarms.length)), incidents: c.incidents, outbox: c.outbox, audit: c.audit.slice(Math.max(0, drop - c.alarms.length)) };
}

/** The pseudo-bed for the gateway's own technical alarms (store, buzzer, clock): published on alarms/gateway. */
export const GATEWAY_BED = 'gateway';

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
export type DriverFactory = (devices: DeviceConfig[], sink: DriverSink, log: Logger, config: GatewayConfig) => Driver[] | Promise<Driver[]>;

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
  downlink!: DownlinkStore;
  ward!: WardState;
  buzzer: Buzzer | undefined;
  readonly metrics: WardgateMetrics;
  private lastTickAt = 0;
  private storeFaultActive = false;
  private pendingChange: PendingChange = { alarms: [], incidents: [], outbox: [], audit: [] };
  private changeFlushScheduled = false;
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  /** Alarm changes whose commit failed (already published): committed again, first, with the next change. */
  private unpersisted: PendingChange | undefined;
  private readonly log: Logger;
  private readonly limited: RateLimitedLog;
  private readonly now: () => number;
  private readonly newId: NewId = createUuidV7();
  private readonly devices = new Map<string, DeviceConfig>();
  private readonly connections = new Map<string, DeviceConnection>();
  /** Open MQTT sessions per device (a device can briefly have two while it reconnects). */
  private readonly mqttSessions = new Map<string, number>();
  /** The centre's admissions, bed -> patient id, kept in memory for the incident path. */
  private readonly patientByBed = new Map<string, string>();
  private reloading: Promise<void> = Promise.resolve();
  /** The rules' configuration in force (built-in profiles read from disk once, at start and at each reload). */
  private rulesConfig!: RulesConfig;
  private drivers: Driver[] = [];
  private tickTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly identity: GatewayIdentity;
  private stopping = false;
  private started = false;
  private readonly startedAt: number;
  private lastNews2 = new Map<string, string>();
  private readonly news2Dirty = new Set<string>();
  private news2Timer: NodeJS.Timeout | undefined;

  constructor(private opts: GatewayOptions) {
    this.log = opts.log;
    this.limited = new RateLimitedLog(opts.log);
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    const c = opts.config;
    this.identity = { gatewayId: c.gateway.id, site: c.gateway.site, ward: c.gateway.ward, version: VERSION };
    for (const d of c.devices) this.devices.set(d.id, d);
    this.metrics = createMetrics({ version: VERSION });
  }

  get config(): GatewayConfig {
    return this.opts.config;
  }

  get isReady(): boolean {
    return this.started && !this.stopping;
  }

  /** For the systemd watchdog: the alarm loop has ticked recently and the store is open. */
  isHealthy(now = this.now()): boolean {
    return this.isReady && now - this.lastTickAt < 5000 && this.store.isOpen;
  }

  async start(): Promise<void> {
    const c = this.opts.config;
    const log = this.log;
    this.store = new Store(c.dataDir);
    this.store.onWriteError = (err, what) => {
      this.counters.storeFailures += 1;
      this.limited.warn('store-write', { err: err.message, what }, 'store: background write failed');
      this.setStoreFault(true, `${what} could not be written: ${err.message}`);
    };
    if (this.store.migrated.length > 0) log.info({ path: this.store.path, migrations: this.store.migrated }, 'store: migrated');
    this.ward = new WardState(c.gateway.id, c.gateway.ward, c.beds, c.devices, {
      upstreamEnabled: c.sync.enabled,
      upstreamOnline: false,
      outboxDepth: 0,
      oldestUndeliveredAt: null,
      lastSyncAt: null,
      clock: clockState(),
      startedAt: this.startedAt,
      version: VERSION,
    });
    const rulesConfig = rulesConfigFrom(c);
    this.rulesConfig = rulesConfig;
    this.rules = createRulesEngine(rulesConfig, { newId: this.newId });
    // Bed settings first (at their own times, before any alarm exists), then the open alarms and incidents.
    this.restoreBedSettings();
    this.rules.restore(this.store.openAlarms(), this.store.openIncidents());
    this.ward.setAlarms(this.rules.activeAlarms());
    // The screen shows the last 30 minutes again after a restart (values with their true age, and the trends), and
    // NEWS2 gets its parameters back at the times they were received (an episodic BP must not make NEWS2 incomplete
    // for an hour after a watchdog restart). Limit alarms start from new data only.
    const recent = this.store.recentObservations(this.now() - 30 * 60_000).filter((o) => this.devices.has(o.deviceId));
    for (const o of recent) this.ward.observation(o);
    this.rules.primeNews2(recent);
    // The gateway's own technical alarms restored as active are re-checked and cleared once the fault is gone.
    const restoredGateway = new Set(this.rules.activeAlarms().filter((a) => a.bed === GATEWAY_BED && a.state !== 'cleared').map((a) => a.condition));
    this.storeFaultActive = restoredGateway.has('store-fault');
    this.diskAlarm = restoredGateway.has('disk-budget');
    this.downlink = this.store.downlink;
    for (const v of this.downlink.centralStatuses()) if (v.status !== 'RESOLVED') this.ward.centralUpdate(v);
    for (const a of this.downlink.admissions()) {
      this.ward.admission(a);
      if (a.state === 'admitted' && a.patient) this.patientByBed.set(a.bed, a.patient.id);
    }
    this.metrics.setOutboxProbe(() => {
      const st = this.store.outboxStats();
      return { depth: st.depth, oldestAgeSeconds: st.oldestCreatedAt === null ? 0 : Math.max(0, (this.now() - st.oldestCreatedAt) / 1000) };
    });

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
        // A wearable that reconnects under a new client id overlaps its old session for a moment: the device is
        // disconnected only when its last session ends.
        const sessions = Math.max(0, (this.mqttSessions.get(deviceId) ?? 0) + (connected ? 1 : -1));
        this.mqttSessions.set(deviceId, sessions);
        if (connected && sessions === 1) conn.opened('mqtt client connected');
        else if (!connected && sessions === 0) conn.disconnected('mqtt client disconnected');
      },
    });
    const broker = this.broker;
    new Counter({
      name: 'wardgate_broker_refused_total',
      help: 'MQTT clients or messages the embedded broker refused, throttled or cut off, by reason',
      labelNames: ['reason'],
      registers: [this.metrics.registry],
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(broker.counters)) this.inc({ reason }, n);
      },
    });
    const brokerPort = await this.broker.start();
    log.info({ host: c.broker.host, port: brokerPort }, 'broker: listening');

    for (const factory of this.opts.driverFactories ?? []) {
      this.drivers.push(...(await factory(c.devices, this, log, c)));
    }
    await Promise.all(this.drivers.map((d) => d.start()));

    this.screen = new ScreenServer({
      host: c.screen.host,
      port: c.screen.port,
      staff: c.screen.staff,
      sessionHours: c.screen.sessionHours,
      readOnlyView: c.screen.readOnlyView,
      allowedOrigins: c.screen.allowedOrigins,
      beds: c.beds,
      profiles: rulesConfig.profiles,
      sessionKeyFile: join(c.dataDir, 'screen-session.key'),
      display: c.screen,
      trendSeed: recent,
      limitOverrides: limitOverridesSchema,
      technicalLabels: Object.fromEntries(TECHNICAL_CONDITION_NAMES.map((t) => [t, TECHNICAL_CONDITIONS[t].label])),
      backend: this.screenBackend(),
      health: this.healthEndpoints(),
      log: log.child({ module: 'screen' }),
    });
    const screenPort = await this.screen.start();
    log.info({ host: c.screen.host, port: screenPort }, 'screen: listening');

    this.buzzer = new Buzzer({
      output: createAnnunciator(c.buzzer, c.dataDir),
      // deferred: the fault is applied outside the apply() that drove the buzzer
      onFault: (active, detail) => setImmediate(() => this.buzzerFault(active, detail)),
    });
    await this.buzzer.start();
    this.buzzer.update(this.rules.activeAlarms());
    if (restoredGateway.has('buzzer-fault') && !this.buzzer.isFaulted) this.buzzerFault(false, 'buzzer works after restart');
    log.info({ backend: this.buzzer.kind }, 'buzzer: ready');

    if (c.sync.enabled) this.startUpstream();

    this.tickTimer = setInterval(() => this.tick(), 1000);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), c.sync.heartbeatSeconds * 1000);
    this.pruneTimer = setInterval(() => this.prune(), 60_000);
    this.pruneTimer.unref();
    this.prune();
    this.updateHealth();
    this.lastTickAt = this.now();
    this.started = true;
    log.info({ gatewayId: c.gateway.id, version: VERSION, beds: c.beds.length, devices: c.devices.length }, 'wardgate: ready');
  }

  private startUpstream(): void {
    const c = this.opts.config;
    this.upstream = createUpstream(c.sync, this.identity, {
      outbox: this.store.outbox,
      log: this.log.child({ module: 'sync' }),
      stamp: () => ({ gatewaySeq: this.store.lastSeq, wallTime: this.now(), clockSynced: clockState() === 'synchronised' }),
      onDownlink: (payload) => this.onDownlink(payload),
    });
    this.upstream?.start();
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
      this.metrics.recordDrop('unknown-device');
      this.limited.warn(`unknown:${deviceId}`, { deviceId }, 'ingest: reading from an unconfigured device dropped');
      return;
    }
    if (!isPlausible(reading.param, reading.value)) {
      this.counters.implausible += 1;
      this.metrics.recordDrop('implausible');
      this.limited.warn(`implausible:${deviceId}`, { deviceId, param: reading.param, value: reading.value }, 'ingest: implausible value dropped');
      return;
    }
    const now = this.now();
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
      gatewayId: this.identity.gatewayId,
      deviceId,
      bedId: device.bed,
      source,
      receivedAt: now,
      seq: this.store.nextSeq(),
    };
    this.counters.observations += 1;
    this.metrics.recordObservation(source, o.param);
    if (!this.store.queueObservation(o)) this.metrics.recordDrop('queue-full');
    this.ward.observation(o);
    this.screen.observe(o);
    if (this.screen.clientCount > 0) {
      this.screen.broadcast({ type: 'vitals', bed: o.bedId, param: o.param, vital: { value: o.value, unit: o.unit, at: o.receivedAt, deviceId, flags: o.flags } });
    }
    if (o.flags.some((f) => UNSCORED.has(f))) return;
    this.apply(this.rules.observe(o));
    this.news2Soon(o.bedId);
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
    const bed = this.ward.bed(device.bed);
    this.screen?.broadcast({ type: 'device', device: view, bed });
    if (state === 'connected') {
      this.apply(this.rules.technical({ bed: device.bed, deviceId, condition: 'device-disconnected', active: false, at: now }));
    } else if (state === 'quiet' || state === 'disconnected') {
      this.apply(this.rules.technical({ bed: device.bed, deviceId, condition: 'device-disconnected', active: true, at: now, detail: reason }));
    }
  }

  /** DriverSink: the device's own alarm list, shown beside the gateway's alarms, never scored. */
  deviceAlarms(deviceId: string, alarms: DeviceAlarmReport[]): void {
    const device = this.devices.get(deviceId);
    if (!device) return;
    this.ward.deviceAlarms(device.bed, deviceId, alarms.map((a) => ({ kind: a.kind, priority: a.priority, text: a.text })));
    this.broadcastBed(device.bed);
  }

  decodeError(codec: string, deviceId: string, error: string): void {
    this.counters.decodeErrors[codec] = (this.counters.decodeErrors[codec] ?? 0) + 1;
    this.metrics.recordDecodeError(codec);
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
    for (const ev of out.incidents) {
      // The centre's admissions bind a patient to the bed; the incident carries the patient known at the time.
      if (ev.patientId === undefined) {
        const patientId = this.patientByBed.get(ev.bed);
        if (patientId) ev.patientId = patientId;
      }
    }
    const p = this.pendingChange;
    p.alarms.push(...out.alarms);
    p.incidents.push(...out.incidents);
    p.audit.push(...audit);
    for (const ev of out.incidents) {
      const id = this.newId(now);
      p.outbox.push({
        id,
        kind: 'incident-event',
        incidentId: ev.incidentId,
        incidentSeq: ev.incidentSeq,
        createdAt: now,
        body: (gwSeq: number) => JSON.stringify(incidentEventMessage(this.identity, id, ev, { gatewaySeq: gwSeq, wallTime: now, clockSynced })),
      });
    }
    if (!this.changeFlushScheduled) {
      this.changeFlushScheduled = true;
      // Group commit: at ward rates the change commits at the end of this turn; under a burst, durable commits
      // (each an fsync that blocks the loop) come at most every GROUP_COMMIT_MS and carry everything since.
      const wait = this.lastCommitAt + GROUP_COMMIT_MS - performance.now();
      if (wait <= 0) setImmediate(() => this.flushChanges());
      else setTimeout(() => this.flushChanges(), wait);
    }
  }

  /**
   * Commits every alarm change of this event-loop turn (with the turn's observations) in one durable transaction,
   * then publishes. One fsync per turn instead of one per alarm change keeps the alarm path fast under load; an
   * alarm is still never published before it is on disk.
   */
  private flushChanges(): void {
    this.changeFlushScheduled = false;
    const change = this.pendingChange;
    const retry = this.unpersisted;
    if (change.alarms.length === 0 && change.incidents.length === 0 && change.audit.length === 0 && !retry) return;
    this.pendingChange = { alarms: [], incidents: [], outbox: [], audit: [] };
    // Changes a failed commit left behind go first, so the store and the outbox keep the order they happened in.
    const all = retry
      ? { alarms: [...retry.alarms, ...change.alarms], incidents: [...retry.incidents, ...change.incidents], outbox: [...retry.outbox, ...change.outbox], audit: [...retry.audit, ...change.audit] }
      : change;
    let storeFailed = false;
    try {
      this.store.commitAlarmChange(all.alarms, all.incidents, all.outbox, all.audit);
      this.lastCommitAt = performance.now();
      this.unpersisted = undefined;
    } catch (err) {
      storeFailed = true;
      this.counters.storeFailures += 1;
      this.unpersisted = boundedRetry(all, this.log);
      this.log.error({ err, retained: this.unpersisted.alarms.length + this.unpersisted.incidents.length }, 'store: alarm change NOT persisted; publishing anyway, will retry the commit');
    }
    for (const a of change.alarms) this.publishAlarm(a);
    this.setStoreFault(storeFailed, 'alarm changes are not being persisted');
    if (change.alarms.length > 0) this.buzzer?.update(this.rules.activeAlarms());
    if (all.outbox.length > 0 && !storeFailed) this.upstream?.kick();
  }

  private probeStore(now: number): void {
    try {
      this.store.probeWrite(now);
      this.setStoreFault(false, '');
    } catch {
      // still failing; the alarm stays
    }
  }

  /** A failing store (full or dying SD card) is itself a technical alarm, on the gateway's own "bed". */
  private setStoreFault(failed: boolean, detail: string): void {
    if (failed === this.storeFaultActive) return;
    this.storeFaultActive = failed;
    this.apply(this.rules.technical({ bed: GATEWAY_BED, condition: 'store-fault', active: failed, at: this.now(), detail: failed ? detail : undefined }));
  }

  /** The buzzer failed or works again: a gateway technical alarm (bed `gateway`, device `buzzer`). */
  private buzzerFault(active: boolean, detail: string): void {
    if (this.stopping) return;
    this.log[active ? 'error' : 'info']({ detail }, active ? 'buzzer: fault' : 'buzzer: working again');
    this.apply(this.rules.technical({ bed: 'gateway', deviceId: 'buzzer', condition: 'buzzer-fault', active, at: this.now(), detail }));
  }

  private publishAlarm(a: AlarmEvent): void {
    this.ward.alarm(a);
    this.counters.alarmsPublished += 1;
    this.metrics.recordAlarm(a);
    const message = JSON.stringify({ ...a, gatewayId: this.identity.gatewayId });
    this.broker.publish(`alarms/${a.bed}`, message, 1).catch((err: unknown) => this.log.error({ err }, 'broker: alarm publish failed'));
    this.screen?.broadcast({ type: 'alarm', alarm: a });
    this.log.info({ alarmId: a.id, bed: a.bed, condition: a.condition, priority: a.priority, state: a.state, transition: a.transition, by: a.by }, 'alarm');
  }

  // ---- periodic -----------------------------------------------------------------------------------

  private tick(): void {
    const now = this.now();
    this.lastTickAt = now;
    try {
      this.apply(this.rules.tick(now));
      this.refreshNews2(now, this.ward.bedIds());
      if (this.unpersisted) this.flushChanges(); // retry the failed commit every second
      else if (this.storeFaultActive) this.probeStore(now);
      if (now % 5000 < 1000) this.updateHealth();
    } catch (err) {
      this.log.error({ err }, 'tick failed');
    }
  }

  /** Recomputes the shown NEWS2 of these beds and pushes the tiles whose score changed. */
  private refreshNews2(now: number, beds: Iterable<string>): void {
    for (const bed of beds) {
      const n = this.rules.news2(bed, now);
      const key = JSON.stringify(n);
      if (this.lastNews2.get(bed) !== key) {
        this.lastNews2.set(bed, key);
        this.ward.news2(bed, n);
        this.broadcastBed(bed);
      }
    }
  }

  /** Beds with new values get their NEWS2 refreshed within 250 ms (not on every sample, not only on the 1 s tick). */
  private news2Soon(bed: string): void {
    this.news2Dirty.add(bed);
    if (this.news2Timer) return;
    this.news2Timer = setTimeout(() => {
      this.news2Timer = undefined;
      const beds = [...this.news2Dirty];
      this.news2Dirty.clear();
      if (!this.stopping) this.refreshNews2(this.now(), beds);
    }, 250);
  }

  private broadcastBed(bedId: string): void {
    const bed = this.ward.bed(bedId);
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
    const message = heartbeatMessage(this.identity, { gatewaySeq: this.store.lastSeq, wallTime: now, clockSynced: clockState() === 'synchronised' }, {
      uptimeSeconds: Math.max(0, Math.round((now - this.startedAt) / 1000)),
      outboxDepth: stats.depth,
      oldestUndeliveredAgeSeconds: stats.oldestCreatedAt === null ? null : Math.max(0, Math.round((now - stats.oldestCreatedAt) / 1000)),
      devices: this.ward.deviceList().map((d) => ({ id: d.id, state: d.state })),
      ...(this.diskUsed !== undefined ? { disk: { usedBytes: this.diskUsed, budgetBytes: this.opts.config.store.budgetMB * 1024 * 1024 } } : {}),
    });
    this.upstream.publishHeartbeat(JSON.stringify(message));
  }

  private prune(): void {
    try {
      const r = this.store.prune(this.now(), this.opts.config.store.observationRetentionHours * 3600_000);
      if (r.observations || r.outbox) this.log.info(r, 'store: pruned');
      this.checkDiskBudget();
    } catch (err) {
      this.log.error({ err }, 'store: prune failed');
    }
  }

  private diskUsed: number | undefined;
  private diskAlarm = false;

  /** Prunes delivered events and old observations to stay in the budget; nearing it raises `disk-budget`. */
  private checkDiskBudget(): void {
    const budgetBytes = this.opts.config.store.budgetMB * 1024 * 1024;
    const r = this.store.enforceDiskBudget(this.now(), { budgetBytes });
    this.diskUsed = r.usedBytes;
    if (r.prunedDelivered || r.prunedObservations) this.log.info(r, 'store: pruned to stay in the disk budget');
    const raise = r.level !== 'ok';
    if (raise === this.diskAlarm || (!raise && !r.belowTarget)) return;
    this.diskAlarm = raise;
    if (raise) this.log.error(r, 'store: nearing the disk budget; undelivered incidents are kept');
    const detail = `${Math.round(r.usedBytes / 1048576)} of ${Math.round(budgetBytes / 1048576)} MB used, ${r.undelivered} undelivered incident events`;
    this.apply(this.rules.technical({ bed: 'gateway', condition: 'disk-budget', active: raise, at: this.now(), detail }));
  }

  private onDownlink(payload: unknown): void {
    const msg = parseDownlink(payload);
    if ('error' in msg) {
      this.limited.warn('downlink', { error: msg.error }, 'sync: bad downlink message dropped');
      return;
    }
    const r = this.downlink.apply(msg, this.now());
    if (!r.applied) return; // a duplicate, or older than what we hold
    if (r.kind === 'incident-status') {
      this.ward.centralUpdate(r.view);
      this.screen?.broadcast({ type: 'central', central: r.view });
      this.log.info({ incidentId: r.view.incidentId, status: r.view.status, assignedTo: r.view.assignedTo?.id }, 'sync: centre update');
    } else {
      for (const v of r.views) {
        this.ward.admission(v);
        if (v.state === 'admitted' && v.patient) this.patientByBed.set(v.bed, v.patient.id);
        else this.patientByBed.delete(v.bed);
        this.broadcastBed(v.bed);
        this.screen?.broadcast({ type: 'admission', admission: v });
        this.log.info({ bed: v.bed, state: v.state }, 'sync: admission');
      }
    }
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
      audit: (q) => this.store.recentAudit(q),
      buzzer: () => ({ backend: this.buzzer?.kind ?? 'none', sounding: this.buzzer?.sounding ?? null, faulted: this.buzzer?.isFaulted ?? false }),
      acknowledge: (alarmId, staff) => {
        const alarm = this.rules.activeAlarms().find((a) => a.id === alarmId);
        if (!alarm) return { ok: false, error: 'no such active alarm' };
        if (!CLINICAL_ROLES.has(staff.role) && alarm.kind !== 'technical') return { ok: false, error: 'only clinical staff acknowledge patient alarms' };
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
        if (!CLINICAL_ROLES.has(staff.role)) return { ok: false, error: 'only clinical staff enter NEWS2 observations' };
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
        if (!CLINICAL_ROLES.has(staff.role)) return { ok: false, error: 'only clinical staff change alarm limits' };
        return act((by, now) => this.rules.setBedLimits(bed, change as never, by, now), staff, 'bed-limits', bed, change);
      },
    };
  }

  /**
   * /healthz, /readyz, /metrics. Ready means the alarm path works on this ward: store open, broker listening,
   * drivers started. Devices and the upstream are reported, but neither a silent device nor the hospital network
   * being down makes the gateway unready: alarms still fire locally.
   */
  private healthEndpoints(): HealthHandler {
    return createHealthEndpoints({
      version: VERSION,
      metrics: this.metrics,
      checks: {
        gateway: () => ({ ok: this.isReady, detail: this.isReady ? 'started' : 'starting or stopping' }),
        store: () => ({ ok: this.store?.isOpen === true, detail: this.storeFaultActive ? 'store fault: writes failing' : this.store?.path }),
        broker: () => ({ ok: this.broker?.listening === true, detail: `port ${this.broker?.port ?? 0}` }),
        drivers: () => {
          const devices = this.ward.deviceList();
          return { ok: true, detail: `${devices.filter((d) => d.state === 'connected').length} of ${devices.length} devices connected` };
        },
        sync: () => ({
          ok: true,
          detail: this.upstream ? `${this.upstream.status.online ? 'online' : 'offline'}, outbox ${this.ward.health.outboxDepth}` : 'disabled',
        }),
      },
    });
  }

  /**
   * Bed settings made on the screen (limits, profile, NEWS2 manual inputs) live in the rules engine's memory; after a
   * restart they are replayed from the audit trail, so a watchdog restart never silently reverts a nurse's change.
   */
  private restoreBedSettings(): void {
    const known = new Set(this.opts.config.beds.map((b) => b.id));
    const entries = this.store.auditedActions(['bed-limits', 'news2-manual-inputs']).filter((e) => e.bed && known.has(e.bed));
    // Limits: only each bed's latest change, and only if a person made it (a later config reload, audited as
    // 'config-reload', means the config file's limits apply, and those are loaded already).
    const lastLimits = new Map<string, AuditEntry>();
    for (const e of entries) if (e.action === 'bed-limits') lastLimits.set(e.bed!, e);
    for (const e of lastLimits.values()) {
      if (e.actor === 'config-reload') continue;
      this.restoreOne(e, () => this.rules.setBedLimits(e.bed!, e.detail as never, `restore:${e.actor}`, e.at));
    }
    // NEWS2 manual inputs: replayed in order, each at the time it was entered, so freshness is judged from then.
    for (const e of entries) {
      if (e.action !== 'news2-manual-inputs') continue;
      this.restoreOne(e, () => this.rules.setManualInputs(e.bed!, e.detail as never, `restore:${e.actor}`, e.at));
      this.ward.manual(e.bed!, e.detail as never);
    }
  }

  private restoreOne(e: AuditEntry, fn: () => RulesOutput): void {
    try {
      // Runs before any alarm is restored, so there is nothing to raise or clear: an output here would be a bug.
      const out = fn();
      if (out.alarms.length > 0 || out.incidents.length > 0) this.log.warn({ bed: e.bed, action: e.action }, 'restore: a bed setting produced alarm events; ignored');
    } catch (err) {
      this.log.warn({ bed: e.bed, action: e.action, err: (err as Error).message }, 'restore: audited bed setting not applied');
    }
  }

  /** NEWS2 manual inputs from outside the screen (the demo, integrations), attributed and audited like a nurse's. */
  setManualInputs(bed: string, inputs: { acvpu?: 'A' | 'C' | 'V' | 'P' | 'U'; o2?: boolean; scale?: 1 | 2 }, by: string): void {
    const now = this.now();
    this.apply(this.rules.setManualInputs(bed, inputs, by, now), [{ at: now, actor: by, action: 'news2-manual-inputs', bed, detail: inputs }]);
    this.ward.manual(bed, inputs);
    this.news2Soon(bed);
  }

  // ---- reload -------------------------------------------------------------------------------------

  /**
   * SIGHUP: re-reads the config and applies beds' profiles and limits, device bindings and credentials, and
   * restarts only the drivers whose devices changed; broker and screen connections stay up. A bad config
   * throws (the caller logs it) and nothing changes. Gateway identity, ports and sync settings need a restart.
   */
  async reload(configPath: string | undefined): Promise<ReloadResult> {
    // One reload at a time: two quick SIGHUPs must not both restart the drivers (two readers on one port).
    const run = this.reloading.then(() => this.reloadNow(configPath));
    this.reloading = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async reloadNow(configPath: string | undefined): Promise<ReloadResult> {
    if (this.stopping) throw new Error('stopping');
    const next = loadConfig(configPath);
    const rulesNext = rulesConfigFrom(next);
    const prev = this.opts.config;
    const needsRestart: string[] = [];
    for (const key of ['gateway', 'broker', 'screen', 'sync', 'dataDir'] as const) {
      if (JSON.stringify(prev[key]) !== JSON.stringify(next[key])) needsRestart.push(key);
    }
    const now = this.now();
    // Beds whose limits the config changes (profile, overrides, or the profile's own table): audited like a nurse's change.
    const prevRules = this.rulesConfig;
    const limitsOf = (c: typeof rulesNext, id: string) => {
      const b = c.beds.find((x) => x.id === id);
      return JSON.stringify([b?.profile, b?.overrides ?? {}, b ? c.profiles[b.profile] : undefined]);
    };
    const changedBeds = next.beds.filter((b) => limitsOf(prevRules, b.id) !== limitsOf(rulesNext, b.id)).map((b) => b.id);
    const out = this.rules.reconfigure(rulesNext, 'config-reload', now);
    this.rulesConfig = rulesNext;
    this.apply(
      out,
      changedBeds.map((bed) => {
        const b = next.beds.find((x) => x.id === bed)!;
        return { at: now, actor: 'config-reload', action: 'bed-limits', bed, detail: { profile: b.profile, overrides: b.overrides ?? {} } };
      }),
    );
    for (const b of next.beds) this.ward.addBed(b);

    const changedDevices = next.devices.filter((d) => JSON.stringify(prev.devices.find((x) => x.id === d.id)) !== JSON.stringify(d));
    const removed = prev.devices.filter((d) => !next.devices.some((x) => x.id === d.id));
    this.devices.clear();
    for (const d of next.devices) this.devices.set(d.id, d);
    for (const d of changedDevices) {
      this.connections.get(d.id)?.stop();
      const conn = new DeviceConnection({ deviceId: d.id, sink: this, maxSilenceMs: d.maxSilenceSeconds * 1000 });
      this.connections.set(d.id, conn);
      this.ward.addDevice(d);
      // An MQTT wearable that stays connected through the reload keeps being watched for silence.
      if (d.transport === 'mqtt' && (this.mqttSessions.get(d.id) ?? 0) > 0) conn.opened('config reloaded');
    }
    for (const d of removed) {
      this.connections.get(d.id)?.stop();
      this.connections.delete(d.id);
      this.ward.removeDevice(d.id);
    }
    let restartedDrivers = 0;
    const driverChanged = [...changedDevices, ...removed].some((d) => d.transport !== 'mqtt');
    if (driverChanged) {
      await Promise.allSettled(this.drivers.map((d) => d.stop()));
      this.drivers = [];
      try {
        for (const factory of this.opts.driverFactories ?? []) this.drivers.push(...(await factory(next.devices, this, this.log, next)));
        await Promise.all(this.drivers.map((d) => d.start()));
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'config: a driver did not start after the reload');
      }
      restartedDrivers = this.drivers.length;
    }
    this.opts = { ...this.opts, config: { ...next, gateway: prev.gateway, broker: prev.broker, screen: prev.screen, sync: prev.sync, dataDir: prev.dataDir } };
    this.screen.broadcast({ type: 'snapshot', state: this.ward.snapshot(now) });
    return { beds: next.beds.length, devices: next.devices.length, changedBeds, restartedDrivers, needsRestart };
  }

  // ---- shutdown -----------------------------------------------------------------------------------

  /** Stop ingest, flush the store, close broker and connections. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of [this.tickTimer, this.heartbeatTimer, this.pruneTimer]) if (t) clearInterval(t);
    if (this.news2Timer) clearTimeout(this.news2Timer);
    for (const c of this.connections.values()) c.stop();
    await Promise.allSettled(this.drivers.map((d) => d.stop()));
    // Whatever the drivers' last data raised is committed and published before the broker closes.
    if (this.store) this.flushChanges();
    await this.broker?.stop().catch((err: unknown) => this.log.error({ err }, 'broker stop failed'));
    await this.screen?.stop().catch((err: unknown) => this.log.error({ err }, 'screen stop failed'));
    await this.buzzer?.close().catch((err: unknown) => this.log.error({ err }, 'buzzer stop failed'));
    await this.upstream?.stop().catch((err: unknown) => this.log.error({ err }, 'upstream stop failed'));
    this.store?.close();
    this.log.info('wardgate: stopped');
  }
}
