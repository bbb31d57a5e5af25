import { z } from 'zod';
import { PARAM_NAMES, type ParamName } from '../drivers/core/parameters.js';
import { TECHNICAL_CONDITION_NAMES } from './technical.js';
import { PRIORITY_RANK, type Priority } from './types.js';

/**
 * Configuration of the rules engine. Every field has a default, so `rulesConfigSchema.parse({})` is valid; limit
 * profiles are data (see config/profiles/*.yaml and rules/profiles.ts, which adds built-in profiles by name).
 *
 * Times are in seconds in the config (what people write), milliseconds inside the engine.
 */
export const prioritySchema = z.enum(['high', 'medium', 'low']);
const paramNameSchema = z.enum(PARAM_NAMES as [ParamName, ...ParamName[]]);

export const highBandSchema = z.object({ above: z.number(), priority: prioritySchema }).strict();
export const lowBandSchema = z.object({ below: z.number(), priority: prioritySchema }).strict();

/** Within one side, a band further from normal must not have a lower priority than a nearer one. */
function bandsOrdered(bands: { at: number; priority: Priority }[], ascending: boolean): boolean {
  const sorted = [...bands].sort((a, b) => (ascending ? a.at - b.at : b.at - a.at));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (prev && cur && PRIORITY_RANK[cur.priority] < PRIORITY_RANK[prev.priority]) return false;
  }
  return true;
}

const paramLimitsShape = {
  /** Upper limits: the value alarms when strictly above `above`. */
  high: z.array(highBandSchema),
  /** Lower limits: the value alarms when strictly below `below`. */
  low: z.array(lowBandSchema),
  /** Condition delay: the violation must persist this long before the alarm rises. */
  delaySeconds: z.number().min(0).max(3600),
  /** Clearing margin in the parameter's unit: a high alarm clears only at or below `above - hysteresis`. */
  hysteresis: z.number().min(0),
  /** High-priority alarms of this parameter latch (stay shown until acknowledged). */
  latching: z.boolean(),
};

export const paramLimitsSchema = z
  .object({
    high: paramLimitsShape.high.default([]),
    low: paramLimitsShape.low.default([]),
    delaySeconds: paramLimitsShape.delaySeconds.default(0),
    hysteresis: paramLimitsShape.hysteresis.default(0),
    latching: paramLimitsShape.latching.default(true),
  })
  .strict()
  .refine(
    (p) =>
      bandsOrdered(p.high.map((b) => ({ at: b.above, priority: b.priority })), true) &&
      bandsOrdered(p.low.map((b) => ({ at: b.below, priority: b.priority })), false),
    { message: 'a band further from normal must not have a lower priority than a nearer one' },
  );

/** One bed's changes to single limits: per parameter, the fields given replace the profile's. */
export const paramOverrideSchema = z
  .object({
    high: paramLimitsShape.high.optional(),
    low: paramLimitsShape.low.optional(),
    delaySeconds: paramLimitsShape.delaySeconds.optional(),
    hysteresis: paramLimitsShape.hysteresis.optional(),
    latching: paramLimitsShape.latching.optional(),
  })
  .strict();
export const limitOverridesSchema = z.partialRecord(paramNameSchema, paramOverrideSchema);

export const profileSchema = z
  .object({
    description: z.string().optional(),
    params: z.partialRecord(paramNameSchema, paramLimitsSchema).default({}),
  })
  .strict();

export const bedConfigSchema = z
  .object({
    id: z.string().min(1),
    ward: z.string().optional(),
    patientId: z.string().optional(),
    profile: z.string().default('adult'),
    overrides: limitOverridesSchema.optional(),
    /**
     * NEWS2 SpO2 scale: 2 only for a prescribed target of 88-92 %, e.g. confirmed hypercapnic respiratory failure
     * (RCP NEWS2 2017, Chart 1 "SpO2 Scale 2" row, and the observation chart, Chart 3).
     */
    news2Scale: z.union([z.literal(1), z.literal(2)]).optional(),
    /** Devices bound to the bed: each one raises `no-data` when silent, `no-valid-data` when sending nothing scorable. */
    devices: z.array(z.string().min(1)).default([]),
    /**
     * Per bound device, how long it may be silent (or send only unscorable values) before `no-data` (`no-valid-data`),
     * and its grace after start: the gateway fills it from each device's `maxSilenceSeconds`. A device not listed
     * uses `technical.noDataSeconds`.
     */
    deviceSilenceSeconds: z.record(z.string(), z.number().positive()).optional(),
  })
  .strict();

const technicalConditionSchema = z.enum(TECHNICAL_CONDITION_NAMES);

export const rulesConfigSchema = z
  .object({
    ward: z.string().optional(),
    /** Profile for beds that are not listed in `beds` (observations for them still alarm). */
    defaultProfile: z.string().default('adult'),
    profiles: z.record(z.string(), profileSchema).default({}),
    beds: z.array(bedConfigSchema).default([]),
    lifecycle: z
      .object({
        /** Audio pause length; 120 s is the common monitor default (Masimo Root; Draeger Infinity up to 2 min). */
        audioPauseSeconds: z.number().min(0).max(600).default(120),
        /**
         * What an audio pause silences. `present-alarms` (default, the safe one): only the alarm conditions present
         * when it began, while they do not get worse; a new condition, or one whose priority rises, sounds (ISO
         * 7396-1 Amd 3:2013 6.3.2.3; see engine-lifecycle.ts). `bed`: every alarm of the bed up to the highest
         * priority paused, new ones included.
         */
        audioPauseCovers: z.enum(['present-alarms', 'bed']).default('present-alarms'),
        /** An alarm unacknowledged this long is escalated (local policy; no published figure). */
        escalateAfterSeconds: z.number().min(1).default(120),
      })
      .strict()
      .prefault({}),
    news2: z
      .object({
        enabled: z.boolean().default(true),
        /** A measured value older than this no longer counts: the score becomes incomplete. */
        freshnessSeconds: z.number().min(1).default(900),
        /**
         * Manual inputs (ACVPU, air/oxygen) older than this no longer count: RCP NEWS2 (2017) Chart 4 (clinical
         * response) asks for observations at least 12-hourly even at a score of 0.
         */
        manualFreshnessSeconds: z.number().min(1).default(43_200),
        /** Persistence before a NEWS2 alarm rises or escalates (tuning knob; 0 = at once). */
        delaySeconds: z.number().min(0).default(0),
        /** High-priority NEWS2 alarms latch. */
        latching: z.boolean().default(true),
        /**
         * Alarm priority per RCP clinical-risk band; risk `low` never alarms. RCP NEWS2 (2017) Chart 2 ("NEWS
         * thresholds and triggers") asks for an urgent ward-based response to a single red score (low-medium risk)
         * and names 5-6 (medium) the key threshold for an urgent response: both default to medium. 7 or more (high)
         * calls for an urgent or emergency response: high.
         */
        priorities: z
          .object({
            'low-medium': prioritySchema.default('medium'),
            medium: prioritySchema.default('medium'),
            high: prioritySchema.default('high'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    technical: z
      .object({
        /**
         * A bound device silent this long raises `no-data`, unless its bed gives it a bound of its own
         * (`beds[].deviceSilenceSeconds`; the gateway gives every configured device its `maxSilenceSeconds`, so this
         * applies only to rules configs written without devices, e.g. for `wardgate replay` tests).
         */
        noDataSeconds: z.number().min(1).default(30),
        /** Priority per technical condition; unlisted ones use the built-in defaults (rules/technical.ts). */
        priorities: z.partialRecord(technicalConditionSchema, prioritySchema).default({}),
      })
      .strict()
      .prefault({}),
    incidents: z
      .object({
        /** After its alarms clear, an incident stays open this long; a re-trigger within it rejoins the incident. */
        rejoinWindowSeconds: z.number().min(0).default(300),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type RulesConfig = z.infer<typeof rulesConfigSchema>;
export type RulesConfigInput = z.input<typeof rulesConfigSchema>;
export type Profile = z.infer<typeof profileSchema>;
export type ParamLimits = z.infer<typeof paramLimitsSchema>;
export type LimitOverrides = z.infer<typeof limitOverridesSchema>;
export type BedConfig = z.infer<typeof bedConfigSchema>;
export type { TechnicalConditionName } from './technical.js';
