import type { LimitOverrides } from '../../rules/config.js';
import { loadBuiltinProfile } from '../../rules/profiles.js';
import { isTechnicalCondition, TECHNICAL_CONDITIONS } from '../../rules/technical.js';
import type { ParamName } from '../../drivers/core/parameters.js';
import type { Scenario } from './schema.js';

export interface GeneratedConfigOptions {
  dataDir: string;
  /** The upstream the gateway syncs to (the simulator's central). */
  central: { url: string; username: string; password: string };
  /** The account the runner watches `alarms/#` with. */
  observer: { username: string; password: string };
  /** Gateway-side tty path of each serial device. */
  serialPaths: ReadonlyMap<string, string>;
  logLevel?: string;
}

export const SIM_GATEWAY = { id: 'sim-gw', site: 'sim-site', ward: 'sim-ward' } as const;

/** A device's MQTT password in the generated config and for the simulated wearable. */
export function devicePassword(s: Scenario, deviceId: string): string {
  for (const b of s.beds) for (const d of b.devices) if (d.id === deviceId && d.transport === 'mqtt' && d.password) return d.password;
  return `sim-secret-${deviceId}`;
}

/** Scenario-wide overrides with the bed's own on top, field by field per parameter. */
export function bedOverrides(s: Scenario, bedId: string): LimitOverrides | undefined {
  const bed = s.beds.find((b) => b.id === bedId);
  const ward = s.gateway.overrides ?? {};
  const own = bed?.overrides ?? {};
  const params = new Set([...Object.keys(ward), ...Object.keys(own)]) as Set<ParamName>;
  if (params.size === 0) return undefined;
  const out: LimitOverrides = {};
  for (const p of params) out[p] = { ...(ward[p] ?? {}), ...(own[p] ?? {}) };
  return out;
}

/**
 * The gateway config a scenario runs against: its beds and devices, loopback ports chosen by the kernel,
 * the simulator's central as the upstream, and a service account that may subscribe to `alarms/#`.
 */
export function generateGatewayConfig(s: Scenario, o: GeneratedConfigOptions): Record<string, unknown> {
  const rules: Record<string, unknown> = {};
  if (s.gateway.noDataSeconds !== undefined) rules.technical = { noDataSeconds: s.gateway.noDataSeconds };
  if (s.gateway.news2DelaySeconds !== undefined) rules.news2 = { delaySeconds: s.gateway.news2DelaySeconds };
  if (s.gateway.incidentRejoinSeconds !== undefined) rules.incidents = { rejoinWindowSeconds: s.gateway.incidentRejoinSeconds };
  return {
    gateway: { ...SIM_GATEWAY },
    dataDir: o.dataDir,
    log: { level: o.logLevel ?? 'info' },
    broker: { host: '127.0.0.1', port: 0, maxMessagesPerSecond: 50, users: [{ username: o.observer.username, password: o.observer.password, subscribe: ['alarms/#'] }] },
    screen: { host: '127.0.0.1', port: 0, staff: [{ id: 'sim', name: 'Simulator', pin: '2468' }] },
    beds: s.beds.map((b) => {
      const overrides = bedOverrides(s, b.id);
      return { id: b.id, ...(b.label ? { label: b.label } : {}), profile: 'adult', news2Scale: b.news2Scale, ...(overrides ? { overrides } : {}) };
    }),
    devices: s.beds.flatMap((b) =>
      b.devices.map((d) =>
        d.transport === 'mqtt'
          ? { id: d.id, bed: b.id, transport: 'mqtt', password: devicePassword(s, d.id), maxSilenceSeconds: s.gateway.maxSilenceSeconds }
          : {
              id: d.id,
              bed: b.id,
              transport: 'serial',
              maxSilenceSeconds: s.gateway.maxSilenceSeconds,
              // an unplug raises device-disconnected after this grace: never later than the silence time the runner allows
              disconnectGraceSeconds: Math.min(10, s.gateway.maxSilenceSeconds),
              serial: { path: o.serialPaths.get(d.id) ?? `/dev/null-${d.id}`, baudRate: 9600, dialect: d.dialect },
            },
      ),
    ),
    rules,
    sync: {
      enabled: true,
      transport: 'mqtt',
      mqtt: { url: o.central.url, username: o.central.username, password: o.central.password, protocolVersion: 4 },
      retryMinMs: 100,
      retryMaxMs: 1000,
    },
  };
}

/**
 * Real seconds the gateway waits, by its own configuration, before it may raise `condition` on `bed`: the
 * parameter's condition delay (bed override, else the adult profile), the NEWS2 delay, or the silence times.
 */
export function gatewayDelaySeconds(s: Scenario, bed: string, condition: string): number {
  const m = /^([a-z0-9]+)-(high|low)$/.exec(condition);
  if (m) {
    const param = m[1] as ParamName;
    const own = bedOverrides(s, bed)?.[param]?.delaySeconds;
    if (own !== undefined) return own;
    return loadBuiltinProfile('adult').params[param]?.delaySeconds ?? 0;
  }
  if (condition === 'news2') return s.gateway.news2DelaySeconds ?? 0;
  if (!isTechnicalCondition(condition)) return 0;
  // A silence the rules time (no-data, no-valid-data) or the driver times (device-disconnected), both by each
  // device's maxSilenceSeconds (gateway/rules-config.ts); devices report the rest at once.
  const raisedBy = TECHNICAL_CONDITIONS[condition].raisedBy;
  if (raisedBy === 'rules' || raisedBy === 'driver') return s.gateway.maxSilenceSeconds;
  return 0;
}
