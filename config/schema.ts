import { z } from 'zod';
import { limitOverridesSchema, rulesConfigSchema } from '../rules/config.js';

/**
 * The gateway's configuration schema. `config/default.yaml` documents every field; this file is the
 * authority on types and defaults. Errors are reported with the field's path (see config/load.ts).
 */

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dot, dash or underscore');

/** A secret given either in clear (demo only) or as an scrypt hash made by `wardgate hash-secret`. */
const secretFields = {
  password: z.string().min(1).optional(),
  passwordHash: z.string().regex(/^scrypt\$/, 'must be an scrypt hash from `wardgate hash-secret`').optional(),
};

const serialSettings = z.object({
  path: z.string().min(1).optional(),
  vendorId: z.string().regex(/^[0-9a-fA-F]{4}$/).optional(),
  productId: z.string().regex(/^[0-9a-fA-F]{4}$/).optional(),
  baudRate: z.number().int().positive().default(9600),
  dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none'),
  stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).default(1),
  dialect: z.enum(['masimo', 'hl7', 'ndjson', 'intellivue']),
});

const bleSettings = z.object({
  address: z.string().regex(/^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/, 'must be a Bluetooth address AA:BB:CC:DD:EE:FF'),
  profiles: z
    .array(z.enum(['heart-rate', 'pulse-oximeter', 'thermometer', 'blood-pressure', 'battery']))
    .min(1),
});

export const deviceSchema = z
  .object({
    id,
    bed: id,
    transport: z.enum(['mqtt', 'serial', 'ble', 'hl7-tcp']),
    ...secretFields,
    /** Longest silence before the device counts as quiet (technical alarm, live values withdrawn). */
    maxSilenceSeconds: z.number().positive().default(30),
    serial: serialSettings.optional(),
    ble: bleSettings.optional(),
    /** For transport hl7-tcp: which messages on the MLLP listener are this device's (PV1-3 bed, MSH-4 facility). */
    hl7: z.object({ bed: z.string().min(1), facility: z.string().min(1).optional() }).optional(),
  })
  .superRefine((d, ctx) => {
    if (d.transport === 'mqtt' && !d.password && !d.passwordHash)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'required for an mqtt device (or passwordHash)' });
    if (d.transport === 'serial') {
      if (!d.serial) ctx.addIssue({ code: 'custom', path: ['serial'], message: 'required for a serial device' });
      else if (!d.serial.path && !(d.serial.vendorId && d.serial.productId))
        ctx.addIssue({ code: 'custom', path: ['serial', 'path'], message: 'required (or vendorId and productId)' });
    }
    if (d.transport === 'ble' && !d.ble) ctx.addIssue({ code: 'custom', path: ['ble'], message: 'required for a ble device' });
    if (d.transport === 'hl7-tcp' && !d.hl7) ctx.addIssue({ code: 'custom', path: ['hl7'], message: 'required for an hl7-tcp device' });
  });

export const bedSchema = z.object({
  id,
  label: z.string().optional(),
  profile: z.string().default('adult'),
  overrides: limitOverridesSchema.optional(),
  patientId: z.string().optional(),
  news2Scale: z.union([z.literal(1), z.literal(2)]).default(1),
});

const staffSchema = z.object({
  id,
  name: z.string().min(1),
  role: z.enum(['nurse', 'senior-nurse', 'doctor', 'technician']).default('nurse'),
  pin: z.string().regex(/^\d{4,8}$/, 'must be 4-8 digits').optional(),
  pinHash: z.string().regex(/^scrypt\$/, 'must be an scrypt hash from `wardgate hash-secret`').optional(),
}).refine((s) => s.pin || s.pinHash, { message: 'pin or pinHash is required', path: ['pinHash'] });

const brokerUser = z.object({
  username: id,
  ...secretFields,
  /** Topic filters this account may subscribe to (e.g. a nurse-call system: alarms/#). */
  subscribe: z.array(z.string()).default(['alarms/#']),
}).refine((u) => u.password || u.passwordHash, { message: 'password or passwordHash is required', path: ['password'] });

export const syncSchema = z.object({
  enabled: z.boolean().default(true),
  transport: z.enum(['mqtt', 'https']).default('mqtt'),
  topicPrefix: z.string().default('wardgate'),
  mqtt: z
    .object({
      url: z.string().regex(/^(mqtts?|wss?):\/\//, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
      username: z.string().optional(),
      password: z.string().optional(),
      clientId: z.string().optional(),
      /** 5 (default); 4 (MQTT 3.1.1) for brokers that speak only that, like the demo's embedded central. */
      protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
      ca: z.string().optional(),
      cert: z.string().optional(),
      key: z.string().optional(),
      rejectUnauthorized: z.boolean().default(true),
    })
    .optional(),
  https: z
    .object({
      url: z.string().regex(/^https?:\/\//),
      token: z.string().optional(),
      ca: z.string().optional(),
      cert: z.string().optional(),
      key: z.string().optional(),
      timeoutMs: z.number().int().positive().default(10_000),
      rejectUnauthorized: z.boolean().default(true),
    })
    .optional(),
  batchSize: z.number().int().positive().max(1000).default(100),
  maxInFlight: z.number().int().positive().max(1000).default(50),
  retryMinMs: z.number().int().positive().default(500),
  retryMaxMs: z.number().int().positive().default(60_000),
  heartbeatSeconds: z.number().positive().default(30),
});

export const configSchema = z
  .object({
    gateway: z
      .object({
        id: id.default('ward-gw'),
        site: id.default('site'),
        ward: id.default('ward'),
      })
      .prefault({}),
    dataDir: z.string().default('./data'),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
    broker: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(1883),
        maxPayloadBytes: z.number().int().positive().default(16_384),
        maxMessagesPerSecond: z.number().positive().default(50),
        users: z.array(brokerUser).default([]),
      })
      .prefault({}),
    screen: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        readOnlyView: z.boolean().default(false),
        sessionHours: z.number().positive().default(12),
        allowedOrigins: z.array(z.string()).default([]),
        staff: z.array(staffSchema).default([]),
      })
      .prefault({}),
    store: z
      .object({
        observationRetentionHours: z.number().positive().default(48),
        budgetMB: z.number().positive().default(300),
        /**
         * Observations are committed in groups at most this far apart (and at shutdown, and with any alarm change):
         * fewer, larger writes wear an SD card far less. A power cut can cost the last group's observations, never an
         * alarm or an incident (docs/durability.md). 0 commits every event-loop turn (synced to disk once a second).
         */
        commitIntervalMs: z.number().int().min(0).max(10_000).default(1000),
      })
      .prefault({}),
    /** HL7 v2 over TCP (MLLP) from monitors and central stations on the ward LAN. */
    hl7Listener: z
      .object({
        enabled: z.boolean().default(false),
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(2575),
        maxSilenceSeconds: z.number().positive().default(120),
      })
      .prefault({}),
    beds: z.array(bedSchema).default([]),
    devices: z.array(deviceSchema).default([]),
    /** Triage settings; beds and their devices come from `beds` and `devices` above. */
    rules: rulesConfigSchema.omit({ beds: true, ward: true }).prefault({}),
    sync: syncSchema.prefault({}),
    /** The ward buzzer (gateway/buzzer/, docs/buzzer.md): a piezo on a GPIO line, a record file, or none. */
    buzzer: z
      .object({
        backend: z.enum(['gpio', 'none', 'record']).default('none'),
        gpio: z
          .object({
            chip: z.string().min(1).default('gpiochip0'),
            line: z.number().int().min(0).default(17),
            command: z.string().min(1).default('gpioset'),
            activeLow: z.boolean().default(false),
          })
          .prefault({}),
        /** JSON lines of on/off switches; defaults to <dataDir>/buzzer.jsonl. */
        record: z.object({ file: z.string().min(1).optional() }).prefault({}),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    const beds = new Set<string>();
    c.beds.forEach((b, i) => {
      if (beds.has(b.id)) ctx.addIssue({ code: 'custom', path: ['beds', i, 'id'], message: `duplicate bed id '${b.id}'` });
      beds.add(b.id);
    });
    const devices = new Set<string>();
    c.devices.forEach((d, i) => {
      if (devices.has(d.id)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `duplicate device id '${d.id}'` });
      devices.add(d.id);
      if (!beds.has(d.bed)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'bed'], message: `unknown bed '${d.bed}'` });
    });
    if (c.sync.enabled && c.sync.transport === 'mqtt' && !c.sync.mqtt)
      ctx.addIssue({ code: 'custom', path: ['sync', 'mqtt'], message: 'required when sync is enabled with transport mqtt' });
    if (c.sync.enabled && c.sync.transport === 'https' && !c.sync.https)
      ctx.addIssue({ code: 'custom', path: ['sync', 'https'], message: 'required when sync is enabled with transport https' });
  });

export type GatewayConfig = z.output<typeof configSchema>;
export type DeviceConfig = z.output<typeof deviceSchema>;
export type BedConfig = z.output<typeof bedSchema>;
export type SyncConfig = z.output<typeof syncSchema>;
