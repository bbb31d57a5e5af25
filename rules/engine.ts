import type { LimitOverrides, RulesConfig } from './config.js';
import { createUuidV7 } from './ids.js';
import { acknowledge, conditionGone, lifecycleTimers, pauseAudio, pauseExpiry, raise } from './engine-lifecycle.js';
import { limitsChanged, pendingOnsets } from './engine-limits.js';
import { applyReading } from './engine-observe.js';
import { applyDeviceAlarms } from './engine-device-alarms.js';
import { incidentEvent } from './engine-events.js';
import { evaluateNews2, primeNews2 } from './engine-news2.js';
import { score } from './engine-news2-score.js';
import { restore } from './engine-restore.js';
import type { ObservationMessage, Reading } from '../drivers/core/observation.js';
import { EngineState, emptyOutput, RulesInputError, unknownProfiles, type Acvpu, type BedState, type DeviceState } from './engine-state.js';
import { resolveLimits } from './limits.js';
import { scoreNews2 } from './news2.js';
import type { AlarmEvent, DeviceAlarmsInput, IncidentEvent, News2Result, Observation, RulesOutput, TechnicalInput } from './types.js';

export type { RulesConfig } from './config.js';
export { RulesInputError, type Acvpu } from './engine-state.js';

/**
 * The rules engine: observations, technical inputs, device events, staff actions and an injected clock in; alarm and
 * incident events out, in the order they happened. Pure and deterministic: no I/O, no wall clock, no timers. Call
 * `tick(now)` regularly (about once a second) for condition delays, audio-pause expiry, escalation, NEWS2 freshness,
 * silent bound devices and incident closing.
 *
 * This file holds the public interface and input handling; the work is done by engine-limits.ts, engine-news2.ts,
 * engine-lifecycle.ts, engine-events.ts and engine-restore.ts on the state in engine-state.ts.
 */
export interface RulesEngine {
  /** `o.receivedAt` is the clock (the gateway clock at receipt; device clocks are not trusted for timing). */
  observe(o: Observation): RulesOutput;
  /**
   * The readings of one device message, in order, into one output: the same events, in the same order, as `observe`
   * called for each of them (`firstSeq + k` being reading k's sequence), without one call and one output per reading.
   */
  observeMessage(m: ObservationMessage): RulesOutput;
  technical(t: TechnicalInput): RulesOutput;
  /** A device's whole alarm list: its `device-alarm-<priority>` alarms follow it (engine-device-alarms.ts). */
  deviceAlarms(input: DeviceAlarmsInput): RulesOutput;
  /**
   * A configured device sent something that carries no value the rules take (a payload or frame that did not
   * decode, an implausible, unmapped or rejected value, a payload without a reading): it is not silent, and nothing
   * it sends can be scored, so it counts toward `no-valid-data`, not `no-data`.
   */
  unusableData(bed: string, deviceId: string, at: number): RulesOutput;
  deviceEvent(bed: string, deviceId: string, event: 'fall', at: number): RulesOutput;
  tick(now: number): RulesOutput;
  acknowledge(alarmId: string, by: string, now: number): RulesOutput;
  /** A note on the incident of a live alarm (e.g. what the hospital's alarm manager did with the page): an `updated` event. */
  noteIncident(alarmId: string, message: string, by: string, now: number): RulesOutput;
  pauseAudio(bed: string, by: string, now: number, durationMs?: number): RulesOutput;
  setManualInputs(bed: string, inputs: ManualInputs, by: string, now: number): RulesOutput;
  /** Throws `RulesInputError` for an unknown profile name. */
  setBedLimits(bed: string, change: { profile?: string; overrides?: LimitOverrides }, by: string, now: number): RulesOutput;
  /** The limits the engine enforces on a bed: its profile and overrides (a nurse's change included). */
  bedLimits(bed: string): { profile: string; overrides: LimitOverrides };
  /** Latest event of every alarm not yet cleared: high priority first, then in raise order (`raiseSeq`). */
  activeAlarms(): AlarmEvent[];
  news2(bed: string, now: number): News2Result;
  /**
   * After a restart: the latest events of the alarms not cleared and of the incidents not closed, from the store
   * (alarms in the order they were first stored), and the `raiseSeq` of the last alarm raised before it (cleared or
   * not), so raises go on numbering after it.
   */
  restore(alarms: AlarmEvent[], openIncidents: IncidentEvent[], lastRaiseSeq?: number): void;
  /**
   * A new configuration (SIGHUP): profiles, each bed's profile, overrides and bound devices, and the timing settings.
   * Live state (latest values, pending delays, manual inputs, pauses, open alarms and incidents) is kept; limits
   * are re-evaluated against the latest values, a device no longer bound to a bed stops raising `no-data` and
   * `no-valid-data` there, and each bound device takes its new silence bound (a newly bound one has it as grace). Throws `RulesInputError` (changing nothing) when a bed names an unknown profile.
   */
  reconfigure(config: RulesConfig, by: string, now: number): RulesOutput;
  /**
   * After a restart: the values of the NEWS2 parameters received before it, at their own times, so NEWS2 is complete
   * again without waiting for the next cuff reading; freshness is judged from when each value was received. Nothing
   * is evaluated here (the next `tick` does), and limit alarms start from new data only.
   */
  primeNews2(observations: Iterable<Observation>): void;
  /**
   * After a restart, before `restore()`: NEWS2 manual inputs from the audit trail, each at the time it was entered.
   * Only the inputs are set; nothing is evaluated (the alarm they caused, if any, is restored from the store, and the
   * next `tick` judges the bed), so no alarm can exist that was never stored or published.
   */
  restoreManualInputs(bed: string, inputs: ManualInputs, at: number): void;
}

export interface ManualInputs {
  acvpu?: Acvpu;
  o2?: boolean;
  scale?: 1 | 2;
}


/**
 * `no-valid-data`: a bound device that keeps sending, but only values that may not be scored, for as long as a
 * silent one would take to raise `no-data` (its own silence bound: the device's `maxSilenceSeconds`). Judged per
 * device: another device's valid data on the same bed does not end it, since what this device should measure is
 * unmonitored. Ends with a scorable value from the device; gives way to `no-data` when the device falls silent.
 */
function unusableOnly(s: EngineState, bed: BedState, dev: DeviceState, silent: boolean, at: number, out: RulesOutput): void {
  const tr = dev.noValidData;
  if (silent) {
    dev.unscorableSince = undefined;
    if (tr.alarm) conditionGone(s, tr.alarm, at, 'timer', out);
    return;
  }
  if (!tr.alarm && dev.unscorableSince !== undefined && at - dev.unscorableSince >= s.silenceMs(dev)) {
    const rank = s.technicalRank('no-valid-data');
    const detail = `data received for ${seconds(s.silenceMs(dev))} s, none of it scorable`;
    raise(s, bed, tr, { kind: 'technical', rank, latching: false, deviceId: dev.id, detail }, at, 'timer', out);
  }
}

const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** Something from the device, scorable or not: it is not silent (a standing no-data clears). */
function heard(s: EngineState, dev: DeviceState, at: number, out: RulesOutput): void {
  dev.lastSeen = at;
  if (dev.noData.alarm) conditionGone(s, dev.noData.alarm, at, dev.by, out);
}

function setInputs(bed: BedState, inputs: ManualInputs, at: number): void {
  if (inputs.acvpu !== undefined) bed.acvpu = { v: inputs.acvpu, at };
  if (inputs.o2 !== undefined) bed.o2 = { v: inputs.o2, at };
  if (inputs.scale !== undefined) bed.scale = inputs.scale;
}

export function createRulesEngine(config: RulesConfig, opts?: { newId?: (at: number) => string }): RulesEngine {
  return new Engine(config, opts?.newId ?? createUuidV7());
}

class Engine implements RulesEngine {
  private readonly s: EngineState;

  constructor(config: RulesConfig, newId: (at: number) => string) {
    const missing = unknownProfiles(config);
    if (missing.length > 0) {
      throw new RulesInputError(
        `rules config: unknown profile(s) ${missing.join(', ')}; built-in ones are added by loadRulesConfig() in rules/profiles.ts`,
      );
    }
    const s = (this.s = new EngineState(config, newId));
    for (const b of config.beds) {
      const bed = s.bed(b.id);
      for (const d of b.devices) s.bind(bed, d, b.deviceSilenceSeconds?.[d]);
    }
  }

  reconfigure(config: RulesConfig, by: string, now: number): RulesOutput {
    const missing = unknownProfiles(config);
    if (missing.length > 0) throw new RulesInputError(`rules config: unknown profile(s) ${missing.join(', ')}`);
    const s = this.s;
    const out = emptyOutput();
    const at = s.advance(now);
    const previous = s.config;
    s.config = config;
    s.applyTimings(config);
    const bound = new Map<string, Set<string>>(config.beds.map((b) => [b.id, new Set(b.devices)]));
    const limitsOf = (c: RulesConfig, id: string) => {
      const b = c.beds.find((x) => x.id === id);
      const profile = b?.profile ?? c.defaultProfile;
      return JSON.stringify([profile, b?.overrides ?? {}, c.profiles[profile]]);
    };
    for (const bed of s.beds.values()) {
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
        if (dev.bound && !stillBound) {
          if (dev.noData.alarm) conditionGone(s, dev.noData.alarm, at, by, out);
          const noValid = dev.noValidData.alarm;
          if (noValid) conditionGone(s, noValid, at, by, out);
        }
        dev.bound = stillBound;
      }
    }
    for (const b of config.beds) {
      const bed = s.bed(b.id);
      for (const d of b.devices) {
        const wasBound = s.device(bed, d).bound;
        const dev = s.bind(bed, d, b.deviceSilenceSeconds?.[d]);
        if (!wasBound) dev.lastSeen = at; // its silence clock (and grace) starts now
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- inputs

  observe(o: Observation): RulesOutput {
    const s = this.s;
    const out = emptyOutput();
    const at = s.advance(o.receivedAt);
    const bed = s.bed(o.bedId);
    const dev = s.device(bed, o.deviceId);
    dev.lastSeen = at;
    applyReading(s, bed, dev, o, o.seq, at, out);
    return out;
  }

  observeMessage(m: ObservationMessage): RulesOutput {
    const s = this.s;
    const out = emptyOutput();
    const at = s.advance(m.receivedAt);
    const bed = s.bed(m.bedId);
    const dev = s.device(bed, m.deviceId);
    dev.lastSeen = at;
    const readings = m.readings;
    for (let k = 0; k < readings.length; k++) applyReading(s, bed, dev, readings[k] as Reading, m.firstSeq + k, at, out);
    return out;
  }

  technical(t: TechnicalInput): RulesOutput {
    const s = this.s;
    const out = emptyOutput();
    const at = s.advance(t.at);
    const bed = s.bed(t.bed);
    const by = t.deviceId !== undefined ? s.device(bed, t.deviceId).by : 'gateway';
    const tracker = s.technicalTracker(bed, t.condition, t.deviceId);
    if (t.active) {
      if (!tracker.alarm) {
        const rank = s.technicalRank(t.condition);
        raise(s, bed, tracker, { kind: 'technical', rank, latching: false, deviceId: t.deviceId, detail: t.detail }, at, by, out);
      }
    } else if (tracker.alarm) {
      conditionGone(s, tracker.alarm, at, by, out);
    }
    return out;
  }

  deviceAlarms(input: DeviceAlarmsInput): RulesOutput {
    const out = emptyOutput();
    applyDeviceAlarms(this.s, input, this.s.advance(input.at), out);
    return out;
  }

  unusableData(bedId: string, deviceId: string, at0: number): RulesOutput {
    const s = this.s;
    const out = emptyOutput();
    const at = s.advance(at0);
    const dev = s.device(s.bed(bedId), deviceId);
    heard(s, dev, at, out);
    dev.unscorableSince ??= at;
    return out;
  }

  deviceEvent(bedId: string, deviceId: string, event: 'fall', at0: number): RulesOutput {
    const s = this.s;
    const out = emptyOutput();
    const at = s.advance(at0);
    const bed = s.bed(bedId);
    const dev = s.device(bed, deviceId);
    heard(s, dev, at, out);
    if (event !== 'fall') return out;
    const standing = bed.fall.alarm;
    if (standing) {
      // Another fall before the first was acknowledged: same alarm episode, noted on the incident.
      incidentEvent(s, standing.incident, 'updated', at, dev.by, `another fall reported by ${deviceId}`, out);
      return out;
    }
    // A fall is an event, not a lasting condition: the alarm is latched from the start and ends on acknowledgement.
    raise(s, bed, bed.fall, { kind: 'physiological', rank: 3, latching: true, deviceId, event: true }, at, dev.by, out);
    return out;
  }

  tick(now: number): RulesOutput {
    const s = this.s;
    const out = emptyOutput();
    const at = s.advance(now);
    for (const bed of s.beds.values()) {
      pauseExpiry(bed, at, out);
      pendingOnsets(s, bed, at, out);
      if (s.config.news2.enabled) evaluateNews2(s, bed, at, 'timer', out);
      for (const dev of bed.devices.values()) {
        if (!dev.bound) continue;
        // The silence clock starts with the engine: at start-up every bound device has a grace of its own bound.
        if (dev.lastSeen === undefined) dev.lastSeen = at;
        const bound = s.silenceMs(dev);
        const silent = at - dev.lastSeen >= bound;
        if (!dev.noData.alarm && silent) {
          const rank = s.technicalRank('no-data');
          const detail = `no data for ${seconds(bound)} s`;
          raise(s, bed, dev.noData, { kind: 'technical', rank, latching: false, deviceId: dev.id, detail }, at, 'timer', out);
        }
        unusableOnly(s, bed, dev, silent, at, out);
      }
    }
    lifecycleTimers(s, at, out);
    return out;
  }

  acknowledge(alarmId: string, by: string, now: number): RulesOutput {
    const s = this.s;
    const out = emptyOutput();
    const at = s.advance(now);
    const a = s.alarms.get(alarmId);
    if (!a || a.state !== 'active') return out;
    acknowledge(s, a, at, by, out);
    return out;
  }

  noteIncident(alarmId: string, message: string, by: string, now: number): RulesOutput {
    const s = this.s;
    const out = emptyOutput();
    const at = s.advance(now);
    const a = s.alarms.get(alarmId);
    if (!a) return out;
    incidentEvent(s, a.incident, 'updated', at, by, message, out);
    return out;
  }

  pauseAudio(bedId: string, by: string, now: number, durationMs?: number): RulesOutput {
    const s = this.s;
    const out = emptyOutput();
    const at = s.advance(now);
    const bed = s.bed(bedId);
    pauseAudio(bed, at + Math.max(0, durationMs ?? s.pauseMs), s.config.lifecycle.audioPauseCovers === 'bed', at, by, out);
    return out;
  }

  setManualInputs(bedId: string, inputs: ManualInputs, by: string, now: number): RulesOutput {
    const s = this.s;
    const out = emptyOutput();
    const at = s.advance(now);
    const bed = s.bed(bedId);
    setInputs(bed, inputs, at);
    if (s.config.news2.enabled) {
      bed.news2Sub = {}; // scale or o2 may change the SpO2 subscore
      evaluateNews2(s, bed, at, by, out);
    }
    return out;
  }

  restoreManualInputs(bedId: string, inputs: ManualInputs, at: number): void {
    setInputs(this.s.bed(bedId), inputs, at);
  }

  setBedLimits(bedId: string, change: { profile?: string; overrides?: LimitOverrides }, by: string, now: number): RulesOutput {
    const s = this.s;
    const out = emptyOutput();
    if (change.profile !== undefined) s.profile(change.profile); // throws for an unknown one, before anything changes
    const at = s.advance(now);
    const bed = s.bed(bedId);
    if (change.profile !== undefined) bed.profileName = change.profile;
    if (change.overrides !== undefined) bed.overrides = change.overrides;
    bed.limits = resolveLimits(s.profile(bed.profileName), bed.overrides);
    limitsChanged(s, bed, at, by, out);
    return out;
  }

  bedLimits(bedId: string): { profile: string; overrides: LimitOverrides } {
    const bed = this.s.beds.get(bedId) ?? this.s.bed(bedId);
    return { profile: bed.profileName, overrides: bed.overrides ?? {} };
  }

  activeAlarms(): AlarmEvent[] {
    const list = [...this.s.alarms.values()].filter((a) => a.last !== undefined);
    // Within a priority, raise order (a sequence, not the wall clock: docs/operations.md, "The clock").
    list.sort((x, y) => y.rank - x.rank || x.raiseSeq - y.raiseSeq);
    return list.map((a) => a.last as AlarmEvent);
  }

  news2(bedId: string, now: number): News2Result {
    const bed = this.s.beds.get(bedId);
    if (!bed) return scoreNews2({});
    return score(this.s, bed, now);
  }

  primeNews2(observations: Iterable<Observation>): void {
    primeNews2(this.s, observations);
  }

  restore(alarms: AlarmEvent[], openIncidents: IncidentEvent[], lastRaiseSeq = 0): void {
    restore(this.s, alarms, openIncidents, lastRaiseSeq);
  }
}
