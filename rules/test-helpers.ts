import type { ParamName } from '../drivers/core/parameters.js';
import { canonicalUnit } from '../drivers/core/parameters.js';
import type { QualityFlag } from '../drivers/core/observation.js';
import { rulesConfigSchema, type RulesConfig, type RulesConfigInput } from './config.js';
import type { Observation } from './types.js';

/** Deterministic ids for tests: `a1`, `a2`, ... (the time is ignored). */
export function seqIds(prefix = 'id'): (at: number) => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}

let seq = 0;
/** An observation as the gateway builds it, with the gateway clock `at`. */
export function obs(bed: string, param: ParamName, value: number, at: number, opts: { deviceId?: string; flags?: QualityFlag[]; seq?: number } = {}): Observation {
  return {
    gatewayId: 'gw-test',
    deviceId: opts.deviceId ?? `dev-${bed}`,
    bedId: bed,
    source: 'replay',
    receivedAt: at,
    seq: opts.seq ?? ++seq,
    param,
    value,
    unit: canonicalUnit(param),
    flags: opts.flags ?? [],
  };
}

/** A small, explicit profile so tests do not depend on the clinical defaults in config/profiles/adult.yaml. */
export function testConfig(extra: Partial<RulesConfigInput> = {}): RulesConfig {
  return rulesConfigSchema.parse({
    profiles: {
      adult: {
        params: {
          hr: {
            high: [
              { above: 120, priority: 'medium' },
              { above: 140, priority: 'high' },
            ],
            low: [{ below: 40, priority: 'high' }],
            delaySeconds: 0,
            hysteresis: 5,
          },
          spo2: {
            low: [
              { below: 90, priority: 'medium' },
              { below: 85, priority: 'high' },
            ],
            delaySeconds: 15,
            hysteresis: 2,
          },
          temp: { high: [{ above: 39, priority: 'low' }], delaySeconds: 0, hysteresis: 0.2 },
        },
      },
    },
    news2: { enabled: false },
    ...extra,
  });
}
