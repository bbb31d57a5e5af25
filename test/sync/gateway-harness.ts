import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { validateMessage, type SchemaName } from '../../sync/json-schema.js';
import { writeConfig } from '../helpers/gateway-process.js';
import type { Mosquitto } from '../helpers/mosquitto.js';
import { connectMqtt } from '../helpers/ward-config.js';

export { connectMqtt };

export const BEDS = ['bed-1', 'bed-2', 'bed-3', 'bed-4'];

/** A gateway config: four beds with immediate HR limits, one MQTT wearable each, syncing to `upstream`. */
export function gatewayConfig(dir: string, upstream: Mosquitto, gatewayId: string, extra: Record<string, unknown> = {}): string {
  return writeConfig(dir, {
    gateway: { id: gatewayId, site: 'test-site', ward: 'ward-s' },
    dataDir: join(dir, 'data'),
    log: { level: 'info' },
    broker: { host: '127.0.0.1', port: 0, maxMessagesPerSecond: 10_000, users: [{ username: 'nursecall', password: 'nc-secret', subscribe: ['alarms/#'] }] },
    screen: { host: '127.0.0.1', port: 0, staff: [{ id: 'n1', name: 'Nurse One', pin: '2468' }] },
    beds: BEDS.map((id) => ({ id, profile: 'adult', overrides: { hr: { delaySeconds: 0 } } })),
    devices: BEDS.map((bed, i) => ({ id: `wear-${i + 1}`, bed, transport: 'mqtt', password: 'dev-secret', maxSilenceSeconds: 600 })),
    sync: {
      enabled: true, transport: 'mqtt', heartbeatSeconds: 1,
      mqtt: { url: upstream.url, username: 'gw', password: 'gw-secret', protocolVersion: 5 },
      retryMinMs: 100, retryMaxMs: 500, maxInFlight: 20, batchSize: 50,
    },
    ...extra,
  });
}

/** The schema every topic of the layout must carry. */
export function schemaForTopic(topic: string): SchemaName | undefined {
  if (topic.endsWith('/incidents')) return 'incident-event';
  if (topic.endsWith('/heartbeat')) return 'heartbeat';
  if (topic.endsWith('/status')) return 'status';
  if (topic.endsWith('/down/incident-status')) return 'incident-status';
  if (topic.endsWith('/down/admission')) return 'admission';
  return undefined;
}

/** Listens on `<prefix>/#` and validates every message against its schema; counts by kind; keeps failures. */
export class WireTap {
  readonly counts: Record<string, number> = {};
  readonly invalid: Array<{ topic: string; errors: unknown; body: string }> = [];
  readonly incidents: Array<{ eventId: string; incidentId: string; incidentSeq: number }> = [];
  private constructor(readonly client: MqttClient) {}

  static async start(url: string, username: string, password: string, prefix = 'wardgate'): Promise<WireTap> {
    const c = await connectMqtt(url, { username, password, protocolVersion: 5, clientId: `tap-${process.pid}-${Math.random().toString(36).slice(2, 8)}`, clean: false, properties: { sessionExpiryInterval: 600 } });
    const tap = new WireTap(c);
    c.on('message', (topic, payload) => tap.take(topic, payload));
    await c.subscribeAsync(`${prefix}/#`, { qos: 1 });
    return tap;
  }

  private take(topic: string, payload: Buffer): void {
    const name = schemaForTopic(topic);
    const kind = name ?? 'unknown-topic';
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    let body: unknown;
    try {
      body = JSON.parse(payload.toString());
    } catch {
      this.invalid.push({ topic, errors: 'not JSON', body: payload.toString() });
      return;
    }
    if (!name) {
      this.invalid.push({ topic, errors: 'topic outside the layout', body: payload.toString() });
      return;
    }
    const errors = validateMessage(name, body);
    if (errors.length) this.invalid.push({ topic, errors, body: payload.toString() });
    if (name === 'incident-event') {
      const b = body as { eventId: string; incident: { incidentId: string; incidentSeq: number } };
      this.incidents.push({ eventId: b.eventId, incidentId: b.incident.incidentId, incidentSeq: b.incident.incidentSeq });
    }
  }

  stop(): void {
    this.client.end(true);
  }
}

/** Per-incident sequences in first-arrival order must be exactly 1, 2, 3 ... */
export function orderViolations(events: Array<{ incidentId: string; incidentSeq: number }>): string[] {
  const next = new Map<string, number>();
  const bad: string[] = [];
  for (const e of events) {
    const want = (next.get(e.incidentId) ?? 0) + 1;
    if (e.incidentSeq !== want) bad.push(`${e.incidentId}: got ${e.incidentSeq}, expected ${want}`);
    next.set(e.incidentId, Math.max(want - 1, e.incidentSeq));
  }
  return bad;
}
