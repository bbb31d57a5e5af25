import { canonicalUnit, PARAMETERS, type ParamName } from '../drivers/core/parameters.js';
import type { QualityFlag } from '../drivers/core/observation.js';
import type { LimitOverrides, Profile, RulesConfig } from './config.js';
import { createUuidV7, type NewId } from './ids.js';
import { bandFor, resolveLimits, type ResolvedLimits, type Side } from './limits.js';
import { scoreNews2, scorePulse, scoreRr, scoreSbp, scoreSpo2Scale1, scoreSpo2Scale2, scoreTemp } from './news2.js';
import { TECHNICAL_PRIORITY } from './technical.js';
import {
  PRIORITY_RANK,
  type AlarmEvent,
  type AlarmKind,
  type AlarmState,
  type AlarmTransition,
  type IncidentEvent,
  type IncidentEventType,
  type News2Result,
  type Observation,
  type Priority,
  type RulesOutput,
  type TechnicalInput,
} from './types.js';

export type { RulesConfig } from './config.js';
export type Acvpu = 'A' | 'C' | 'V' | 'P' | 'U';

/**
 * The rules engine: observations, technical inputs, device events, staff actions and an injected clock in; alarm and
 * incident events out, in the order they happened. Pure and deterministic: no I/O, no wall clock, no timers. Call
 * `tick(now)` regularly (about once a second) for condition delays, audio-pause expiry, escalation, NEWS2 freshness,
 * silent bound devices and incident closing.
 */
export interface RulesEngine {
  /** `o.receivedAt` is the clock (the gateway clock at receipt; device clocks are not trusted for timing). */
  observe(o: Observation): RulesOutput;
  technical(t: TechnicalInput): RulesOutput;
  deviceEvent(bed: string, deviceId: string, event: 'fall', at: number): RulesOutput;
  tick(now: number): RulesOutput;
  acknowledge(alarmId: string, by: string, now: number): RulesOutput;
  /** A note on the incident of a live alarm (e.g. what the hospital's alarm manager did with the page): an `updated` event. */
  noteIncident(alarmId: string, message: string, by: string, now: number): RulesOutput;
  pauseAudio(bed: string, by: string, now: number, durationMs?: number): RulesOutput;
  setManualInputs(bed: string, inputs: ManualInputs, by: string, now: number): RulesOutput;
  /** Throws `RulesInputError` for an unknown profile name. */
  setBedLimits(bed: string, change: { profile?: string; overrides?: LimitOverrides }, by: string, now: number): RulesOutput;
  /** Latest event of every alarm not yet cleared: high priority first, then oldest first. */
  activeAlarms(): AlarmEvent[];
  news2(bed: string, now: number): News2Result;
  /** After a restart: the latest events of the alarms not cleared and of the incidents not closed, from the store. */
  restore(alarms: AlarmEvent[], openIncidents: IncidentEvent[]): void;
  /**
   * A new configuration (SIGHUP): profiles, each bed's profile, overrides and bound devices, and the timing settings.
   * Live state (latest values, pending delays, manual inputs, pauses, open alarms and incidents) is kept; limits
   * are re-evaluated against the latest values, and a device no longer bound to a bed stops raising `no-data`
   * there. Throws `RulesInputError` (changing nothing) when a bed names an unknown profile.
   */
  reconfigure(config: RulesConfig, by: string, now: number): RulesOutput;
  /**
   * After a restart: the values of the NEWS2 parameters received before it, at their own times, so NEWS2 is complete
   * again without waiting for the next cuff reading; freshness is judged from when each value was received. Nothing
   * is evaluated here (the next `tick` does), and limit alarms start from new data only.
   */
  primeNews2(observations: Iterable<Observation>): void;
}

export interface ManualInputs {
  acvpu?: Acvpu;
  o2?: boolean;
  scale?: 1 | 2;
}

export class RulesInputError extends Error {
  override name = 'RulesInputError';
}

const RANK_PRIORITY: readonly Priority[] = ['low', 'low', 'medium', 'high'];
const priorityOf = (rank: number): Priority => RANK_PRIORITY[Math.max(1, Math.min(3, rank))] ?? 'low';

/** Readings with these flags are shown but never alarmed on or scored. */
const UNSCORED: readonly QualityFlag[] = ['invalid', 'demo', 'questionable', 'out-of-range'];

type News2Vital = 'rr' | 'spo2' | 'sbp' | 'pulse' | 'temp';
const NEWS2_OF: Partial<Record<ParamName, News2Vital>> = { rr: 'rr', spo2: 'spo2', sbp: 'sbp', hr: 'pulse', pr: 'pulse', temp: 'temp' };

interface Alarm {
  id: string;
  key: string;
  bed: BedState;
  condition: string;
  kind: AlarmKind;
  rank: number;
  state: AlarmState;
  /** Whether the alarm condition currently holds (false for a latched alarm or an event such as a fall). */
  present: boolean;
  latched: boolean;
  escalated: boolean;
  audible: boolean;
  latching: boolean;
  param?: ParamName;
  value?: number;
  limit?: number;
  deviceId?: string;
  sourceTs?: number;
  sourceSeq?: number;
  raisedAt: number;
  unackSince: number;
  incident: Incident;
  last: AlarmEvent | undefined;
  /** Where the engine keeps a reference to this alarm, to drop it on clear. */
  tracker: Tracker | undefined;
}

interface Incident {
  id: string;
  key: string;
  bed: BedState;
  condition: string;
  kind: AlarmKind;
  deviceId?: string;
  seq: number;
  priority: Priority;
  alarm: Alarm | undefined;
  alarmId: string;
  /** Set when its alarm cleared: the incident closes `rejoinWindow` later unless re-triggered. */
  closingSince: number | undefined;
}

/** Onset tracking for one condition (a limit side, NEWS2): pending delay and the standing alarm. */
interface Tracker {
  condition: string;
  pendingSince: number | undefined;
  alarm: Alarm | undefined;
}

interface ParamState {
  param: ParamName;
  value: number;
  at: number;
  deviceId: string;
  sourceTs: number | undefined;
  sourceSeq: number;
  limits: ResolvedLimits | undefined;
  high: Tracker;
  low: Tracker;
}

interface DeviceState {
  id: string;
  by: string;
  lastSeen: number | undefined;
  bound: boolean;
  noData: Tracker;
}

interface Timed<T> {
  v: T;
  at: number;
}

interface BedState {
  id: string;
  ward: string | undefined;
  patientId: string | undefined;
  profileName: string;
  overrides: LimitOverrides | undefined;
  limits: Map<ParamName, ResolvedLimits>;
  params: Map<ParamName, ParamState>;
  devices: Map<string, DeviceState>;
  /** Trackers of technical conditions other than no-data, by `condition|deviceId`. */
  technical: Map<string, Tracker>;
  fall: Tracker;
  news2: Tracker;
  news2Vitals: Partial<Record<News2Vital, Timed<number>>>;
  /** Last subscore used per vital, so an unchanged score costs no re-evaluation. */
  news2Sub: Partial<Record<News2Vital, number>>;
  acvpu: Timed<Acvpu> | undefined;
  o2: Timed<boolean> | undefined;
  scale: 1 | 2;
  alarms: Set<Alarm>;
  pending: Set<Tracker>;
  pausedUntil: number | undefined;
  pauseRank: number;
}

export function createRulesEngine(config: RulesConfig, opts?: { newId?: (at: number) => string }): RulesEngine {
  return new Engine(config, opts?.newId ?? createUuidV7());
}

class Engine implements RulesEngine {
  private clock = Number.NEGATIVE_INFINITY;
  private readonly beds = new Map<string, BedState>();
  private readonly alarms = new Map<string, Alarm>();
  private readonly incidents = new Map<string, Incident>();
  private pauseMs = 0;
  private escalateMs = 0;
  private noDataMs = 0;
  private rejoinMs = 0;
  private freshMs = 0;
  private manualFreshMs = 0;
  private news2DelayMs = 0;

  constructor(
    private config: RulesConfig,
    private readonly newId: NewId,
  ) {
    const missing = new Set<string>();
    if (!config.profiles[config.defaultProfile]) missing.add(config.defaultProfile);
    for (const b of config.beds) if (!config.profiles[b.profile]) missing.add(b.profile);
    if (missing.size > 0) {
      throw new RulesInputError(
        `rules config: unknown profile(s) ${[...missing].join(', ')}; built-in ones are added by loadRulesConfig() in rules/profiles.ts`,
      );
    }
    this.applyTimings(config);
    for (const b of config.beds) {
      const bed = this.bed(b.id);
      for (const d of b.devices) this.device(bed, d).bound = true;
    }
  }

  private applyTimings(config: RulesConfig): void {
    this.pauseMs = config.lifecycle.audioPauseSeconds * 1000;
    this.escalateMs = config.lifecycle.escalateAfterSeconds * 1000;
    this.noDataMs = config.technical.noDataSeconds * 1000;
    this.rejoinMs = config.incidents.rejoinWindowSeconds * 1000;
    this.freshMs = config.news2.freshnessSeconds * 1000;
    this.manualFreshMs = config.news2.manualFreshnessSeconds * 1000;
    this.news2DelayMs = config.news2.delaySeconds * 1000;
  }

  reconfigure(config: RulesConfig, by: string, now: number): RulesOutput {
    const missing = new Set<string>();
    if (!config.profiles[config.defaultProfile]) missing.add(config.defaultProfile);
    for (const b of config.beds) if (!config.profiles[b.profile]) missing.add(b.profile);
    if (missing.size > 0) throw new RulesInputError(`rules config: unknown profile(s) ${[...missing].join(', ')}`);
    const out: RulesOutput = { alarms: [], incidents: [] };
    const at = this.advance(now);
    const previous = this.config;
    this.config = config;
    this.applyTimings(config);
    const bound = new Map<string, Set<string>>(config.beds.map((b) => [b.id, new Set(b.devices)]));
    const limitsOf = (c: RulesConfig, id: string) => {
      const b = c.beds.find((x) => x.id === id);
      const profile = b?.profile ?? c.defaultProfile;
      return JSON.stringify([profile, b?.overrides ?? {}, c.profiles[profile]]);
    };
    for (const bed of this.beds.values()) {
      const cfg = config.beds.find((b) => b.id === bed.id);
      if (cfg?.news2Scale !== undefined) bed.scale = cfg.news2Scale;
      if (cfg?.patientId !== undefined) bed.patientId = cfg.patientId;
      // Only beds whose configured limits changed: a change made on the screen to another bed stays.
      if (limitsOf(previous, bed.id) !== limitsOf(config, bed.id)) {
        const r = this.setBedLimits(bed.id, { profile: cfg?.profile ?? config.defaultProfile, overrides: cfg?.overrides ?? {} }, by, at);
        out.alarms.push(...r.alarms);
        out.incidents.push(...r.incidents);
      }
      for (const dev of bed.devices.values()) {
        const stillBound = bound.get(bed.id)?.has(dev.id) ?? false;
        if (dev.bound && !stillBound && dev.noData.alarm) this.conditionGone(dev.noData.alarm, at, by, out);
        dev.bound = stillBound;
      }
    }
    for (const b of config.beds) {
      const bed = this.bed(b.id);
      for (const d of b.devices) {
        const dev = this.device(bed, d);
        if (!dev.bound) {
          dev.bound = true;
          dev.lastSeen = at; // its silence clock starts now
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- inputs

  observe(o: Observation): RulesOutput {
    const out: RulesOutput = { alarms: [], incidents: [] };
    const at = this.advance(o.receivedAt);
    const bed = this.bed(o.bedId);
    const dev = this.device(bed, o.deviceId);
    dev.lastSeen = at;
    if (dev.noData.alarm) this.conditionGone(dev.noData.alarm, at, dev.by, out);
    if (!Number.isFinite(o.value)) return out;
    for (const f of o.flags) if (UNSCORED.includes(f)) return out;

    let ps = bed.params.get(o.param);
    if (!ps) {
      ps = {
        param: o.param,
        value: o.value,
        at,
        deviceId: o.deviceId,
        sourceTs: o.sourceTs,
        sourceSeq: o.seq,
        limits: bed.limits.get(o.param),
        high: { condition: `${o.param}-high`, pendingSince: undefined, alarm: undefined },
        low: { condition: `${o.param}-low`, pendingSince: undefined, alarm: undefined },
      };
      bed.params.set(o.param, ps);
    } else {
      ps.value = o.value;
      ps.at = at;
      ps.deviceId = o.deviceId;
      ps.sourceTs = o.sourceTs;
      ps.sourceSeq = o.seq;
    }
    if (ps.limits) {
      this.evaluateSide(bed, ps, 'high', at, dev.by, out);
      this.evaluateSide(bed, ps, 'low', at, dev.by, out);
    }
    const vital = NEWS2_OF[o.param];
    if (vital && this.config.news2.enabled) {
      const prev = bed.news2Vitals[vital];
      const wasFresh = prev !== undefined && at - prev.at <= this.freshMs;
      bed.news2Vitals[vital] = { v: o.value, at };
      const sub = this.vitalSubscore(bed, vital, o.value, at);
      if (!wasFresh || sub !== bed.news2Sub[vital]) this.evaluateNews2(bed, at, dev.by, out);
    }
    return out;
  }

  technical(t: TechnicalInput): RulesOutput {
    const out: RulesOutput = { alarms: [], incidents: [] };
    const at = this.advance(t.at);
    const bed = this.bed(t.bed);
    const by = t.deviceId !== undefined ? this.device(bed, t.deviceId).by : 'gateway';
    let tracker: Tracker;
    if (t.condition === 'no-data' && t.deviceId !== undefined) {
      tracker = this.device(bed, t.deviceId).noData;
    } else {
      const k = `${t.condition}|${t.deviceId ?? ''}`;
      let tr = bed.technical.get(k);
      if (!tr) {
        tr = { condition: t.condition, pendingSince: undefined, alarm: undefined };
        bed.technical.set(k, tr);
      }
      tracker = tr;
    }
    if (t.active) {
      if (!tracker.alarm) {
        const rank = PRIORITY_RANK[this.config.technical.priorities[t.condition] ?? TECHNICAL_PRIORITY[t.condition]];
        this.raise(bed, tracker, { kind: 'technical', rank, latching: false, deviceId: t.deviceId, detail: t.detail }, at, by, out);
      }
    } else if (tracker.alarm) {
      this.conditionGone(tracker.alarm, at, by, out);
    }
    return out;
  }

  deviceEvent(bedId: string, deviceId: string, event: 'fall', at0: number): RulesOutput {
    const out: RulesOutput = { alarms: [], incidents: [] };
    const at = this.advance(at0);
    const bed = this.bed(bedId);
    const dev = this.device(bed, deviceId);
    dev.lastSeen = at;
    if (event !== 'fall') return out;
    const standing = bed.fall.alarm;
    if (standing) {
      // Another fall before the first was acknowledged: same alarm episode, noted on the incident.
      this.incidentEvent(standing.incident, 'updated', at, dev.by, `another fall reported by ${deviceId}`, out);
      return out;
    }
    // A fall is an event, not a lasting condition: the alarm is latched from the start and ends on acknowledgement.
    this.raise(bed, bed.fall, { kind: 'physiological', rank: 3, latching: true, deviceId, event: true }, at, dev.by, out);
    return out;
  }

  tick(now: number): RulesOutput {
    const out: RulesOutput = { alarms: [], incidents: [] };
    const at = this.advance(now);
    for (const bed of this.beds.values()) {
      if (bed.pausedUntil !== undefined && at >= bed.pausedUntil) {
        bed.pausedUntil = undefined;
        bed.pauseRank = 0;
        for (const a of bed.alarms) {
          if (a.state === 'active' && !a.audible) {
            a.audible = true;
            this.alarmEvent(a, 'audio-resumed', at, 'timer', out);
          }
        }
      }
      for (const tr of [...bed.pending]) {
        if (tr === bed.news2) continue;
        const ps = bed.params.get(paramOfCondition(tr.condition));
        if (!ps || at - ps.at > this.noDataMs) continue; // no fresh value: the violation is not known to persist
        this.evaluateSide(bed, ps, tr === ps.high ? 'high' : 'low', at, 'timer', out);
      }
      if (this.config.news2.enabled) this.evaluateNews2(bed, at, 'timer', out);
      for (const dev of bed.devices.values()) {
        if (!dev.bound) continue;
        if (dev.lastSeen === undefined) dev.lastSeen = at; // the silence clock starts with the engine
        if (!dev.noData.alarm && at - dev.lastSeen >= this.noDataMs) {
          const rank = PRIORITY_RANK[this.config.technical.priorities['no-data'] ?? TECHNICAL_PRIORITY['no-data']];
          this.raise(bed, dev.noData, { kind: 'technical', rank, latching: false, deviceId: dev.id }, at, 'timer', out);
        }
      }
    }
    for (const a of this.alarms.values()) {
      if (a.state === 'active' && !a.escalated && at - a.unackSince >= this.escalateMs) {
        a.escalated = true;
        this.alarmEvent(a, 'escalated', at, 'timer', out, `unacknowledged for ${Math.round((at - a.unackSince) / 1000)} s`);
        this.incidentFollows(a, at, 'timer', out, 'unacknowledged: escalated');
      }
    }
    for (const inc of [...this.incidents.values()]) {
      if (inc.closingSince !== undefined && at - inc.closingSince >= this.rejoinMs) this.closeIncident(inc, at, 'timer', out);
    }
    return out;
  }

  acknowledge(alarmId: string, by: string, now: number): RulesOutput {
    const out: RulesOutput = { alarms: [], incidents: [] };
    const at = this.advance(now);
    const a = this.alarms.get(alarmId);
    if (!a || a.state !== 'active') return out;
    a.state = 'acknowledged';
    a.audible = false;
    a.escalated = false;
    this.alarmEvent(a, 'acknowledged', at, by, out);
    this.incidentEvent(a.incident, 'acknowledged', at, by, `${a.condition} acknowledged`, out);
    if (!a.present) this.clear(a, at, by, out); // latched: the condition had already gone
    return out;
  }

  noteIncident(alarmId: string, message: string, by: string, now: number): RulesOutput {
    const out: RulesOutput = { alarms: [], incidents: [] };
    const a = this.alarms.get(alarmId);
    if (!a) return out;
    this.incidentEvent(a.incident, 'updated', this.advance(now), by, message, out);
    return out;
  }

  pauseAudio(bedId: string, by: string, now: number, durationMs?: number): RulesOutput {
    const out: RulesOutput = { alarms: [], incidents: [] };
    const at = this.advance(now);
    const bed = this.bed(bedId);
    const until = at + Math.max(0, durationMs ?? this.pauseMs);
    bed.pausedUntil = bed.pausedUntil === undefined ? until : Math.max(bed.pausedUntil, until);
    for (const a of bed.alarms) {
      if (a.state !== 'active') continue;
      if (a.rank > bed.pauseRank) bed.pauseRank = a.rank;
      if (a.audible) {
        a.audible = false;
        this.alarmEvent(a, 'audio-paused', at, by, out, `audio paused until ${new Date(bed.pausedUntil).toISOString()}`);
      }
    }
    return out;
  }

  setManualInputs(bedId: string, inputs: ManualInputs, by: string, now: number): RulesOutput {
    const out: RulesOutput = { alarms: [], incidents: [] };
    const at = this.advance(now);
    const bed = this.bed(bedId);
    if (inputs.acvpu !== undefined) bed.acvpu = { v: inputs.acvpu, at };
    if (inputs.o2 !== undefined) bed.o2 = { v: inputs.o2, at };
    if (inputs.scale !== undefined) bed.scale = inputs.scale;
    if (this.config.news2.enabled) {
      bed.news2Sub = {}; // scale or o2 may change the SpO2 subscore
      this.evaluateNews2(bed, at, by, out);
    }
    return out;
  }

  setBedLimits(bedId: string, change: { profile?: string; overrides?: LimitOverrides }, by: string, now: number): RulesOutput {
    const out: RulesOutput = { alarms: [], incidents: [] };
    if (change.profile !== undefined && !this.config.profiles[change.profile]) {
      throw new RulesInputError(`unknown profile ${change.profile}`);
    }
    const at = this.advance(now);
    const bed = this.bed(bedId);
    if (change.profile !== undefined) bed.profileName = change.profile;
    if (change.overrides !== undefined) bed.overrides = change.overrides;
    bed.limits = resolveLimits(this.profile(bed.profileName), bed.overrides);
    for (const ps of bed.params.values()) {
      ps.limits = bed.limits.get(ps.param);
      for (const side of ['high', 'low'] as const) {
        const tr = ps[side];
        if (!ps.limits || at - ps.at > this.noDataMs) {
          // No limit any more (or no fresh value to judge by): drop a pending onset; a standing alarm is resolved.
          tr.pendingSince = undefined;
          bed.pending.delete(tr);
          if (!ps.limits && tr.alarm) this.conditionGone(tr.alarm, at, by, out);
          continue;
        }
        this.evaluateSide(bed, ps, side, at, by, out);
      }
    }
    return out;
  }

  activeAlarms(): AlarmEvent[] {
    const list: Alarm[] = [...this.alarms.values()].filter((a) => a.last !== undefined);
    list.sort((x, y) => y.rank - x.rank || x.raisedAt - y.raisedAt || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    return list.map((a) => a.last as AlarmEvent);
  }

  news2(bedId: string, now: number): News2Result {
    const bed = this.beds.get(bedId);
    if (!bed) return scoreNews2({});
    return this.score(bed, now);
  }

  primeNews2(observations: Iterable<Observation>): void {
    for (const o of observations) {
      const vital = NEWS2_OF[o.param];
      if (!vital || !Number.isFinite(o.value) || o.flags.some((f) => UNSCORED.includes(f))) continue;
      const bed = this.bed(o.bedId);
      const prev = bed.news2Vitals[vital];
      if (!prev || o.receivedAt >= prev.at) bed.news2Vitals[vital] = { v: o.value, at: o.receivedAt };
    }
  }

  restore(alarms: AlarmEvent[], openIncidents: IncidentEvent[]): void {
    const lastInc = new Map<string, IncidentEvent>();
    for (const e of openIncidents) {
      const prev = lastInc.get(e.incidentId);
      if (!prev || e.incidentSeq >= prev.incidentSeq) lastInc.set(e.incidentId, e);
    }
    const lastAlarm = new Map<string, AlarmEvent>();
    for (const e of alarms) {
      const prev = lastAlarm.get(e.id);
      if (!prev || e.at >= prev.at) lastAlarm.set(e.id, e);
    }
    let maxAt = Number.NEGATIVE_INFINITY;
    const restored = new Map<string, Incident>();
    for (const e of lastInc.values()) {
      maxAt = Math.max(maxAt, e.at);
      if (e.type === 'closed') continue;
      const bed = this.bed(e.bed);
      const inc: Incident = {
        id: e.incidentId,
        key: incidentKey(bed.id, e.condition, e.deviceId),
        bed,
        condition: e.condition,
        kind: e.kind,
        deviceId: e.deviceId,
        seq: e.incidentSeq,
        priority: e.priority,
        alarm: undefined,
        alarmId: e.alarmId,
        closingSince: e.at,
      };
      this.incidents.set(inc.key, inc);
      restored.set(inc.id, inc);
    }
    for (const e of lastAlarm.values()) {
      maxAt = Math.max(maxAt, e.at);
      if (e.state === 'cleared') continue;
      const bed = this.bed(e.bed);
      let inc = restored.get(e.incidentId);
      if (!inc) {
        inc = {
          id: e.incidentId,
          key: incidentKey(bed.id, e.condition, e.deviceId),
          bed,
          condition: e.condition,
          kind: e.kind,
          deviceId: e.deviceId,
          seq: 0,
          priority: e.priority,
          alarm: undefined,
          alarmId: e.id,
          closingSince: undefined,
        };
        this.incidents.set(inc.key, inc);
        restored.set(inc.id, inc);
      }
      const tracker = this.trackerFor(bed, e);
      const a: Alarm = {
        id: e.id,
        key: inc.key,
        bed,
        condition: e.condition,
        kind: e.kind,
        rank: PRIORITY_RANK[e.priority],
        state: e.state,
        present: !e.latched,
        latched: e.latched,
        escalated: e.escalated,
        audible: e.state === 'active',
        latching: e.kind === 'physiological',
        param: e.param,
        value: e.value,
        limit: e.limit,
        deviceId: e.deviceId,
        sourceTs: e.sourceTs,
        sourceSeq: e.sourceSeq,
        raisedAt: e.raisedAt,
        unackSince: e.raisedAt,
        incident: inc,
        last: { ...e, audible: e.state === 'active' },
        tracker,
      };
      if (tracker) tracker.alarm = a;
      inc.alarm = a;
      inc.alarmId = a.id;
      inc.closingSince = undefined;
      this.alarms.set(a.id, a);
      bed.alarms.add(a);
    }
    if (maxAt > this.clock) this.clock = maxAt;
  }

  // ---------------------------------------------------------------- evaluation

  private evaluateSide(bed: BedState, ps: ParamState, side: Side, at: number, by: string, out: RulesOutput): void {
    const limits = ps.limits;
    if (!limits) return;
    const tr = ps[side];
    const a = tr.alarm;
    const hit = bandFor(limits, side, ps.value, a && a.present ? a.rank : 0);
    if (!a) {
      if (hit.rank === 0) {
        if (tr.pendingSince !== undefined) {
          tr.pendingSince = undefined;
          bed.pending.delete(tr);
        }
        return;
      }
      if (tr.pendingSince === undefined) tr.pendingSince = at;
      if (at - tr.pendingSince < limits.delayMs) {
        bed.pending.add(tr);
        return;
      }
      bed.pending.delete(tr);
      tr.pendingSince = undefined;
      this.raise(
        bed,
        tr,
        { kind: 'physiological', rank: hit.rank, latching: limits.latching, param: ps.param, value: ps.value, limit: hit.limit, deviceId: ps.deviceId, sourceTs: ps.sourceTs, sourceSeq: ps.sourceSeq },
        at,
        by,
        out,
      );
      return;
    }
    a.value = ps.value;
    a.sourceTs = ps.sourceTs;
    a.sourceSeq = ps.sourceSeq;
    a.deviceId = ps.deviceId;
    if (hit.rank === 0) {
      if (a.present) this.conditionGone(a, at, by, out);
      return;
    }
    this.stillPresent(a, hit.rank, hit.limit, true, at, by, out);
  }

  /** The condition of a standing alarm holds at `rank`: re-trigger a latched alarm, escalate or de-escalate. */
  private stillPresent(a: Alarm, rank: number, limit: number, mayLower: boolean, at: number, by: string, out: RulesOutput): void {
    if (!a.present) {
      a.present = true;
      a.latched = false;
      if (rank > a.rank) {
        a.rank = rank;
        a.limit = limit;
      }
      a.audible = this.soundsNow(a, at);
      this.alarmEvent(a, 'retriggered', at, by, out);
      this.incidentFollows(a, at, by, out, `${a.condition} present again`);
      return;
    }
    if (rank > a.rank) {
      a.rank = rank;
      a.limit = limit;
      if (a.state === 'acknowledged') {
        // A worse condition than the one acknowledged: it must be answered again.
        a.state = 'active';
        a.unackSince = at;
        a.escalated = false;
      }
      a.audible = this.soundsNow(a, at);
      this.alarmEvent(a, 'escalated', at, by, out);
      this.incidentFollows(a, at, by, out, `${a.condition} rose to ${priorityOf(rank)}`);
    } else if (rank < a.rank && mayLower && !(a.latching && a.rank === 3 && a.state === 'active')) {
      // An unacknowledged latching high alarm keeps its priority until acknowledged.
      a.rank = rank;
      a.limit = limit;
      a.audible = this.soundsNow(a, at);
      this.alarmEvent(a, 'deescalated', at, by, out);
      this.incidentFollows(a, at, by, out, `${a.condition} fell to ${priorityOf(rank)}`);
    }
  }

  private evaluateNews2(bed: BedState, at: number, by: string, out: RulesOutput): void {
    const r = this.score(bed, at);
    const tr = bed.news2;
    const target = r.risk === 'low' ? 0 : PRIORITY_RANK[this.config.news2.priorities[r.risk]];
    const limit = r.risk === 'high' ? 7 : r.risk === 'medium' ? 5 : 3;
    const a = tr.alarm;
    if (!a) {
      if (target === 0) {
        tr.pendingSince = undefined;
        return;
      }
      if (tr.pendingSince === undefined) tr.pendingSince = at;
      if (at - tr.pendingSince < this.news2DelayMs) return;
      tr.pendingSince = undefined;
      this.raise(bed, tr, { kind: 'physiological', rank: target, latching: this.config.news2.latching, value: r.total, limit, news2: r }, at, by, out);
      return;
    }
    a.value = r.total;
    if (target === 0) {
      // Only a complete score may clear: an incomplete total is a lower bound, not evidence of low risk.
      if (r.complete && a.present) this.conditionGone(a, at, by, out);
      return;
    }
    this.stillPresent(a, target, limit, r.complete, at, by, out);
  }

  private vitalSubscore(bed: BedState, vital: News2Vital, v: number, at: number): number | undefined {
    switch (vital) {
      case 'rr':
        return scoreRr(v);
      case 'spo2':
        return bed.scale === 2 ? scoreSpo2Scale2(v, this.fresh(bed.o2, at)?.v) : scoreSpo2Scale1(v);
      case 'sbp':
        return scoreSbp(v);
      case 'pulse':
        return scorePulse(v);
      case 'temp':
        return scoreTemp(v);
    }
  }

  private fresh<T>(t: Timed<T> | undefined, now: number, manual = true): Timed<T> | undefined {
    if (!t) return undefined;
    return now - t.at <= (manual ? this.manualFreshMs : this.freshMs) ? t : undefined;
  }

  private score(bed: BedState, now: number): News2Result {
    const vit = (k: News2Vital): number | undefined => this.fresh(bed.news2Vitals[k], now, false)?.v;
    const r = scoreNews2({
      rr: vit('rr'),
      spo2: vit('spo2'),
      scale: bed.scale,
      o2: this.fresh(bed.o2, now)?.v,
      sbp: vit('sbp'),
      hr: vit('pulse'),
      acvpu: this.fresh(bed.acvpu, now)?.v,
      temp: vit('temp'),
    });
    bed.news2Sub = { rr: r.subscores.rr, spo2: r.subscores.spo2, sbp: r.subscores.sbp, pulse: r.subscores.hr, temp: r.subscores.temp };
    return r;
  }

  // ---------------------------------------------------------------- lifecycle

  private raise(
    bed: BedState,
    tr: Tracker,
    p: {
      kind: AlarmKind;
      rank: number;
      latching: boolean;
      param?: ParamName;
      value?: number;
      limit?: number;
      deviceId?: string;
      sourceTs?: number;
      sourceSeq?: number;
      detail?: string;
      event?: boolean;
      news2?: News2Result;
    },
    at: number,
    by: string,
    out: RulesOutput,
  ): void {
    const key = incidentKey(bed.id, tr.condition, p.kind === 'technical' ? p.deviceId : undefined);
    let inc = this.incidents.get(key);
    const rejoin = inc !== undefined;
    const id = this.newId(at);
    if (!inc) {
      inc = {
        id: this.newId(at),
        key,
        bed,
        condition: tr.condition,
        kind: p.kind,
        deviceId: p.kind === 'technical' ? p.deviceId : undefined,
        seq: 0,
        priority: priorityOf(p.rank),
        alarm: undefined,
        alarmId: id,
        closingSince: undefined,
      };
      this.incidents.set(key, inc);
    }
    const a: Alarm = {
      id,
      key,
      bed,
      condition: tr.condition,
      kind: p.kind,
      rank: p.rank,
      state: 'active',
      present: !p.event,
      latched: p.event === true,
      escalated: false,
      audible: true,
      latching: p.latching,
      param: p.param,
      value: p.value,
      limit: p.limit,
      deviceId: p.deviceId,
      sourceTs: p.sourceTs,
      sourceSeq: p.sourceSeq,
      raisedAt: at,
      unackSince: at,
      incident: inc,
      last: undefined,
      tracker: tr,
    };
    a.audible = this.soundsNow(a, at);
    tr.alarm = a;
    inc.alarm = a;
    inc.alarmId = id;
    inc.closingSince = undefined;
    this.alarms.set(id, a);
    bed.alarms.add(a);
    this.alarmEvent(a, 'raised', at, by, out, p.detail);
    if (!rejoin) {
      this.incidentEvent(inc, 'opened', at, by, this.describe(a), out, p.news2);
    } else {
      const pr = priorityOf(p.rank);
      const type: IncidentEventType = PRIORITY_RANK[pr] > PRIORITY_RANK[inc.priority] ? 'escalated' : 'updated';
      inc.priority = pr;
      this.incidentEvent(inc, type, at, by, `re-triggered within the rejoin window: ${this.describe(a)}`, out, p.news2);
    }
  }

  /** The alarm condition no longer holds: latch (high priority, latching, unacknowledged) or clear. */
  private conditionGone(a: Alarm, at: number, by: string, out: RulesOutput): void {
    a.present = false;
    if (a.state === 'active' && a.latching && a.rank === 3) {
      if (!a.latched) {
        a.latched = true;
        this.alarmEvent(a, 'latched', at, by, out);
        this.incidentEvent(a.incident, 'updated', at, by, `${a.condition} condition ended; latched until acknowledged`, out);
      }
      return;
    }
    this.clear(a, at, by, out);
  }

  private clear(a: Alarm, at: number, by: string, out: RulesOutput): void {
    a.state = 'cleared';
    a.present = false;
    a.latched = false;
    a.audible = false;
    this.alarmEvent(a, 'cleared', at, by, out);
    this.alarms.delete(a.id);
    a.bed.alarms.delete(a);
    if (a.tracker && a.tracker.alarm === a) a.tracker.alarm = undefined;
    const inc = a.incident;
    if (inc.alarm === a) {
      inc.alarm = undefined;
      if (this.rejoinMs === 0) this.closeIncident(inc, at, by, out);
      else {
        inc.closingSince = at;
        this.incidentEvent(inc, 'updated', at, by, `${a.condition} cleared; closes in ${this.rejoinMs / 1000} s unless re-triggered`, out);
      }
    }
  }

  private closeIncident(inc: Incident, at: number, by: string, out: RulesOutput): void {
    this.incidentEvent(inc, 'closed', at, by, `${inc.condition} episode closed`, out);
    this.incidents.delete(inc.key);
  }

  /** Incident follows a priority change or escalation of its alarm. */
  private incidentFollows(a: Alarm, at: number, by: string, out: RulesOutput, message: string): void {
    const inc = a.incident;
    const pr = priorityOf(a.rank + (a.escalated ? 1 : 0));
    const type: IncidentEventType = PRIORITY_RANK[pr] > PRIORITY_RANK[inc.priority] ? 'escalated' : 'updated';
    inc.priority = pr;
    this.incidentEvent(inc, type, at, by, message, out);
  }

  private soundsNow(a: Alarm, at: number): boolean {
    if (a.state !== 'active') return false;
    const bed = a.bed;
    if (bed.pausedUntil !== undefined && at < bed.pausedUntil && a.rank <= bed.pauseRank) return false;
    return true;
  }

  // ---------------------------------------------------------------- events

  private alarmEvent(a: Alarm, transition: AlarmTransition, at: number, by: string, out: RulesOutput, detail?: string): void {
    const e: AlarmEvent = {
      id: a.id,
      bed: a.bed.id,
      condition: a.condition,
      kind: a.kind,
      priority: priorityOf(a.rank),
      state: a.state,
      transition,
      audible: a.audible,
      latched: a.latched,
      escalated: a.escalated,
      raisedAt: a.raisedAt,
      at,
      by,
      incidentId: a.incident.id,
      message: detail ? `${this.describe(a)} (${detail})` : this.describe(a),
    };
    if (a.param !== undefined) {
      e.param = a.param;
      e.unit = canonicalUnit(a.param);
    }
    if (a.value !== undefined) e.value = a.value;
    if (a.limit !== undefined) e.limit = a.limit;
    if (a.deviceId !== undefined) e.deviceId = a.deviceId;
    if (a.sourceTs !== undefined) e.sourceTs = a.sourceTs;
    if (a.sourceSeq !== undefined) e.sourceSeq = a.sourceSeq;
    a.last = e;
    out.alarms.push(e);
  }

  private incidentEvent(inc: Incident, type: IncidentEventType, at: number, by: string, message: string, out: RulesOutput, news2?: News2Result): void {
    inc.seq += 1;
    const bed = inc.bed;
    const e: IncidentEvent = {
      incidentId: inc.id,
      incidentSeq: inc.seq,
      type,
      bed: bed.id,
      condition: inc.condition,
      kind: inc.kind,
      priority: inc.priority,
      at,
      by,
      alarmId: inc.alarm?.id ?? inc.alarmId,
      vitals: this.vitals(bed, at),
      news2: news2 ?? this.score(bed, at),
      message,
    };
    if (bed.ward !== undefined) e.ward = bed.ward;
    if (bed.patientId !== undefined) e.patientId = bed.patientId;
    if (inc.deviceId !== undefined) e.deviceId = inc.deviceId;
    out.incidents.push(e);
  }

  private vitals(bed: BedState, at: number): Partial<Record<ParamName, number>> {
    const v: Partial<Record<ParamName, number>> = {};
    for (const ps of bed.params.values()) if (at - ps.at <= this.freshMs) v[ps.param] = ps.value;
    return v;
  }

  private describe(a: Alarm): string {
    const pr = priorityOf(a.rank);
    if (a.condition === 'news2') return `NEWS2 ${a.value ?? '?'} (${pr})`;
    if (a.condition === 'fall') return `fall detected by ${a.deviceId ?? 'device'} (${pr})`;
    if (a.kind === 'technical') return `${a.condition}${a.deviceId ? ` on ${a.deviceId}` : ''} (${pr})`;
    if (a.param !== undefined) {
      const dir = a.condition.endsWith('-high') ? '>' : '<';
      if (a.latched) return `${PARAMETERS[a.param].label} was ${dir} ${a.limit ?? '?'} (${pr}), now ${a.value ?? '?'} ${canonicalUnit(a.param)}: latched until acknowledged`;
      return `${PARAMETERS[a.param].label} ${a.value ?? '?'} ${canonicalUnit(a.param)} ${dir} ${a.limit ?? '?'} (${pr})`;
    }
    return `${a.condition} (${pr})`;
  }

  // ---------------------------------------------------------------- state

  private advance(t: number): number {
    if (Number.isFinite(t) && t > this.clock) this.clock = t;
    return this.clock;
  }

  private profile(name: string): Profile {
    const p = this.config.profiles[name];
    if (!p) throw new RulesInputError(`unknown profile ${name}`);
    return p;
  }

  private bed(id: string): BedState {
    let b = this.beds.get(id);
    if (b) return b;
    const cfg = this.config.beds.find((x) => x.id === id);
    const profileName = cfg?.profile ?? this.config.defaultProfile;
    b = {
      id,
      ward: cfg?.ward ?? this.config.ward,
      patientId: cfg?.patientId,
      profileName,
      overrides: cfg?.overrides,
      limits: resolveLimits(this.profile(profileName), cfg?.overrides),
      params: new Map(),
      devices: new Map(),
      technical: new Map(),
      fall: { condition: 'fall', pendingSince: undefined, alarm: undefined },
      news2: { condition: 'news2', pendingSince: undefined, alarm: undefined },
      news2Vitals: {},
      news2Sub: {},
      acvpu: undefined,
      o2: undefined,
      scale: cfg?.news2Scale ?? 1,
      alarms: new Set(),
      pending: new Set(),
      pausedUntil: undefined,
      pauseRank: 0,
    };
    this.beds.set(id, b);
    return b;
  }

  private device(bed: BedState, id: string): DeviceState {
    let d = bed.devices.get(id);
    if (!d) {
      d = { id, by: `device:${id}`, lastSeen: undefined, bound: false, noData: { condition: 'no-data', pendingSince: undefined, alarm: undefined } };
      bed.devices.set(id, d);
    }
    return d;
  }

  /** Where a restored alarm belongs, so the next input re-evaluates it. */
  private trackerFor(bed: BedState, e: AlarmEvent): Tracker | undefined {
    if (e.condition === 'news2') return bed.news2;
    if (e.condition === 'fall') return bed.fall;
    if (e.kind === 'technical') {
      if (e.condition === 'no-data' && e.deviceId !== undefined) return this.device(bed, e.deviceId).noData;
      const k = `${e.condition}|${e.deviceId ?? ''}`;
      let tr = bed.technical.get(k);
      if (!tr) {
        tr = { condition: e.condition, pendingSince: undefined, alarm: undefined };
        bed.technical.set(k, tr);
      }
      return tr;
    }
    if (e.param !== undefined && (e.condition === `${e.param}-high` || e.condition === `${e.param}-low`)) {
      let ps = bed.params.get(e.param);
      if (!ps) {
        ps = {
          param: e.param,
          value: e.value ?? Number.NaN,
          at: Number.NEGATIVE_INFINITY,
          deviceId: e.deviceId ?? '',
          sourceTs: e.sourceTs,
          sourceSeq: e.sourceSeq ?? 0,
          limits: bed.limits.get(e.param),
          high: { condition: `${e.param}-high`, pendingSince: undefined, alarm: undefined },
          low: { condition: `${e.param}-low`, pendingSince: undefined, alarm: undefined },
        };
        bed.params.set(e.param, ps);
      }
      return e.condition.endsWith('-high') ? ps.high : ps.low;
    }
    return undefined;
  }
}

function incidentKey(bed: string, condition: string, deviceId: string | undefined): string {
  return `${bed}|${condition}|${deviceId ?? ''}`;
}

function paramOfCondition(condition: string): ParamName {
  return condition.slice(0, condition.lastIndexOf('-')) as ParamName;
}
