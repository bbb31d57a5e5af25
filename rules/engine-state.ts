import type { ParamName } from '../drivers/core/parameters.js';
import type { LimitOverrides, Profile, RulesConfig } from './config.js';
import type { NewId } from './ids.js';
import { resolveLimits, type ResolvedLimits } from './limits.js';
import { TECHNICAL_PRIORITY, type TechnicalConditionName } from './technical.js';
import { PRIORITY_RANK, type AlarmEvent, type AlarmSource, type AlarmKind, type AlarmState, type DeviceAlarmItem, type Priority, type RulesOutput } from './types.js';

/**
 * The rules engine's live state, shared by its parts (engine.ts: inputs; engine-limits.ts, engine-news2.ts:
 * evaluation; engine-lifecycle.ts: raise, clear, audibility, incidents; engine-events.ts: events;
 * engine-restore.ts: restart). Plain data and the lookups that create state on first use; no alarm logic.
 */

export type Acvpu = 'A' | 'C' | 'V' | 'P' | 'U';

export class RulesInputError extends Error {
  override name = 'RulesInputError';
}

const RANK_PRIORITY: readonly Priority[] = ['low', 'low', 'medium', 'high'];
export const priorityOf = (rank: number): Priority => RANK_PRIORITY[Math.max(1, Math.min(3, rank))] ?? 'low';


export type News2Vital = 'rr' | 'spo2' | 'sbp' | 'pulse' | 'temp';
/**
 * The parameters NEWS2 scores. Systolic pressure is the newest of the cuff (sbp) and the arterial line (abp_sys):
 * RCP NEWS2 (2017) Chart 1 scores systolic blood pressure without prescribing how it is measured; the result says which
 * was used (News2Result.sbpFrom).
 */
export const NEWS2_OF: Partial<Record<ParamName, News2Vital>> = { rr: 'rr', spo2: 'spo2', sbp: 'sbp', abp_sys: 'sbp', hr: 'pulse', pr: 'pulse', temp: 'temp' };

export interface Alarm extends AlarmSource {
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
  /** The latest value (for NEWS2: the latest total), what is true now. */
  value?: number;
  /** The worst value while the alarm stands (lowest for a low limit, highest for a high limit and NEWS2). */
  worst?: number;
  limit?: number;
  /** A device alarm's own alarms at its level (AlarmEvent.deviceAlarms); undefined for other alarms. */
  deviceAlarms?: DeviceAlarmItem[];
  raisedAt: number;
  /** Raise order (AlarmEvent.raiseSeq). */
  raiseSeq: number;
  unackSince: number;
  incident: Incident;
  last: AlarmEvent | undefined;
  /** Where the engine keeps a reference to this alarm, to drop it on clear. */
  tracker: Tracker | undefined;
}

export interface Incident {
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
export interface Tracker {
  condition: string;
  pendingSince: number | undefined;
  alarm: Alarm | undefined;
}

export interface ParamState {
  param: ParamName;
  value: number;
  at: number;
  deviceId: string;
  sourceTs: number | undefined;
  sourceSeq: number;
  /** The device's own sequence and message id of the latest value, for tracing an alarm to it. */
  deviceSeq?: number;
  deviceMessageId?: string;
  limits: ResolvedLimits | undefined;
  high: Tracker;
  low: Tracker;
}

export interface DeviceState {
  id: string;
  by: string;
  lastSeen: number | undefined;
  /** Since when everything the device sent was unscorable (undefined once a scorable value arrives). */
  unscorableSince: number | undefined;
  bound: boolean;
  /** Its own silence bound (the device's maxSilenceSeconds), else `technical.noDataSeconds`. */
  silenceMs: number | undefined;
  noData: Tracker;
  /** Looked up on every observation, so held here rather than in `BedState.technical` under a built key. */
  noValidData: Tracker;
}

export interface Timed<T> {
  v: T;
  at: number;
  /** The parameter the value came from, where a NEWS2 input has more than one (systolic: cuff or arterial). */
  from?: ParamName;
}

export interface BedState {
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
  /** `lifecycle.audioPauseCovers: bed` only: the pause silences every alarm up to this rank. */
  pauseRank: number;
  /**
   * The alarm conditions (by incident key) present when the pause began, with their rank then: only these stay
   * silent, and only while not worse. Empty when `audioPauseCovers: bed`.
   */
  pausedConditions: Map<string, number>;
  pauseCoversBed: boolean;
}

export const tracker = (condition: string): Tracker => ({ condition, pendingSince: undefined, alarm: undefined });

export const emptyOutput = (): RulesOutput => ({ alarms: [], incidents: [] });

export function incidentKey(bed: string, condition: string, deviceId: string | undefined): string {
  return `${bed}|${condition}|${deviceId ?? ''}`;
}

export function paramOfCondition(condition: string): ParamName {
  return condition.slice(0, condition.lastIndexOf('-')) as ParamName;
}

/** Profiles named by the config (its default and its beds') that it does not define. */
export function unknownProfiles(config: RulesConfig): string[] {
  const missing = new Set<string>();
  if (!config.profiles[config.defaultProfile]) missing.add(config.defaultProfile);
  for (const b of config.beds) if (!config.profiles[b.profile]) missing.add(b.profile);
  return [...missing];
}

export class EngineState {
  clock = Number.NEGATIVE_INFINITY;
  /** The last raise's AlarmEvent.raiseSeq: the order of alarms, which the wall clock is not. */
  raiseSeq = 0;
  readonly beds = new Map<string, BedState>();
  readonly alarms = new Map<string, Alarm>();
  readonly incidents = new Map<string, Incident>();
  pauseMs = 0;
  escalateMs = 0;
  noDataMs = 0;
  rejoinMs = 0;
  freshMs = 0;
  manualFreshMs = 0;
  news2DelayMs = 0;

  constructor(
    public config: RulesConfig,
    readonly newId: NewId,
  ) {
    this.applyTimings(config);
  }

  applyTimings(config: RulesConfig): void {
    this.pauseMs = config.lifecycle.audioPauseSeconds * 1000;
    this.escalateMs = config.lifecycle.escalateAfterSeconds * 1000;
    this.noDataMs = config.technical.noDataSeconds * 1000;
    this.rejoinMs = config.incidents.rejoinWindowSeconds * 1000;
    this.freshMs = config.news2.freshnessSeconds * 1000;
    this.manualFreshMs = config.news2.manualFreshnessSeconds * 1000;
    this.news2DelayMs = config.news2.delaySeconds * 1000;
  }

  /** The engine clock never goes back. */
  advance(t: number): number {
    if (Number.isFinite(t) && t > this.clock) this.clock = t;
    return this.clock;
  }

  /** The priority rank a technical condition alarms at: the configured priority, else the default. */
  technicalRank(condition: TechnicalConditionName): number {
    return PRIORITY_RANK[this.config.technical.priorities[condition] ?? TECHNICAL_PRIORITY[condition]];
  }

  profile(name: string): Profile {
    const p = this.config.profiles[name];
    if (!p) throw new RulesInputError(`unknown profile ${name}`);
    return p;
  }

  bed(id: string): BedState {
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
      fall: tracker('fall'),
      news2: tracker('news2'),
      news2Vitals: {},
      news2Sub: {},
      acvpu: undefined,
      o2: undefined,
      scale: cfg?.news2Scale ?? 1,
      alarms: new Set(),
      pending: new Set(),
      pausedUntil: undefined,
      pauseRank: 0,
      pausedConditions: new Map(),
      pauseCoversBed: false,
    };
    this.beds.set(id, b);
    return b;
  }

  device(bed: BedState, id: string): DeviceState {
    let d = bed.devices.get(id);
    if (!d) {
      d = {
        id,
        by: `device:${id}`,
        lastSeen: undefined,
        unscorableSince: undefined,
        bound: false,
        silenceMs: undefined,
        noData: tracker('no-data'),
        noValidData: tracker('no-valid-data'),
      };
      bed.devices.set(id, d);
    }
    return d;
  }

  /** How long a bound device may be silent, or send only unscorable values, before its technical alarm. */
  silenceMs(dev: DeviceState): number {
    return dev.silenceMs ?? this.noDataMs;
  }

  /** Binds a configured device to its bed with its own silence bound, if the config gives one. */
  bind(bed: BedState, id: string, silenceSeconds: number | undefined): DeviceState {
    const dev = this.device(bed, id);
    dev.bound = true;
    dev.silenceMs = silenceSeconds === undefined ? undefined : silenceSeconds * 1000;
    return dev;
  }

  /** The tracker of a technical condition: a device's own for `no-data` and `no-valid-data`, else one per condition and device. */
  technicalTracker(bed: BedState, condition: string, deviceId: string | undefined): Tracker {
    if (deviceId !== undefined) {
      if (condition === 'no-data') return this.device(bed, deviceId).noData;
      if (condition === 'no-valid-data') return this.device(bed, deviceId).noValidData;
    }
    const k = `${condition}|${deviceId ?? ''}`;
    let tr = bed.technical.get(k);
    if (!tr) {
      tr = tracker(condition);
      bed.technical.set(k, tr);
    }
    return tr;
  }

  /** A new parameter state on a bed, holding its first value. */
  addParam(bed: BedState, param: ParamName, value: number, at: number, deviceId: string, sourceTs: number | undefined, sourceSeq: number): ParamState {
    const ps: ParamState = {
      param,
      value,
      at,
      deviceId,
      sourceTs,
      sourceSeq,
      limits: bed.limits.get(param),
      high: tracker(`${param}-high`),
      low: tracker(`${param}-low`),
    };
    bed.params.set(param, ps);
    return ps;
  }
}
