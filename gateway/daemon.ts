import { loadConfig } from '../config/load.js';
import type { GatewayConfig } from '../config/schema.js';
import type { ConnectionState } from '../drivers/core/connection.js';
import type { DriverSink } from '../drivers/core/driver.js';
import type { ConditionReport, DeviceAlarmReport, DeviceEvent, Reading } from '../drivers/core/observation.js';
import { limitOverridesSchema, type RulesConfig } from '../rules/config.js';
import type { RulesEngine } from '../rules/engine.js';
import { createUuidV7, type NewId } from '../rules/ids.js';
import { TECHNICAL_CONDITION_NAMES, TECHNICAL_CONDITIONS } from '../rules/technical.js';
import type { DownlinkStore } from './store/downlink.js';
import type { Upstream } from '../sync/upstream.js';
import type { GatewayIdentity } from '../sync/wire.js';
import type { AlarmCommit } from './alarm-commit.js';
import { AlarmLoop } from './alarm-loop.js';
import type { EmbeddedBroker } from './broker/broker.js';
import { createBroker } from './broker/create.js';
import { Buzzer } from './buzzer/buzzer.js';
import { createAnnunciator } from './buzzer/create.js';
import type { DegradedFamily, DriverFactory, DriverFamilies, DriverFamily } from './driver-families.js';
import { gatewayHealthEndpoints } from './health/gateway-checks.js';
import type { GatewayCounters, Ingest } from './ingest.js';
import { type Logger, RateLimitedLog } from './log.js';
import { createMetrics, type WardgateMetrics } from './metrics/registry.js';
import { buildParts } from './parts.js';
import { applyReload, planReload, type ReloadResult } from './reload.js';
import { restoreFromStore } from './restore.js';
import { rulesConfigFrom } from './rules-config.js';
import { createScreenBackend } from './screen-backend.js';
import { createWardScreen } from './screen/create.js';
import type { ScreenServer } from './screen/server.js';
import { GATEWAY_BED, type SelfAlarms } from './self-alarms.js';
import { Store } from './store/store.js';
import type { SyncLink } from './sync-link.js';
import { SecurityPosture } from './tls/posture.js';
import { VERSION } from './version.js';
import type { WardState } from './ward-state.js';
import type { WardOutputs } from './ward-outputs.js';
import type { HospitalOutputs } from './outputs.js'; // IHE outputs wiring
import { registerOutputMetrics } from './outputs-metrics.js'; // IHE outputs wiring

// Names other modules import from here.
export { GATEWAY_BED } from './self-alarms.js';
export type { GatewayCounters } from './ingest.js';
export type { DriverFactory, DriverFamily } from './driver-families.js';
export type { ReloadResult } from './reload.js';

export interface GatewayOptions {
  config: GatewayConfig;
  log: Logger;
  /** Driver families for non-MQTT transports (see gateway/drivers.ts). */
  driverFamilies?: DriverFamily[];
  /** Unnamed driver factories, each started as a family of its own (`family-1`, ...). */
  driverFactories?: DriverFactory[];
  now?: () => number;
}

/** A part that started, with how to stop it; stopped in the reverse order of start. */
interface StartedPart {
  name: string;
  stop: () => void | Promise<void>;
}

/**
 * The composition root. The constructor only stores its arguments; start() builds the parts (store, rules and ward
 * state, ingest, broker, sync, buzzer, screen, driver families, alarm loop: every output is up before the first device
 * data can arrive) and stop() stops the started ones in exactly the reverse order. A driver family, the buzzer or
 * the sync link that fails is logged, listed as degraded on /readyz and the screen's health line, and (driver
 * families, buzzer) raised as a technical alarm, and the rest runs on; the store, the broker and the screen are the
 * alarm path itself, and their failure fails the start.
 */
export class Gateway implements DriverSink {
  readonly counters: GatewayCounters = { observations: 0, decodeErrors: {}, unknownDevice: 0, implausible: 0, alarmsPublished: 0, storeFailures: 0 };
  readonly metrics: WardgateMetrics;
  store!: Store;
  rules!: RulesEngine;
  broker!: EmbeddedBroker;
  screen!: ScreenServer;
  ward!: WardState;
  buzzer: Buzzer | undefined;
  private ingest!: Ingest;
  private commit!: AlarmCommit;
  private outputs!: WardOutputs;
  private hospital!: HospitalOutputs; // IHE outputs wiring
  private selfAlarms!: SelfAlarms;
  private syncLink!: SyncLink;
  private families!: DriverFamilies;
  private loop!: AlarmLoop;
  private security!: SecurityPosture;
  /** The rules' configuration in force (built-in profiles read from disk once, at start and at each reload). */
  private rulesConfig!: RulesConfig;
  private readonly parts: StartedPart[] = [];
  private readonly failedParts: DegradedFamily[] = [];
  private readonly log: Logger;
  private readonly limited: RateLimitedLog;
  private readonly now: () => number;
  private readonly newId: NewId = createUuidV7();
  private readonly identity: GatewayIdentity;
  private readonly startedAt: number;
  private reloading: Promise<void> = Promise.resolve();
  private stopping = false;
  private started = false;

  constructor(private opts: GatewayOptions) {
    this.log = opts.log;
    this.limited = new RateLimitedLog(opts.log);
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    const g = opts.config.gateway;
    this.identity = { gatewayId: g.id, site: g.site, ward: g.ward, version: VERSION };
    this.metrics = createMetrics({ version: VERSION });
  }

  get config(): GatewayConfig {
    return this.opts.config;
  }

  get upstream(): Upstream | undefined {
    return this.syncLink?.upstream;
  }

  get downlink(): DownlinkStore {
    return this.syncLink.downlink;
  }

  get isReady(): boolean {
    return this.started && !this.stopping;
  }

  /** For the systemd watchdog: the alarm loop has ticked recently and the store is open. */
  isHealthy(now = this.now()): boolean {
    return this.isReady && now - this.loop.lastTickAt < 5000 && this.store.isOpen;
  }

  async start(): Promise<void> {
    const c = this.opts.config;
    try {
      await this.startPart('store', () => this.openStore(), () => this.store.close());
      this.buildAndRestore();
      await this.startPart('ingest', () => this.ingest.start(), () => this.ingest.stop());
      await this.startPart('broker', () => this.startBroker(), () => this.broker.stop());
      await this.startGuarded('sync', () => this.syncLink.start(), () => this.syncLink.stop());
      await this.startGuarded('buzzer', () => this.startBuzzer(), () => this.buzzer?.close(), (detail) => this.selfAlarms.buzzerFault(true, detail));
      await this.startPart('screen', () => this.startScreen(), () => this.screen.stop());
      // IHE outputs wiring: stopped after the last alarms are committed, with the final (inactive) watchdog.
      await this.startGuarded('hospital-outputs', () => this.hospital.start(), () => this.hospital.stop(true));
      // Stopped right after the drivers, while the outputs still run: the drivers' last alarms are committed and sent.
      await this.startPart('alarm-commit', () => undefined, () => this.commit.flush());
      await this.startPart('drivers', () => this.startDrivers(), () => this.families.stop());
      await this.startPart('alarm-loop', () => this.loop.start(), () => this.loop.stop());
    } catch (err) {
      await this.stopParts();
      throw err;
    }
    this.started = true;
    this.log.info({ gatewayId: c.gateway.id, version: VERSION, beds: c.beds.length, devices: c.devices.length }, 'wardgate: ready');
  }

  /** Stops every started part in the reverse order of start; a part that fails to stop is logged. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.stopParts();
    this.log.info('wardgate: stopped');
  }

  private async startPart(name: string, start: () => unknown, stop: StartedPart['stop']): Promise<void> {
    await start();
    this.parts.push({ name, stop });
  }

  /** A part the alarm path does not depend on: its failure is logged and listed as degraded, and the start goes on. */
  private async startGuarded(name: string, start: () => unknown, stop: StartedPart['stop'], failed?: (detail: string) => void): Promise<void> {
    try {
      await this.startPart(name, start, stop);
    } catch (err) {
      const detail = `did not start: ${err instanceof Error ? err.message : String(err)}`;
      this.log.error({ part: name, detail }, `${name}: did not start; the gateway runs without it`);
      this.failedParts.push({ family: name, detail });
      this.parts.push({ name, stop });
      failed?.(detail);
    }
  }

  /** Driver families and other parts that do not work while the gateway stays ready. */
  private degraded(): DegradedFamily[] {
    return [...(this.families?.degraded() ?? []), ...this.failedParts];
  }

  private async stopParts(): Promise<void> {
    for (let part = this.parts.pop(); part; part = this.parts.pop()) {
      try {
        await part.stop();
      } catch (err) {
        this.log.error({ part: part.name, err }, `${part.name} stop failed`);
      }
    }
  }

  private openStore(): void {
    this.store = new Store(this.opts.config.dataDir);
    this.store.onWriteError = (err, what) => {
      this.counters.storeFailures += 1;
      this.limited.warn('store-write', { err: err.message, what }, 'store: background write failed');
      this.selfAlarms?.setStoreFault(true, `${what} could not be written: ${err.message}`);
    };
    if (this.store.migrated.length > 0) this.log.info({ path: this.store.path, migrations: this.store.migrated }, 'store: migrated');
  }

  /** The parts (see parts.ts), then what a restart must bring back. */
  private buildAndRestore(): void {
    const c = this.opts.config;
    const { store, log, now } = this;
    const parts = buildParts({
      config: () => this.opts.config,
      rulesConfig: (this.rulesConfig = rulesConfigFrom(c)),
      store,
      metrics: this.metrics,
      counters: this.counters,
      identity: this.identity,
      version: VERSION,
      startedAt: this.startedAt,
      newId: this.newId,
      log,
      limited: this.limited,
      now,
      families: this.opts.driverFamilies ?? (this.opts.driverFactories ?? []).map((build, i) => ({ name: `family-${i + 1}`, build })),
      broker: () => this.broker as EmbeddedBroker | undefined,
      screen: () => this.screen as ScreenServer | undefined,
      buzzer: () => this.buzzer,
      stopping: () => this.stopping,
      familyChanged: () => {
        if (this.started) this.updateHealth();
      },
    });
    ({ ward: this.ward, rules: this.rules, commit: this.commit, outputs: this.outputs, selfAlarms: this.selfAlarms } = parts);
    ({ syncLink: this.syncLink, ingest: this.ingest, families: this.families, hospital: this.hospital } = parts);
    if (this.hospital.enabled) registerOutputMetrics(this.metrics.registry, this.hospital, now); // IHE outputs wiring
    const { rules, ward } = parts;
    restoreFromStore({ config: c, store, rules, ward, log, now: now() });
    this.selfAlarms.restore(rules.activeAlarms().filter((a) => a.bed === GATEWAY_BED && a.state !== 'cleared'));
    this.syncLink.restore();
    const { commit, outputs, selfAlarms } = parts;
    const updateHealth = () => this.updateHealth();
    this.loop = new AlarmLoop({ rules, commit, outputs, selfAlarms, ward, updateHealth, log, now });
  }

  private async startBroker(): Promise<void> {
    const c = this.opts.config.broker;
    // The first listener: plaintext on the network and certificate expiry are logged at every start.
    this.security = new SecurityPosture(this.opts.config, this.log.child({ module: 'tls' }), this.metrics.registry, this.now);
    this.security.logAtStart();
    this.broker = createBroker(c, this.ingest, this.metrics, this.log);
    const port = await this.broker.start();
    this.log.info({ host: c.host, port }, 'broker: listening');
    if (this.broker.tlsPort) this.log.info({ host: c.tls?.host, port: this.broker.tlsPort }, 'broker: MQTTS listening');
  }

  private async startDrivers(): Promise<void> {
    const c = this.opts.config;
    await this.families.start(c.devices, c);
    this.selfAlarms.settleFamilies(this.families.degraded().map((d) => d.family));
  }

  private async startScreen(): Promise<void> {
    const c = this.opts.config;
    const backend = createScreenBackend({
      rules: this.rules,
      ward: this.ward,
      store: this.store,
      now: this.now,
      buzzer: () => this.buzzer,
      apply: (out, audit) => this.commit.apply(out, audit),
      broadcastBed: (bed) => this.outputs.broadcastBed(bed),
      audioPauseMs: () => this.opts.config.rules.lifecycle.audioPauseSeconds * 1000,
    });
    const health = gatewayHealthEndpoints({
      version: VERSION,
      metrics: this.metrics,
      isReady: () => this.isReady,
      store: () => this.store,
      storeFault: () => this.selfAlarms.storeFaultActive,
      broker: () => this.broker,
      ward: () => this.ward,
      upstream: () => this.upstream,
      degraded: () => this.degraded(),
    });
    const technicalLabels = Object.fromEntries(TECHNICAL_CONDITION_NAMES.map((t) => [t, TECHNICAL_CONDITIONS[t].label]));
    this.screen = createWardScreen(c, this.rulesConfig.profiles, limitOverridesSchema, backend, health, this.log, () => this.security.notices(), technicalLabels);
    const port = await this.screen.start();
    this.log.info({ host: c.screen.host, port }, 'screen: listening');
    if (this.screen.tlsPort) this.log.info({ host: c.screen.tls?.host, port: this.screen.tlsPort }, 'screen: HTTPS listening');
  }

  private async startBuzzer(): Promise<void> {
    const c = this.opts.config;
    const restoredFault = this.rules.activeAlarms().some((a) => a.bed === GATEWAY_BED && a.condition === 'buzzer-fault' && a.state !== 'cleared');
    this.buzzer = new Buzzer({
      output: createAnnunciator(c.buzzer, c.dataDir),
      // deferred: the fault is applied outside the apply() that drove the buzzer
      onFault: (active, detail) => setImmediate(() => this.selfAlarms.buzzerFault(active, detail)),
    });
    await this.buzzer.start();
    this.buzzer.update(this.rules.activeAlarms());
    if (restoredFault && !this.buzzer.isFaulted) this.selfAlarms.buzzerFault(false, 'buzzer works after restart');
    this.log.info({ backend: this.buzzer.kind }, 'buzzer: ready');
  }

  private updateHealth(): void {
    const degraded = this.degraded();
    if (degraded.length > 0) this.ward.health.degraded = degraded;
    else delete this.ward.health.degraded;
    this.outputs.updateHealth();
  }

  // ---- DriverSink (for callers that feed the gateway directly) -----------------------------------

  reading(deviceId: string, reading: Reading): void {
    this.ingest.reading(deviceId, reading);
  }
  condition(deviceId: string, report: ConditionReport): void {
    this.ingest.condition(deviceId, report);
  }
  event(deviceId: string, event: DeviceEvent): void {
    this.ingest.event(deviceId, event);
  }
  connection(deviceId: string, state: ConnectionState, reason: string): void {
    this.ingest.connection(deviceId, state, reason);
  }
  deviceAlarms(deviceId: string, alarms: DeviceAlarmReport[]): void {
    this.ingest.deviceAlarms(deviceId, alarms);
  }
  decodeError(codec: string, deviceId: string, error: string): void {
    this.ingest.decodeError(codec, deviceId, error);
  }
  rejected(source: string, deviceId: string, reason: string, detail: string): void {
    this.ingest.rejected(source, deviceId, reason, detail);
  }

  /** NEWS2 manual inputs from outside the screen (the demo, integrations), attributed and audited like a nurse's. */
  setManualInputs(bed: string, inputs: { acvpu?: 'A' | 'C' | 'V' | 'P' | 'U'; o2?: boolean; scale?: 1 | 2 }, by: string): void {
    const now = this.now();
    this.commit.apply(this.rules.setManualInputs(bed, inputs, by, now), [{ at: now, actor: by, action: 'news2-manual-inputs', bed, detail: inputs }]);
    this.ward.manual(bed, inputs);
    this.outputs.news2Soon(bed);
  }

  /**
   * SIGHUP: re-reads the config and applies beds' profiles and limits, device bindings and credentials, and
   * restarts the drivers only if a serial, BLE or HL7 device changed; broker and screen connections stay up. A bad
   * config throws (the caller logs it) and nothing changes. Gateway identity, ports and sync settings need a restart.
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
    this.security.reload([this.broker, this.screen, this.families]);
    const plan = planReload(this.opts.config, next, this.rulesConfig, rulesNext);
    this.rulesConfig = rulesNext;
    const result = await applyReload(plan, next, rulesNext, {
      rules: this.rules,
      ward: this.ward,
      apply: (out, audit) => this.commit.apply(out, audit),
      rebindDevices: (devices, changed, removed) => this.ingest.rebind(devices, changed, removed),
      restartDrivers: async (devices, config) => {
        await this.families.restart(devices, config);
        return this.families.driverCount;
      },
      broadcastSnapshot: (now) => this.screen.broadcast({ type: 'snapshot', setup: this.screen.setup(), state: this.ward.snapshot(now) }),
    }, this.now());
    this.opts = { ...this.opts, config: plan.config };
    return result;
  }
}
