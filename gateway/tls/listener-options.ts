import type { GatewayConfig } from '../../config/schema.js';
import type { ScreenTlsOptions } from '../screen/https.js';
import { loadServerTls } from './certificates.js';
import type { CertificateSource } from './expiry.js';
import type { TlsListenerOptions } from './tls-server.js';

/** The broker's MQTTS listener from `broker.tls`, or undefined when not configured. */
export function brokerTlsOptions(broker: GatewayConfig['broker']): Omit<TlsListenerOptions, 'name' | 'log' | 'maxConnections' | 'onRefused'> | undefined {
  const t = broker.tls;
  if (!t) return undefined;
  return { host: t.host, port: t.port, clientCert: t.clientCa !== undefined ? 'optional' : 'off', load: () => loadServerTls(t) };
}

/** The screen's HTTPS listener from `screen.tls`, or undefined. */
export function screenTlsOptions(screen: GatewayConfig['screen']): ScreenTlsOptions | undefined {
  const t = screen.tls;
  if (!t) return undefined;
  return { host: t.host, port: t.port, hstsMaxAgeSeconds: t.hstsMaxAgeSeconds, redirectPort: t.redirectPort, load: () => loadServerTls({ cert: t.cert, key: t.key }) };
}

/** Every certificate file the config names, by use (for expiry on /metrics and the screen); a new use is added here. */
export function certificateSources(c: GatewayConfig): CertificateSource[] {
  const out: CertificateSource[] = [];
  const add = (use: string, path: string | undefined) => {
    if (path) out.push({ use, path });
  };
  add('broker', c.broker.tls?.cert);
  add('broker-client-ca', c.broker.tls?.clientCa);
  add('screen', c.screen.tls?.cert);
  if (c.hl7Listener.enabled) {
    add('hl7', c.hl7Listener.tls?.cert);
    add('hl7-client-ca', c.hl7Listener.tls?.clientCa);
  }
  // The gateway's own client certificate towards the central service (mutual TLS upstream, docs/sync.md).
  if (c.sync.enabled) add('upstream-client', c.sync.transport === 'mqtt' ? c.sync.mqtt?.cert : c.sync.https?.cert);
  return out;
}

/** Anything with listeners whose certificates can be swapped: the broker, the screen, a TLS driver. */
export interface TlsReloadable {
  reloadTls?(): void;
}
