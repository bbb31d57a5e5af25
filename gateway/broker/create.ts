import { Counter } from 'prom-client';
import type { GatewayConfig } from '../../config/schema.js';
import type { Logger } from '../log.js';
import type { WardgateMetrics } from '../metrics/registry.js';
import { brokerTlsOptions } from '../tls/listener-options.js';
import { EmbeddedBroker, type LoginResult } from './broker.js';

/** Where the broker hands device logins, publishes and sessions (the gateway's ingest). */
export interface BrokerIngest {
  /** `certName`: the subject CN of a verified client certificate (MQTTS only); `alive`: whether the client is still there. */
  authenticate(username: string, password: string, certName?: string, alive?: () => boolean): Promise<LoginResult>;
  onDevicePublish(deviceId: string, topic: string, payload: Buffer): void;
  onDeviceConnection(deviceId: string, connected: boolean): void;
}

/** The embedded broker of the `broker:` section, with its refusals counted in the gateway's metrics. */
export function createBroker(c: GatewayConfig['broker'], ingest: BrokerIngest, metrics: WardgateMetrics, log: Logger): EmbeddedBroker {
  const broker = new EmbeddedBroker({
    host: c.host,
    port: c.port,
    maxPayloadBytes: c.maxPayloadBytes,
    maxMessagesPerSecond: c.maxMessagesPerSecond,
    log: log.child({ module: 'broker' }),
    authenticate: (username, password, certName, alive) => ingest.authenticate(username, password, certName, alive),
    tls: brokerTlsOptions(c),
    onDevicePublish: (deviceId, topic, payload) => ingest.onDevicePublish(deviceId, topic, payload),
    onDeviceConnection: (deviceId, connected) => ingest.onDeviceConnection(deviceId, connected),
  });
  new Counter({
    name: 'wardgate_broker_refused_total',
    help: 'MQTT clients or messages the embedded broker refused, throttled or cut off, by reason',
    labelNames: ['reason'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(broker.counters)) this.inc({ reason }, n);
    },
  });
  return broker;
}
