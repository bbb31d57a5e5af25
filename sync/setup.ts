import type { SyncConfig } from '../config/schema.js';
import type { Logger } from '../gateway/log.js';
import { HttpsUpstream } from './https-upstream.js';
import { MqttUpstream } from './mqtt-upstream.js';
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

/** Builds the transport the config chooses (MQTT or HTTPS); undefined (with a log line) when none is configured. */
export function createUpstream(sync: SyncConfig, who: GatewayIdentity, deps: UpstreamDeps): Upstream | undefined {
  const statusPayload = (state: 'online' | 'offline') => JSON.stringify(statusMessage(who, state, deps.stamp()));
  if (sync.transport === 'https' && sync.https) {
    const h = sync.https;
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
  }
  if (sync.transport === 'mqtt' && sync.mqtt) {
    const m = sync.mqtt;
    const topics = upstreamTopics(sync.topicPrefix, who);
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
  }
  deps.log.warn({ transport: sync.transport }, 'sync: transport not configured; incidents stay in the outbox');
  return undefined;
}
