/** The gateway configuration the load bench runs: B beds, one MQTT wearable each, no condition delays. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadBuiltinProfile } from '../../rules/profiles.js';

export const DEVICE_PASSWORD = 'bench-device-secret';
export const SUBSCRIBER = { username: 'bench-nursecall', password: 'bench-nursecall-secret' };

export const deviceId = (i: number): string => `wear-${i + 1}`;
export const bedId = (i: number): string => `bed-${i + 1}`;

/**
 * Writes `dir/wardgate.yaml`. Every parameter of the `adult` profile gets a per-bed override `delaySeconds: 0`,
 * so each abnormal sample raises at once and the next normal one clears (hysteresis permitting): one clean
 * raise/clear pair per abnormal sample. The broker's per-device rate limit is lifted (the bench is the only client),
 * sync is off (nothing upstream to measure) and the ports are free ones.
 */
export function writeBenchConfig(dir: string, beds: number, store: { commitIntervalMs?: number } = {}): string {
  const profile = loadBuiltinProfile('adult');
  const overrides = Object.fromEntries(Object.keys(profile.params).map((p) => [p, { delaySeconds: 0 }]));
  const config = {
    gateway: { id: 'gw-bench', site: 'bench', ward: 'bench-ward' },
    dataDir: join(dir, 'data'),
    log: { level: 'info' },
    broker: {
      host: '127.0.0.1',
      port: 0,
      maxMessagesPerSecond: 1_000_000,
      users: [{ ...SUBSCRIBER, subscribe: ['alarms/#'] }],
    },
    screen: { host: '127.0.0.1', port: 0 },
    beds: Array.from({ length: beds }, (_, i) => ({ id: bedId(i), profile: 'adult', overrides })),
    devices: Array.from({ length: beds }, (_, i) => ({ id: deviceId(i), bed: bedId(i), transport: 'mqtt', password: DEVICE_PASSWORD, maxSilenceSeconds: 60 })),
    store,
    sync: { enabled: false },
    buzzer: { backend: 'none' },
  };
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'wardgate.yaml');
  writeFileSync(path, stringify(config));
  return path;
}
