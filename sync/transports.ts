import { z } from 'zod';
import type { Logger } from '../gateway/log.js';
import { LazyUpstream } from './lazy-upstream.js';
import type { OutboxPort, Upstream } from './upstream.js';
import { statusMessage, upstreamTopics, type ClockStamp, type GatewayIdentity } from './wire.js';

export interface UpstreamDeps {
  outbox: OutboxPort;
  log: Logger;
  /** The gateway's clock stamp now: its sequence, the wall time and whether the clock is synchronised. */
  stamp: () => ClockStamp;
  /** A message from the centre (raw payload or parsed JSON); validated by the receiver. */
  onDownlink: (payload: Buffer | unknown) => void;
}

/** `sync.mqtt`: the settings of the MQTT transport (config/schema.ts embeds this). */
export const mqttSettingsSchema = z.strictObject({
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
});

/** `sync.https`: the settings of the HTTPS transport (config/schema.ts embeds this). */
export const httpsSettingsSchema = z.strictObject({
  url: z.string().regex(/^https?:\/\//),
  token: z.string().optional(),
  ca: z.string().optional(),
  cert: z.string().optional(),
  key: z.string().optional(),
  timeoutMs: z.number().int().positive().default(10_000),
  rejectUnauthorized: z.boolean().default(true),
});

/** The `sync` settings a transport reads (config/schema.ts's syncSchema produces this shape). */
export interface SyncSettings {
  transport: string;
  topicPrefix: string;
  batchSize: number;
  maxInFlight: number;
  retryMinMs: number;
  retryMaxMs: number;
  mqtt?: z.output<typeof mqttSettingsSchema>;
  https?: z.output<typeof httpsSettingsSchema>;
}

/** What the relay hands every transport: its settings, the gateway's identity, the outbox and callbacks. */
export interface TransportContext {
  sync: SyncSettings;
  who: GatewayIdentity;
  deps: UpstreamDeps;
  /** The retained online/offline status message, stamped now. */
  statusPayload: (state: 'online' | 'offline') => string;
}

export interface UpstreamTransport {
  /** The value of `sync.transport`. */
  name: string;
  /** One line for docs/architecture.md's table. */
  summary: string;
  /** The `sync.<key>` block this transport needs when sync is enabled (config validation checks it is there). */
  settingsKey?: 'mqtt' | 'https';
  create(ctx: TransportContext): Upstream;
}

/** The built-in transports load their client libraries on first use (see lazy-upstream.ts). */
function lazily(deps: UpstreamDeps, load: () => Promise<Upstream>): Upstream {
  return new LazyUpstream(load, (err) => deps.log.error({ err: err.message }, 'sync: transport failed to load; incidents stay in the outbox'));
}

const mqtt: UpstreamTransport = {
  name: 'mqtt',
  summary: 'MQTT 5 (or 3.1.1), QoS 1, one connection, downlink on …/down/#',
  settingsKey: 'mqtt',
  create({ sync, who, deps, statusPayload }) {
    const m = sync.mqtt!;
    const topics = upstreamTopics(sync.topicPrefix, who);
    return lazily(deps, async () => {
      const { MqttUpstream } = await import('./mqtt-upstream.js');
      return new MqttUpstream({
        url: m.url,
        username: m.username,
        password: m.password,
        clientId: m.clientId ?? `wardgate-${who.gatewayId}`,
        protocolVersion: m.protocolVersion,
        ca: m.ca,
        cert: m.cert,
        key: m.key,
        rejectUnauthorized: m.rejectUnauthorized,
        topics: { incidents: topics.incidents, status: topics.status, heartbeat: topics.heartbeat, down: topics.down },
        outbox: deps.outbox,
        maxInFlight: sync.maxInFlight,
        batchSize: sync.batchSize,
        retryMinMs: sync.retryMinMs,
        retryMaxMs: sync.retryMaxMs,
        log: deps.log,
        onDownlink: (_topic, payload) => deps.onDownlink(payload),
        statusPayload,
      });
    });
  },
};

const https: UpstreamTransport = {
  name: 'https',
  summary: 'HTTPS POST batches with Idempotency-Key, one batch in flight; downlink in the answers',
  settingsKey: 'https',
  create({ sync, who, deps, statusPayload }) {
    const h = sync.https!;
    return lazily(deps, async () => {
      const { HttpsUpstream } = await import('./https-upstream.js');
      return new HttpsUpstream({
        url: h.url,
        token: h.token,
        ca: h.ca,
        cert: h.cert,
        key: h.key,
        rejectUnauthorized: h.rejectUnauthorized,
        timeoutMs: h.timeoutMs,
        batchSize: sync.batchSize,
        identity: who,
        stamp: deps.stamp,
        outbox: deps.outbox,
        retryMinMs: sync.retryMinMs,
        retryMaxMs: sync.retryMaxMs,
        log: deps.log,
        onDownlink: deps.onDownlink,
        statusPayload,
      });
    });
  },
};

/**
 * The upstream transports: the one list. The config schema (`sync.transport`) and the docs' table are derived
 * from it. Adding one: its module implementing Upstream (sync/upstream.ts), an entry here, and its settings block
 * in config/schema.ts if it needs one (docs/architecture.md, "Add an output").
 */
const BUILT_IN: readonly UpstreamTransport[] = [mqtt, https];

const registry = new Map<string, UpstreamTransport>(BUILT_IN.map((t) => [t.name, t]));

/** Adds a transport at run time (tests and fixtures; built-in transports belong in the list above). */
export function registerUpstreamTransport(t: UpstreamTransport): () => void {
  if (registry.has(t.name)) throw new Error(`upstream transport '${t.name}' is already registered`);
  registry.set(t.name, t);
  return () => registry.delete(t.name);
}

export function upstreamTransportNames(): string[] {
  return [...registry.keys()];
}

export function upstreamTransports(): UpstreamTransport[] {
  return [...registry.values()];
}

export function getUpstreamTransport(name: string): UpstreamTransport | undefined {
  return registry.get(name);
}

export function createStatusPayload(who: GatewayIdentity, stamp: () => ClockStamp): (state: 'online' | 'offline') => string {
  return (state) => JSON.stringify(statusMessage(who, state, stamp()));
}
