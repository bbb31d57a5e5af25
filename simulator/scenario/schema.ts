import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { limitOverridesSchema } from '../../rules/config.js';
import { isAlarmCondition } from '../../rules/technical.js';
import { encodedDialects } from '../serial/encoders.js';

/**
 * The scenario file a tester writes (YAML or JSON): beds and their devices, baseline vitals, timed events,
 * acceleration, a seed, and the expectations the gateway must meet. Times in a scenario are scenario seconds
 * (compressed by `speed` at run time); the gateway's own delays (`gateway.overrides`) are real seconds.
 * Errors name the field: `beds[2].devices[0].dialect: ...`.
 */

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dot, dash or underscore');
const priority = z.enum(['high', 'medium', 'low']);
const seconds = z.number().min(0);
/** An alarm condition the gateway can raise (rules/technical.ts), so a misspelt expectation fails to load. */
const condition = z.string().refine(isAlarmCondition, { message: 'must be <param>-high, <param>-low, news2, fall or a technical condition (rules/technical.ts)' });

/** Partial vitals: the baseline of a bed (over NORMAL_ADULT) or the offsets an event applies. */
const vitalsShape = {
  hr: z.number().optional(),
  spo2: z.number().optional(),
  rr: z.number().optional(),
  temp: z.number().optional(),
  sbp: z.number().optional(),
  dbp: z.number().optional(),
};
export const partialVitalsSchema = z.object(vitalsShape).strict();

const mqttDevice = z
  .object({
    id,
    transport: z.literal('mqtt'),
    format: z.enum(['json', 'senml']).default('json'),
    /** Battery percentage reported with every JSON sample (SenML carries none). */
    battery: z.number().min(0).max(100).optional(),
    password: z.string().min(1).optional(),
    intervalSeconds: z.number().positive().optional(),
  })
  .strict();

const serialDevice = z
  .object({
    id,
    transport: z.literal('serial'),
    dialect: z.enum(encodedDialects()),
    intervalSeconds: z.number().positive().optional(),
  })
  .strict();

export const scenarioDeviceSchema = z.discriminatedUnion('transport', [mqttDevice, serialDevice]);

export const scenarioBedSchema = z
  .object({
    id,
    label: z.string().optional(),
    news2Scale: z.union([z.literal(1), z.literal(2)]).default(1),
    /** Per-bed limit overrides for the generated gateway config (merged over `gateway.overrides`). */
    overrides: limitOverridesSchema.optional(),
    baseline: partialVitalsSchema.optional(),
    devices: z.array(scenarioDeviceSchema).min(1),
  })
  .strict();

const target = { bed: id.optional(), device: id.optional() };
const span = { at: seconds, durationSeconds: z.number().positive() };

/** Timed events. Vital-sign events name a bed (all its devices show them); device faults name a device. */
export const scenarioEventSchema = z.discriminatedUnion('type', [
  /** A linear ramp to `to` offsets over `durationSeconds`, then held (unless `recoverSeconds` is given). */
  z.object({ type: z.literal('ramp'), ...target, ...span, to: partialVitalsSchema, recoverSeconds: z.number().positive().optional() }).strict(),
  /** Sepsis: HR and RR up, systolic pressure down, temperature up (a ramp with published-typical offsets). */
  z.object({ type: z.literal('sepsis'), ...target, ...span, severity: z.number().min(0.1).max(1.5).default(1) }).strict(),
  /** SpO2 falls to `to` % over a quarter of the duration, holds, and recovers. */
  z.object({ type: z.literal('desaturation'), ...target, ...span, to: z.number().min(50).max(100) }).strict(),
  z.object({ type: z.literal('bradycardia'), ...target, ...span, hr: z.number().min(20).max(60).default(36) }).strict(),
  z.object({ type: z.literal('tachycardia'), ...target, ...span, hr: z.number().min(100).max(250).default(150) }).strict(),
  z.object({ type: z.literal('fall'), ...target, at: seconds }).strict(),
  /** The sensor comes off: a Masimo reports EXC Sensor Off, other devices send nothing while it lasts. */
  z.object({ type: z.literal('sensor-off'), ...target, ...span }).strict(),
  /** The device goes away (MQTT client disconnects, serial PTY is torn down) and comes back. */
  z.object({ type: z.literal('unplug'), ...target, ...span }).strict(),
  z.object({ type: z.literal('garbage'), ...target, at: seconds, bytes: z.number().int().positive().max(65536).default(256) }).strict(),
  /** `count` samples back to back (beyond a broker's rate limit they are dropped, which is the point). */
  z.object({ type: z.literal('burst'), ...target, at: seconds, count: z.number().int().positive().max(10_000).default(200) }).strict(),
  /** The device clock jumps by `seconds` (positive or negative) from `at` on. */
  z.object({ type: z.literal('clock-jump'), ...target, at: seconds, seconds: z.number() }).strict(),
  z.object({ type: z.literal('battery'), ...target, at: seconds, level: z.number().min(0).max(100) }).strict(),
]);

export const alarmExpectationSchema = z
  .object({
    bed: id,
    condition,
    priority: priority.optional(),
    /** Scenario second from which the time limit runs (default 0). */
    after: seconds.default(0),
    /** Scenario seconds after `after` by which the alarm must be raised (the gateway's delays are added). */
    withinSeconds: z.number().positive(),
  })
  .strict();

export const incidentExpectationSchema = z
  .object({
    bed: id,
    condition,
    type: z.enum(['opened', 'updated', 'escalated', 'acknowledged', 'closed']).default('opened'),
    after: seconds.default(0),
    withinSeconds: z.number().positive(),
  })
  .strict();

/** An alarm that must not be raised. Omitted fields match anything. */
export const forbiddenAlarmSchema = z
  .object({
    bed: id.optional(),
    condition: condition.optional(),
    priority: z.array(priority).min(1).optional(),
    /** Only before this scenario second (default: the whole run). */
    until: seconds.optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: id,
    description: z.string().optional(),
    seed: z.number().int().default(1),
    /** Time acceleration: scenario seconds per real second. */
    speed: z.number().positive().max(1000).default(1),
    durationSeconds: z.number().positive(),
    /** Default sample interval of every device, scenario seconds. */
    intervalSeconds: z.number().positive().default(5),
    gateway: z
      .object({
        /** Limit overrides (real seconds for delays) given to every bed of the generated config. */
        overrides: limitOverridesSchema.optional(),
        /** Silence before a device counts as quiet and raises no-data, real seconds (every device's maxSilenceSeconds). */
        maxSilenceSeconds: z.number().positive().default(30),
        /** rules.technical.noDataSeconds: only for bound devices without a silence bound of their own, so none here. */
        noDataSeconds: z.number().min(1).optional(),
        news2DelaySeconds: z.number().min(0).optional(),
        /** The gateway's incident rejoin window, real seconds (rules.incidents.rejoinWindowSeconds; default 300). */
        incidentRejoinSeconds: z.number().min(0).optional(),
        /** Extra real seconds an expectation is given beyond its scenario time and the gateway's delay. */
        graceSeconds: z.number().min(0).default(4),
      })
      .strict()
      .prefault({}),
    beds: z.array(scenarioBedSchema).min(1),
    events: z.array(scenarioEventSchema).default([]),
    expect: z
      .object({
        alarms: z.array(alarmExpectationSchema).default([]),
        incidents: z.array(incidentExpectationSchema).default([]),
        mustNot: z.array(forbiddenAlarmSchema).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    const beds = new Set<string>();
    const devices = new Set<string>();
    s.beds.forEach((b, i) => {
      if (beds.has(b.id)) ctx.addIssue({ code: 'custom', path: ['beds', i, 'id'], message: `duplicate bed id '${b.id}'` });
      beds.add(b.id);
      b.devices.forEach((d, j) => {
        if (devices.has(d.id)) ctx.addIssue({ code: 'custom', path: ['beds', i, 'devices', j, 'id'], message: `duplicate device id '${d.id}'` });
        devices.add(d.id);
      });
    });
    s.events.forEach((e, i) => {
      if (!e.bed && !e.device) ctx.addIssue({ code: 'custom', path: ['events', i, 'bed'], message: 'an event needs a bed or a device' });
      if (e.bed && !beds.has(e.bed)) ctx.addIssue({ code: 'custom', path: ['events', i, 'bed'], message: `unknown bed '${e.bed}'` });
      if (e.device && !devices.has(e.device)) ctx.addIssue({ code: 'custom', path: ['events', i, 'device'], message: `unknown device '${e.device}'` });
      if (e.at > s.durationSeconds) ctx.addIssue({ code: 'custom', path: ['events', i, 'at'], message: `after the end of the scenario (${s.durationSeconds} s)` });
    });
    const checkBed = (bed: string | undefined, path: (string | number)[]) => {
      if (bed && !beds.has(bed)) ctx.addIssue({ code: 'custom', path, message: `unknown bed '${bed}'` });
    };
    s.expect.alarms.forEach((a, i) => checkBed(a.bed, ['expect', 'alarms', i, 'bed']));
    s.expect.incidents.forEach((a, i) => checkBed(a.bed, ['expect', 'incidents', i, 'bed']));
    s.expect.mustNot.forEach((a, i) => checkBed(a.bed, ['expect', 'mustNot', i, 'bed']));
  });

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioBed = z.output<typeof scenarioBedSchema>;
export type ScenarioDevice = z.output<typeof scenarioDeviceSchema>;
export type ScenarioEvent = z.output<typeof scenarioEventSchema>;
export type AlarmExpectation = z.output<typeof alarmExpectationSchema>;
export type IncidentExpectation = z.output<typeof incidentExpectationSchema>;
export type ForbiddenAlarm = z.output<typeof forbiddenAlarmSchema>;
export type PartialVitals = z.output<typeof partialVitalsSchema>;

/** `beds[2].devices[0].id` from zod's path array. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

export type ScenarioParse = { ok: true; scenario: Scenario } | { ok: false; errors: string[] };

/** Validates an already-parsed document; every error names its field. */
export function validateScenario(doc: unknown): ScenarioParse {
  const r = scenarioSchema.safeParse(doc);
  if (r.success) return { ok: true, scenario: r.data };
  return {
    ok: false,
    errors: r.error.issues.map((issue) => {
      const at = fieldPath(issue.path);
      if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `${at}: required`;
      if (issue.code === 'unrecognized_keys') return `${at}: unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
      return `${at}: ${issue.message}`;
    }),
  };
}

/** Parses YAML (a superset of JSON) text of a scenario file. */
export function parseScenarioText(text: string): ScenarioParse {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return { ok: false, errors: [`(file): not YAML or JSON: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`] };
  }
  return validateScenario(doc);
}
