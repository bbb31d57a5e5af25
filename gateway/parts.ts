import type { GatewayConfig } from '../config/schema.js';
import type { RulesConfig } from '../rules/config.js';
import { createRulesEngine, type RulesEngine } from '../rules/engine.js';
import type { NewId } from '../rules/ids.js';
import type { RulesOutput } from '../rules/types.js';
import type { GatewayIdentity } from '../sync/wire.js';
import { AlarmCommit } from './alarm-commit.js';
import type { EmbeddedBroker } from './broker/broker.js';
import type { Buzzer } from './buzzer/buzzer.js';
import { clockState } from './clock.js';
import { operatorNotices } from './health/operator-notices.js';
import { DriverFamilies, type DriverFamily } from './driver-families.js';
import { Ingest, type GatewayCounters } from './ingest.js';
import type { Logger, RateLimitedLog } from './log.js';
import type { WardgateMetrics } from './metrics/registry.js';
import type { ScreenServer } from './screen/server.js';
import { SelfAlarms } from './self-alarms.js';
import type { AuditEntry, Store } from './store/store.js';
import { SyncLink } from './sync-link.js';
import { WardState } from './ward-state.js';
import { WardOutputs } from './ward-outputs.js';
import { HospitalOutputs } from './outputs.js'; // IHE outputs wiring

/** What the parts share: built before them, or (the functions) read when used because built later. */
export interface PartsContext {
  config: () => GatewayConfig;
  rulesConfig: RulesConfig;
  store: Store;
  metrics: WardgateMetrics;
  counters: GatewayCounters;
  identity: GatewayIdentity;
  version: string;
  startedAt: number;
  newId: NewId;
  log: Logger;
  limited: RateLimitedLog;
  now: () => number;
  families: DriverFamily[];
  broker: () => EmbeddedBroker | undefined;
  screen: () => ScreenServer | undefined;
  buzzer: () => Buzzer | undefined;
  stopping: () => boolean;
  /** A driver family became degraded or works again (after its alarm was raised or cleared). */
  familyChanged: () => void;
}

export interface GatewayParts {
  ward: WardState;
  rules: RulesEngine;
  commit: AlarmCommit;
  outputs: WardOutputs;
  selfAlarms: SelfAlarms;
  syncLink: SyncLink;
  ingest: Ingest;
  families: DriverFamilies;
  /** Alarm manager (IHE PCD-04/05) and EHR (PCD-01) over HL7 MLLP: gateway/outputs.ts. */
  hospital: HospitalOutputs;
}

/** Builds the rules, the ward state and the parts between them, and wires them together (nothing starts here). */
export function buildParts(x: PartsContext): GatewayParts {
  const c = x.config();
  const { store, log, now, metrics } = x;
  const budgetBytes = () => x.config().store.budgetMB * 1024 * 1024;
  const ward = new WardState(c.gateway.id, c.gateway.ward, c.beds, c.devices, {
    upstreamEnabled: c.sync.enabled,
    upstreamOnline: false,
    outboxDepth: 0,
    oldestUndeliveredAt: null,
    lastSyncAt: null,
    clock: clockState(),
    startedAt: x.startedAt,
    version: x.version,
    notices: operatorNotices(clockState()),
  });
  const rules = createRulesEngine(x.rulesConfig, { newId: x.newId });
  const apply = (out: RulesOutput, audit: AuditEntry[] = []) => commit.apply(out, audit);
  const outputs = new WardOutputs({
    ward,
    rules,
    store,
    log,
    now,
    metrics,
    gatewayId: x.identity.gatewayId,
    screen: x.screen,
    broker: x.broker,
    upstream: () => syncLink.upstream,
    onAlarmPublished: () => (x.counters.alarmsPublished += 1),
  });
  const broadcastBed = (bed: string) => outputs.broadcastBed(bed);
  const selfAlarms: SelfAlarms = new SelfAlarms({
    rules,
    store,
    apply,
    log,
    now,
    budgetBytes,
    retentionMs: () => x.config().store.observationRetentionHours * 3600_000,
    stopping: x.stopping,
  });
  const syncLink: SyncLink = new SyncLink({
    sync: c.sync,
    identity: x.identity,
    store,
    ward,
    screen: x.screen,
    broadcastBed,
    log,
    limited: x.limited,
    now,
    startedAt: x.startedAt,
    disk: () => (selfAlarms.diskUsed === undefined ? undefined : { usedBytes: selfAlarms.diskUsed, budgetBytes: budgetBytes() }),
  });
  // ---- IHE outputs wiring: alarm manager (PCD-04/05) and EHR (PCD-01), gateway/outputs.ts ----
  const hospital = new HospitalOutputs({
    config: c, db: store.db, log: log.child({ module: 'outputs' }), now, lastSeq: () => store.lastSeq, flushObservations: () => store.flushObservations(),
    patientOf: (bed) => syncLink.patientOf(bed),
    technical: (t) => {
      if (!x.stopping()) apply(rules.technical({ ...t, at: now() }));
    },
    noteIncident: (alarmId, message) => apply(rules.noteIncident(alarmId, message, 'alarm-manager', now())),
    news2Complete: (bed) => rules.news2(bed, now()).complete,
    activeAlarms: () => rules.activeAlarms(),
    showPage: (p) => {
      ward.page(p);
      x.screen()?.broadcast({ type: 'page', page: p });
    },
  });
  const commit: AlarmCommit = new AlarmCommit({
    within: (alarms) => hospital.within(alarms), // IHE outputs wiring: PCD-04 rows in the alarm's transaction
    store,
    log,
    now,
    newId: x.newId,
    identity: x.identity,
    clockSynced: () => ward.health.clock === 'synchronised',
    patientOf: (bed) => syncLink.patientOf(bed),
    // Unmapped numerics travel with the incident as the vitals do: those of the NEWS2 freshness window.
    unmappedOf: (bed, at) => ward.freshMore(bed, at, x.config().rules.news2.freshnessSeconds * 1000),
    publish: (a) => outputs.publishAlarm(a),
    timed: (seconds) => metrics.recordAlarmCommit(seconds),
    onStoreFailure: () => (x.counters.storeFailures += 1),
    committed: (r) => {
      selfAlarms.setStoreFault(r.storeFailed, 'alarm changes are not being persisted');
      if (r.alarmsChanged) x.buzzer()?.update(rules.activeAlarms());
      if (r.outboxCommitted) syncLink.kick();
    },
  });
  const ingest = new Ingest({
    gatewayId: x.identity.gatewayId,
    devices: c.devices,
    brokerUsers: () => x.config().broker.users,
    store,
    rules,
    ward,
    metrics,
    counters: x.counters,
    screen: x.screen,
    apply,
    broadcastBed,
    news2Soon: (bed) => outputs.news2Soon(bed),
    log,
    limited: x.limited,
    now,
    stopping: x.stopping,
  });
  const families = new DriverFamilies({
    families: x.families,
    sink: ingest,
    log,
    onChange: (family, degraded, detail) => {
      selfAlarms.driverFamily(family, degraded, detail);
      x.familyChanged();
    },
  });
  metrics.setOutboxProbe(() => {
    const st = store.outboxStats();
    return { depth: st.depth, oldestAgeSeconds: st.oldestCreatedAt === null ? 0 : Math.max(0, (now() - st.oldestCreatedAt) / 1000) };
  });
  return { ward, rules, commit, outputs, selfAlarms, syncLink, ingest, families, hospital };
}
