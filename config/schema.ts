import { z } from 'zod';
import { TEMPERATURE_SITES } from '../drivers/core/temperature-site.js';
import { bleProfileNames } from '../drivers/ble/profiles.js';
import { serialDialectNames } from '../drivers/serial/dialects.js';
import { HL7_QUERY_FILTERS } from '../drivers/serial/hl7/query.js';
import { limitOverridesSchema, rulesConfigSchema } from '../rules/config.js';
import { outputsSchema } from './outputs-schema.js';
import { getUpstreamTransport, httpsSettingsSchema, mqttSettingsSchema, upstreamTransportNames } from '../sync/transports.js';
import { addressOrNetwork, brokerTlsSchema, hl7TlsSchema, plaintextListeners, plaintextRefusal, screenTlsSchema } from './network-schema.js';

/**
 * The gateway's configuration schema. `config/default.yaml` documents every field; this file is the
 * authority on types and defaults. Errors are reported with the field's path (see config/load.ts).
 */

/**
 * A name from a registry (serial dialects, BLE profiles, upstream transports): checked when the config is parsed, so a dialect or
 * profile registered at run time (a test fixture) is accepted like a built-in one. Same message as z.enum.
 */
function registered(names: () => string[]) {
  return z.string().refine((v) => names().includes(v), {
    error: () => `Invalid option: expected one of ${names().map((n) => JSON.stringify(n)).join('|')}`,
  });
}

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dot, dash or underscore');

/** A secret given either in clear (demo only) or as an scrypt hash made by `wardgate hash-secret`. */
const secretFields = {
  password: z.string().min(1).optional(),
  passwordHash: z.string().regex(/^scrypt\$/, 'must be an scrypt hash from `wardgate hash-secret`').optional(),
};

const serialSettings = z.strictObject({
  path: z.string().min(1).optional(),
  vendorId: z.string().regex(/^[0-9a-fA-F]{4}$/).optional(),
  productId: z.string().regex(/^[0-9a-fA-F]{4}$/).optional(),
  baudRate: z.number().int().positive().default(9600),
  dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none'),
  stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).default(1),
  dialect: registered(serialDialectNames),
  /**
   * Opt-in, dialect hl7: query the device (QRY^R02) every `everySeconds` with QRD-9 `filter`, for monitors whose
   * serial export only answers queries (Philips Efficia CM; drivers/serial/hl7/query.ts, docs/device-families.md).
   */
  hl7Query: z
    .strictObject({
      everySeconds: z.number().min(1).max(3600).default(60),
      filter: z.enum(HL7_QUERY_FILTERS),
    })
    .optional(),
});

const bleSettings = z.strictObject({
  address: z.string().regex(/^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/, 'must be a Bluetooth address AA:BB:CC:DD:EE:FF'),
  profiles: z
    .array(registered(bleProfileNames))
    .min(1),
});

export const deviceSchema = z
  .strictObject({
    id,
    bed: id,
    transport: z.enum(['mqtt', 'serial', 'ble', 'hl7-tcp']),
    ...secretFields,
    /** Longest silence before the device counts as quiet (technical alarm, live values withdrawn). */
    maxSilenceSeconds: z.number().positive().default(30),
    /**
     * Where this device takes temperatures that carry no site of their own: a core site feeds NEWS2 and the `temp`
     * limits, a peripheral one (a skin patch: `skin`) is kept as `tskin` (drivers/core/temperature-site.ts).
     */
    temperatureSite: z.enum(TEMPERATURE_SITES).default('body'),
    /** Serial and BLE: how long the link may be down before `device-disconnected` (a replug inside it is no alarm). */
    disconnectGraceSeconds: z.number().min(0).default(10),
    serial: serialSettings.optional(),
    ble: bleSettings.optional(),
    /** For transport hl7-tcp: which messages on the MLLP listener are this device's (PV1-3 bed, MSH-4 facility). */
    hl7: z
      .strictObject({
        bed: z.string().min(1),
        facility: z.string().min(1).optional(),
        /** Source addresses or CIDR networks this device's messages may come from; others are refused. */
        allowFrom: z.array(addressOrNetwork).min(1).optional(),
      })
      .optional(),
    /** An mqtt device that may log in with a client certificate whose subject CN is its id (needs broker.tls.clientCa). */
    clientCert: z.boolean().default(false),
  })
  .superRefine((d, ctx) => {
    if (d.transport === 'mqtt' && !d.password && !d.passwordHash && !d.clientCert)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'required for an mqtt device (or passwordHash, or clientCert: true)' });
    if (d.transport === 'serial') {
      if (!d.serial) ctx.addIssue({ code: 'custom', path: ['serial'], message: 'required for a serial device' });
      else if (!d.serial.path && !(d.serial.vendorId && d.serial.productId))
        ctx.addIssue({ code: 'custom', path: ['serial', 'path'], message: 'required (or vendorId and productId)' });
      if (d.serial?.hl7Query && d.serial.dialect !== 'hl7')
        ctx.addIssue({ code: 'custom', path: ['serial', 'hl7Query'], message: 'only for dialect hl7' });
    }
    if (d.transport === 'ble' && !d.ble) ctx.addIssue({ code: 'custom', path: ['ble'], message: 'required for a ble device' });
    if (d.transport === 'hl7-tcp' && !d.hl7) ctx.addIssue({ code: 'custom', path: ['hl7'], message: 'required for an hl7-tcp device' });
  });

export const bedSchema = z.strictObject({
  id,
  label: z.string().optional(),
  profile: z.string().default('adult'),
  overrides: limitOverridesSchema.optional(),
  patientId: z.string().optional(),
  news2Scale: z.union([z.literal(1), z.literal(2)]).default(1),
});

const staffSchema = z.strictObject({
  id,
  name: z.string().min(1),
  role: z.enum(['nurse', 'senior-nurse', 'doctor', 'technician']).default('nurse'),
  pin: z.string().regex(/^\d{4,8}$/, 'must be 4-8 digits').optional(),
  pinHash: z.string().regex(/^scrypt\$/, 'must be an scrypt hash from `wardgate hash-secret`').optional(),
}).refine((s) => s.pin || s.pinHash, { message: 'pin or pinHash is required', path: ['pinHash'] });

const brokerUser = z.strictObject({
  username: id,
  ...secretFields,
  /** Topic filters this account may subscribe to (e.g. a nurse-call system: alarms/#). */
  subscribe: z.array(z.string()).default(['alarms/#']),
}).refine((u) => u.password || u.passwordHash, { message: 'password or passwordHash is required', path: ['password'] });

export const syncSchema = z.strictObject({
  enabled: z.boolean().default(true),
  transport: registered(upstreamTransportNames).default('mqtt'),
  topicPrefix: z.string().default('wardgate'),
  mqtt: mqttSettingsSchema.optional(),
  https: httpsSettingsSchema.optional(),
  batchSize: z.number().int().positive().max(1000).default(100),
  maxInFlight: z.number().int().positive().max(1000).default(50),
  retryMinMs: z.number().int().positive().default(500),
  retryMaxMs: z.number().int().positive().default(60_000),
  heartbeatSeconds: z.number().positive().default(30),
});

export const configSchema = z
  .strictObject({
    gateway: z
      .strictObject({
        id: id.default('ward-gw'),
        site: id.default('site'),
        ward: id.default('ward'),
      })
      .prefault({}),
    dataDir: z.string().default('./data'),
    log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
    broker: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(1883),
        maxPayloadBytes: z.number().int().positive().default(16_384),
        maxMessagesPerSecond: z.number().positive().default(50),
        users: z.array(brokerUser).default([]),
        /** The plain listener on a non-loopback host is refused unless this is true (docs/security.md). */
        allowPlaintextOnNetwork: z.boolean().default(false),
        tls: brokerTlsSchema.optional(),
      })
      .prefault({}),
    screen: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        readOnlyView: z.boolean().default(false),
        sessionHours: z.number().positive().default(12),
        allowedOrigins: z.array(z.string()).default([]),
        staff: z.array(staffSchema).default([]),
        /** What a tile shows of an admitted patient: nothing, initials (default: visitors see wall displays) or the name. */
        patientDisplay: z.enum(['none', 'initials', 'full']).default('initials'),
        /** BCP 47 locale for dates and numbers on the screen. */
        locale: z
          .string()
          .default('en-GB')
          .refine((l) => {
            try {
              return Intl.DateTimeFormat.supportedLocalesOf([l]).length === 1;
            } catch {
              return false;
            }
          }, 'not a locale this gateway knows (e.g. en-GB, de-DE)'),
        /** IANA time zone for the screen's clock and times; the browser's when absent. */
        timeZone: z
          .string()
          .optional()
          .refine((tz) => {
            if (tz === undefined) return true;
            try {
              new Intl.DateTimeFormat('en', { timeZone: tz });
              return true;
            } catch {
              return false;
            }
          }, 'not an IANA time zone (e.g. Europe/Berlin)'),
        /** 12-hour clock; 24-hour by default. */
        hour12: z.boolean().default(false),
        /** How far back a bed's trend charts reach (a shift). */
        trendHours: z.number().positive().max(48).default(8),
        allowPlaintextOnNetwork: z.boolean().default(false),
        tls: screenTlsSchema.optional(),
      })
      .prefault({}),
    store: z
      .strictObject({
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
      .strictObject({
        enabled: z.boolean().default(false),
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(2575),
        maxSilenceSeconds: z.number().positive().default(120),
        allowPlaintextOnNetwork: z.boolean().default(false),
        tls: hl7TlsSchema.optional(),
      })
      .prefault({}),
    beds: z.array(bedSchema).default([]),
    devices: z.array(deviceSchema).default([]),
    /** Triage settings; beds and their devices come from `beds` and `devices` above. */
    rules: rulesConfigSchema.omit({ beds: true, ward: true }).prefault({}),
    sync: syncSchema.prefault({}),
    /** HL7 outputs to the hospital: alarm manager (IHE PCD-04/05) and EHR (PCD-01); see config/outputs-schema.ts. */
    outputs: outputsSchema,
    /** The ward buzzer (gateway/buzzer/, docs/buzzer.md): a piezo on a GPIO line, a record file, or none. */
    buzzer: z
      .strictObject({
        backend: z.enum(['gpio', 'none', 'record']).default('none'),
        gpio: z
          .strictObject({
            chip: z.string().min(1).default('gpiochip0'),
            line: z.number().int().min(0).default(17),
            command: z.string().min(1).default('gpioset'),
            activeLow: z.boolean().default(false),
          })
          .prefault({}),
        /** JSON lines of on/off switches; defaults to <dataDir>/buzzer.jsonl. */
        record: z.strictObject({ file: z.string().min(1).optional() }).prefault({}),
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
    const bleAddresses = new Map<string, number>();
    c.devices.forEach((d, i) => {
      if (devices.has(d.id)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `duplicate device id '${d.id}'` });
      devices.add(d.id);
      if (!beds.has(d.bed)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'bed'], message: `unknown bed '${d.bed}'` });
      // Found at start by the drivers before; a config error belongs here, where `config check` sees it (exit 78).
      if (d.serial?.dialect === 'intellivue' && !d.serial.path)
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'serial', 'path'], message: 'required for an IntelliVue (its session is opened by path, not by USB vendor/product id)' });
      const address = d.ble?.address.toUpperCase();
      if (address !== undefined) {
        if (bleAddresses.has(address)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'ble', 'address'], message: `duplicate BLE address ${address} (also devices[${bleAddresses.get(address)}])` });
        else bleAddresses.set(address, i);
      }
    });
    for (const l of plaintextListeners(c)) if (!l.allowed) ctx.addIssue({ code: 'custom', path: l.path, message: plaintextRefusal(l) });
    c.devices.forEach((d, i) => {
      if (d.clientCert && !c.broker.tls?.clientCa)
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'clientCert'], message: 'needs broker.tls.clientCa (the CA that issues device certificates)' });
    });
    const key = getUpstreamTransport(c.sync.transport)?.settingsKey;
    if (c.sync.enabled && key && !c.sync[key])
      ctx.addIssue({ code: 'custom', path: ['sync', key], message: `required when sync is enabled with transport ${c.sync.transport}` });
  });

export type GatewayConfig = z.output<typeof configSchema>;
export type DeviceConfig = z.output<typeof deviceSchema>;
export type BedConfig = z.output<typeof bedSchema>;
export type SyncConfig = z.output<typeof syncSchema>;
