import { z } from 'zod';
import { PARAM_NAMES } from '../drivers/core/parameters.js';

/**
 * `outputs:` the hospital's systems the gateway reports to over HL7 v2 / MLLP (docs/integration-ihe.md): the alarm
 * manager (IHE PCD ACM, PCD-04 out, PCD-05 back) and the EHR's interface engine (IHE PCD DEC, PCD-01).
 */

const tlsSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** PEM files: the CA that signs the receiver, and our certificate and key when it asks for one. */
    ca: z.string().min(1).optional(),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    rejectUnauthorized: z.boolean().default(true),
    servername: z.string().min(1).optional(),
  })
  .strict()
  .prefault({});

const receiver = {
  enabled: z.boolean().default(false),
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  tls: tlsSchema,
  /** MSH-5 and MSH-6 as the hospital's integration team names their system. */
  receivingApplication: z.string().min(1).optional(),
  receivingFacility: z.string().min(1).optional(),
  retryMinMs: z.number().int().positive().default(500),
  retryMaxMs: z.number().int().positive().default(30_000),
  connectTimeoutMs: z.number().int().positive().default(5_000),
};

function needsAddress(o: { enabled: boolean; host?: string | undefined; port?: number | undefined; tls: { enabled: boolean; cert?: string | undefined; key?: string | undefined } }, ctx: z.RefinementCtx): void {
  if (!o.enabled) return;
  if (!o.host) ctx.addIssue({ code: 'custom', path: ['host'], message: 'required when enabled' });
  if (o.port === undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: 'required when enabled' });
  if (o.tls.enabled && Boolean(o.tls.cert) !== Boolean(o.tls.key)) ctx.addIssue({ code: 'custom', path: ['tls', o.tls.cert ? 'key' : 'cert'], message: 'cert and key go together' });
}

export const alarmManagerSchema = z
  .strictObject({
    ...receiver,
    /** Time the manager has to confirm each message and watchdog (sent as MDC_ATTR_CONFIRM_TIMEOUT). */
    confirmTimeoutSeconds: z.number().positive().max(300).default(5),
    /** Watchdog period; keep it shorter than the confirm timeout so a dead link is noticed within that time. */
    watchdogSeconds: z.number().positive().max(3600).default(4),
    /** PCD-05 statuses: on the connection the gateway opened (reply), or also on a listener of their own. */
    statusListener: z
      .strictObject({ enabled: z.boolean().default(false), host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(2577) })
      .strict()
      .prefault({}),
    /** A page not accepted by anyone this long after the alarm was sent escalates locally (0: never). */
    acceptWithinSeconds: z.number().min(0).default(0),
  })
  .strict()
  .superRefine(needsAddress);

export const ehrSchema = z
  .strictObject({
    ...receiver,
    /** One ORU^R01 per bed this often (and at once when a NEWS2 set completes). */
    intervalSeconds: z.number().positive().default(60),
    /** Only these parameters are sent (all when absent or empty). */
    parameters: z.array(z.enum(PARAM_NAMES as [string, ...string[]])).optional(),
    answerTimeoutSeconds: z.number().positive().default(10),
  })
  .strict()
  .superRefine(needsAddress);

export const outputsSchema = z
  .strictObject({
    alarmManager: alarmManagerSchema.prefault({}),
    ehr: ehrSchema.prefault({}),
  })
  .strict()
  .prefault({});

export type OutputsConfig = z.output<typeof outputsSchema>;
export type AlarmManagerConfig = z.output<typeof alarmManagerSchema>;
export type EhrConfig = z.output<typeof ehrSchema>;
