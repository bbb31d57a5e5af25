// The daemon loads the built-in transports' modules at start, as it always has, so an upstream connects as soon
// as sync starts; only the registry's readers that never sync (`wardgate config check`) skip them.
import './https-upstream.js';
import './mqtt-upstream.js';
import type { Upstream } from './upstream.js';
import type { GatewayIdentity } from './wire.js';
import { createStatusPayload, getUpstreamTransport, type SyncSettings, type UpstreamDeps } from './transports.js';

export type { UpstreamDeps } from './transports.js';

/**
 * Builds the transport the config chooses (sync/transports.ts); undefined (with a log line) when the chosen
 * transport lacks its settings block (config validation stops that when sync is enabled).
 */
export function createUpstream(sync: SyncSettings, who: GatewayIdentity, deps: UpstreamDeps): Upstream | undefined {
  const transport = getUpstreamTransport(sync.transport);
  if (transport && (!transport.settingsKey || sync[transport.settingsKey])) {
    return transport.create({ sync, who, deps, statusPayload: createStatusPayload(who, deps.stamp) });
  }
  deps.log.warn({ transport: sync.transport }, 'sync: transport not configured; incidents stay in the outbox');
  return undefined;
}
