import { NORMAL_ADULT, PatientModel, seededRandom, type Vitals } from '../mqtt/vitals-model.js';
import { totalOffsets } from './episodes.js';
import type { Scenario, ScenarioDevice, ScenarioEvent } from './schema.js';

/**
 * A scenario turned into the exact list of things each device does, in scenario time. Pure and deterministic:
 * the same scenario (and seed) gives the same plan, byte for byte, so a run repeats exactly.
 */
export interface SampleAction {
  kind: 'sample';
  at: number;
  device: string;
  seq: number;
  vitals: Vitals;
  /** The device's clock offset from true time (a clock jump), ms. */
  clockOffsetMs: number;
  /** Sensor off: a Masimo says so, other devices send nothing. */
  sensorOff: boolean;
  battery?: number;
}

export type PlannedAction =
  | SampleAction
  | { kind: 'fall'; at: number; device: string; clockOffsetMs: number }
  | { kind: 'unplug'; at: number; device: string }
  | { kind: 'replug'; at: number; device: string }
  | { kind: 'garbage'; at: number; device: string; bytes: number[] }
  | { kind: 'burst'; at: number; device: string; samples: SampleAction[] };

export interface PlannedDevice {
  id: string;
  bed: string;
  spec: ScenarioDevice;
}

export interface ScenarioPlan {
  devices: PlannedDevice[];
  /** Ordered by `at` (scenario ms), ties in device order. */
  actions: PlannedAction[];
}

/** A stable 32-bit hash (FNV-1a) to derive one PRNG stream per device and per event from the seed. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Keeps generated values inside what a real device can display. */
function clampVitals(v: Vitals): Vitals {
  const c = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
  return { hr: c(v.hr, 20, 250), spo2: c(v.spo2, 50, 100), rr: c(v.rr, 3, 60), temp: c(v.temp, 32, 42.5), sbp: c(v.sbp, 50, 250), dbp: c(v.dbp, 25, 150) };
}

function within(t: number, at: number, duration: number): boolean {
  return t >= at && t < at + duration;
}

function eventTargets(e: ScenarioEvent, devices: PlannedDevice[]): PlannedDevice[] {
  if (e.device) return devices.filter((d) => d.id === e.device);
  return devices.filter((d) => d.bed === e.bed);
}

export function planScenario(s: Scenario): ScenarioPlan {
  const devices: PlannedDevice[] = s.beds.flatMap((b) => b.devices.map((d) => ({ id: d.id, bed: b.id, spec: d })));
  const actions: PlannedAction[] = [];
  const durationMs = s.durationSeconds * 1000;

  devices.forEach((dev, index) => {
    const bed = s.beds.find((b) => b.id === dev.bed)!;
    const baseline: Vitals = { ...NORMAL_ADULT, ...bed.baseline };
    const model = new PatientModel(baseline, seededRandom(hash32(`${s.seed}:${dev.id}`)));
    const mine = s.events.map((e) => ({ e, targets: eventTargets(e, devices) })).filter((x) => x.targets.some((t) => t.id === dev.id)).map((x) => x.e);
    const vitalEvents = mine.filter((e) => ['ramp', 'sepsis', 'desaturation', 'bradycardia', 'tachycardia'].includes(e.type));
    const intervalMs = (dev.spec.intervalSeconds ?? s.intervalSeconds) * 1000;
    // Devices are staggered across the interval so a ward does not publish in lock step.
    const offsetMs = Math.round((intervalMs * index) / Math.max(1, devices.length));
    let seq = 0;
    const clockAt = (atMs: number) => mine.reduce((sum, e) => (e.type === 'clock-jump' && atMs >= e.at * 1000 ? sum + e.seconds * 1000 : sum), 0);
    const batteryAt = (atMs: number) => {
      let level = dev.spec.transport === 'mqtt' ? dev.spec.battery : undefined;
      for (const e of mine) if (e.type === 'battery' && atMs >= e.at * 1000) level = e.level;
      return level;
    };
    const unplugged = (atMs: number) => mine.some((e) => e.type === 'unplug' && within(atMs, e.at * 1000, e.durationSeconds * 1000));
    const sensorOff = (atMs: number) => mine.some((e) => e.type === 'sensor-off' && within(atMs, e.at * 1000, e.durationSeconds * 1000));
    const sample = (atMs: number): SampleAction => {
      const vitals = clampVitals(model.sample(totalOffsets(vitalEvents, atMs / 1000, baseline)));
      seq += 1;
      const battery = batteryAt(atMs);
      return { kind: 'sample', at: atMs, device: dev.id, seq, vitals, clockOffsetMs: clockAt(atMs), sensorOff: sensorOff(atMs), ...(battery !== undefined ? { battery } : {}) };
    };

    const timeline: PlannedAction[] = [];
    for (let t = offsetMs; t < durationMs; t += intervalMs) {
      if (unplugged(t)) continue;
      timeline.push(sample(t));
    }
    for (const e of mine) {
      const atMs = e.at * 1000;
      if (e.type === 'fall') timeline.push({ kind: 'fall', at: atMs, device: dev.id, clockOffsetMs: clockAt(atMs) });
      else if (e.type === 'unplug') {
        timeline.push({ kind: 'unplug', at: atMs, device: dev.id });
        timeline.push({ kind: 'replug', at: atMs + e.durationSeconds * 1000, device: dev.id });
      } else if (e.type === 'garbage') {
        const random = seededRandom(hash32(`${s.seed}:garbage:${dev.id}:${e.at}`));
        timeline.push({ kind: 'garbage', at: atMs, device: dev.id, bytes: Array.from({ length: e.bytes }, () => Math.floor(random() * 256)) });
      }
    }
    // Samples are drawn in time order so the drift walk is the same whatever events exist; bursts reuse
    // the current state of the model, drawn after the regular timeline.
    timeline.sort((a, b) => a.at - b.at);
    for (const e of mine) {
      if (e.type !== 'burst') continue;
      const atMs = e.at * 1000;
      timeline.push({ kind: 'burst', at: atMs, device: dev.id, samples: Array.from({ length: e.count }, () => sample(atMs)) });
    }
    actions.push(...timeline);
  });

  const order = new Map(devices.map((d, i) => [d.id, i]));
  actions.sort((a, b) => a.at - b.at || order.get(a.device)! - order.get(b.device)!);
  return { devices, actions };
}
