/**
 * The gateway's Prometheus metrics (prom-client), served at /metrics. Names and meanings are listed for operators
 * in docs/operations.md ("Metrics"). One registry per daemon; tests create their own.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ParamName } from '../../drivers/core/parameters.js';
import type { AlarmEvent, AlarmState, Priority } from '../../rules/types.js';

/** Outbox figures read at scrape time, so the gauges are never stale. */
export interface OutboxSnapshot {
  depth: number;
  /** Age of the oldest unsent entry in seconds; 0 when the outbox is empty. */
  oldestAgeSeconds: number;
}

export interface MetricsOptions {
  /** Package version for wardgate_build_info. */
  version: string;
  /** Defaults to a new Registry. */
  registry?: Registry;
  /** Node/process default metrics (event-loop lag, memory, GC, fds). Default true. */
  defaultMetrics?: boolean;
  /** Reads the outbox at scrape time; can also be set later with setOutboxProbe. */
  outbox?: () => OutboxSnapshot;
}

/** Reasons an observation is dropped before the rules see it. */
export type DropReason = 'implausible' | 'stale' | 'duplicate' | 'unknown-device' | 'unknown-param' | 'queue-full';

export interface WardgateMetrics {
  readonly registry: Registry;
  /** The Content-Type to serve the scrape with. */
  readonly contentType: string;
  readonly observations: Counter<'driver' | 'param'>;
  readonly decodeErrors: Counter<'codec'>;
  readonly droppedObservations: Counter<'reason'>;
  readonly alarms: Counter<'priority' | 'state'>;
  readonly alarmTimeToAck: Histogram<'priority'>;
  readonly alarmTimeToResolve: Histogram<'priority'>;
  readonly outboxDepth: Gauge;
  readonly outboxOldestAge: Gauge;
  readonly syncLatency: Histogram;
  readonly alarmCommit: Histogram;
  readonly buildInfo: Gauge<'version' | 'node'>;
  recordObservation(driver: string, param: ParamName): void;
  recordDecodeError(codec: string): void;
  /** A numeric with a code the parameter table does not map (by code as the device sent it). */
  recordUnmapped(code: string): void;
  recordDrop(reason: DropReason): void;
  /**
   * Counts the alarm entering a state (raised -> active, acknowledged, cleared) and, on acknowledge and clear,
   * observes the time since it was raised. Other transitions (escalated, latched, audio) are not counted.
   */
  recordAlarm(event: AlarmEvent): void;
  /** Seconds from an incident being written to the outbox to the upstream broker's acknowledgement. */
  recordSyncLatency(seconds: number): void;
  /** Seconds one durable alarm commit took (mostly the disk's sync): alarms are published only after it. */
  recordAlarmCommit(seconds: number): void;
  setOutboxProbe(probe: () => OutboxSnapshot): void;
  /** The exposition text, as /metrics serves it. */
  scrape(): Promise<string>;
}

/** Seconds; a nurse acknowledges in seconds to minutes, resolution may take an hour. */
const ALARM_BUCKETS = [5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];
const SYNC_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

const STATE_OF_TRANSITION: Partial<Record<AlarmEvent['transition'], AlarmState>> = {
  raised: 'active',
  acknowledged: 'acknowledged',
  cleared: 'cleared',
};

export function createMetrics(options: MetricsOptions): WardgateMetrics {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  }
  let outboxProbe = options.outbox;

  // The hot path counts readings in plain numbers per (driver, param); they reach the counter when it is collected
  // (a scrape), so a six-vital sample costs six additions instead of six prom-client increments.
  const unreported = new Map<string, Map<string, { n: number }>>();
  const reportObservations = (c: Counter<'driver' | 'param'>) => {
    for (const [driver, params] of unreported) {
      for (const [param, cell] of params) {
        if (cell.n > 0) c.inc({ driver, param }, cell.n);
        cell.n = 0;
      }
    }
  };
  const observations = new Counter({
    name: 'wardgate_observations_total',
    help: 'Readings accepted from devices, by driver and canonical parameter.',
    labelNames: ['driver', 'param'] as const,
    registers,
    collect() {
      reportObservations(this);
    },
  });
  const decodeErrors = new Counter({
    name: 'wardgate_decode_errors_total',
    help: 'Frames or messages a codec could not decode, by codec.',
    labelNames: ['codec'] as const,
    registers,
  });
  const droppedObservations = new Counter({
    name: 'wardgate_dropped_observations_total',
    help: 'Observations dropped before the rules, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  const alarms = new Counter({
    name: 'wardgate_alarms_total',
    help: 'Alarms entering a state (active, acknowledged, cleared), by priority at that moment.',
    labelNames: ['priority', 'state'] as const,
    registers,
  });
  const alarmTimeToAck = new Histogram({
    name: 'wardgate_alarm_time_to_ack_seconds',
    help: 'Time from an alarm being raised to its acknowledgement (MTTA = sum / count), by priority.',
    labelNames: ['priority'] as const,
    buckets: ALARM_BUCKETS,
    registers,
  });
  const alarmTimeToResolve = new Histogram({
    name: 'wardgate_alarm_time_to_resolve_seconds',
    help: 'Time from an alarm being raised to it being cleared, by priority.',
    labelNames: ['priority'] as const,
    buckets: ALARM_BUCKETS,
    registers,
  });
  const outboxDepth = new Gauge({
    name: 'wardgate_outbox_depth',
    help: 'Incident events waiting in the outbox for the upstream broker.',
    registers,
    collect() {
      if (outboxProbe) this.set(outboxProbe().depth);
    },
  });
  const outboxOldestAge = new Gauge({
    name: 'wardgate_outbox_oldest_age_seconds',
    help: 'Age of the oldest unsent outbox entry in seconds (0 when empty).',
    registers,
    collect() {
      if (outboxProbe) this.set(outboxProbe().oldestAgeSeconds);
    },
  });
  const syncLatency = new Histogram({
    name: 'wardgate_sync_latency_seconds',
    help: 'Time from an incident event entering the outbox to its acknowledgement by the upstream broker.',
    buckets: SYNC_BUCKETS,
    registers,
  });
  const alarmCommit = new Histogram({
    name: 'wardgate_alarm_commit_seconds',
    help: 'Time one durable commit of alarm changes took (mostly the disk sync); alarms are published after it. A slow or wearing SD card shows here first.',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5],
    registers,
  });
  const buildInfo = new Gauge({
    name: 'wardgate_build_info',
    help: 'Always 1; the labels carry the wardgate and Node versions.',
    labelNames: ['version', 'node'] as const,
    registers,
  });
  buildInfo.set({ version: options.version, node: process.version }, 1);

  const unmappedCodes = new Counter({
    name: 'wardgate_unmapped_codes_total',
    help: 'Numerics received with a code the parameter table does not map (stored and shown, never scored), by code.',
    labelNames: ['code'] as const,
    registers,
  });
  const unmappedSeen = new Set<string>();
  return {
    registry,
    contentType: registry.contentType,
    observations,
    decodeErrors,
    droppedObservations,
    alarms,
    alarmTimeToAck,
    alarmTimeToResolve,
    outboxDepth,
    outboxOldestAge,
    syncLatency,
    alarmCommit,
    buildInfo,
    recordObservation(driver, param) {
      let params = unreported.get(driver);
      if (!params) unreported.set(driver, (params = new Map()));
      const cell = params.get(param);
      if (cell) cell.n += 1;
      else params.set(param, { n: 1 });
    },
    recordUnmapped(code) {
      // Codes come from devices: past 500 distinct ones the rest share one label, so a bad sender cannot grow /metrics.
      if (!unmappedSeen.has(code) && unmappedSeen.size >= 500) code = 'other';
      unmappedSeen.add(code);
      unmappedCodes.inc({ code });
    },
    recordDecodeError(codec) {
      decodeErrors.inc({ codec });
    },
    recordDrop(reason) {
      droppedObservations.inc({ reason });
    },
    recordAlarm(event) {
      const state = STATE_OF_TRANSITION[event.transition];
      if (!state) return;
      const priority: Priority = event.priority;
      alarms.inc({ priority, state });
      const seconds = Math.max(0, (event.at - event.raisedAt) / 1000);
      if (event.transition === 'acknowledged') alarmTimeToAck.observe({ priority }, seconds);
      if (event.transition === 'cleared') alarmTimeToResolve.observe({ priority }, seconds);
    },
    recordSyncLatency(seconds) {
      if (Number.isFinite(seconds) && seconds >= 0) syncLatency.observe(seconds);
    },
    recordAlarmCommit(seconds) {
      if (Number.isFinite(seconds) && seconds >= 0) alarmCommit.observe(seconds);
    },
    setOutboxProbe(probe) {
      outboxProbe = probe;
    },
    scrape() {
      return registry.metrics();
    },
  };
}
