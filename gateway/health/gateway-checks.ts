import type { Upstream } from '../../sync/upstream.js';
import type { EmbeddedBroker } from '../broker/broker.js';
import type { DegradedFamily } from '../driver-families.js';
import type { WardgateMetrics } from '../metrics/registry.js';
import { SCHEMA_VERSION } from '../store/migrations.js';
import type { Store } from '../store/store.js';
import type { WardState } from '../ward-state.js';
import { createHealthEndpoints, type HealthHandler } from './endpoints.js';

export interface GatewayCheckSources {
  version: string;
  metrics: WardgateMetrics;
  isReady: () => boolean;
  store: () => Store | undefined;
  storeFault: () => boolean;
  broker: () => EmbeddedBroker | undefined;
  ward: () => WardState | undefined;
  upstream: () => Upstream | undefined;
  degraded: () => DegradedFamily[];
}

/**
 * /healthz, /readyz, /metrics. Ready means the alarm path works on this ward: store open, broker listening,
 * drivers started. Devices, degraded driver families and the upstream are reported, but neither a silent device,
 * a driver family that cannot run nor the hospital network being down makes the gateway unready: alarms still
 * fire locally.
 */
export function gatewayHealthEndpoints(s: GatewayCheckSources): HealthHandler {
  return createHealthEndpoints({
    version: s.version,
    schema: { release: SCHEMA_VERSION, store: () => s.store()?.schemaVersion },
    metrics: s.metrics,
    degraded: s.degraded,
    checks: {
      gateway: () => ({ ok: s.isReady(), detail: s.isReady() ? 'started' : 'starting or stopping' }),
      store: () => ({ ok: s.store()?.isOpen === true, detail: s.storeFault() ? 'store fault: writes failing' : s.store()?.path }),
      broker: () => ({ ok: s.broker()?.listening === true, detail: `port ${s.broker()?.port ?? 0}` }),
      drivers: () => {
        const devices = s.ward()?.deviceList() ?? [];
        const degraded = s.degraded().map((d) => d.family);
        const connected = `${devices.filter((d) => d.state === 'connected').length} of ${devices.length} devices connected`;
        return { ok: true, detail: degraded.length > 0 ? `${connected}; degraded: ${degraded.join(', ')}` : connected };
      },
      sync: () => {
        const upstream = s.upstream();
        return { ok: true, detail: upstream ? `${upstream.status.online ? 'online' : 'offline'}, outbox ${s.ward()?.health.outboxDepth ?? 0}` : 'disabled' };
      },
    },
  });
}
