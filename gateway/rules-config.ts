import type { GatewayConfig } from '../config/schema.js';
import type { RulesConfig } from '../rules/config.js';
import { loadRulesConfig } from '../rules/profiles.js';

/**
 * The rules engine's config from the gateway's: the `rules` section, plus the beds with their bound devices, each
 * with its `maxSilenceSeconds` as its silence bound. A device is lost when its data stops: the engine raises
 * `no-data` for a device silent for its own `maxSilenceSeconds` (so `rules.technical.noDataSeconds` never applies to
 * a configured device), and at start-up every device has that long before its first `no-data`.
 * Built-in profiles (config/profiles/<name>.yaml) are added for every profile a bed names. Throws with the profile's name when a bed names a profile that exists nowhere.
 */
export function rulesConfigFrom(config: GatewayConfig): RulesConfig {
  return loadRulesConfig({
    ...config.rules,
    ward: config.gateway.ward,
    beds: config.beds.map((b) => {
      const devices = config.devices.filter((d) => d.bed === b.id);
      return {
        id: b.id,
        profile: b.profile,
        ...(b.overrides ? { overrides: b.overrides } : {}),
        news2Scale: b.news2Scale,
        ...(b.patientId ? { patientId: b.patientId } : {}),
        devices: devices.map((d) => d.id),
        // Each device's own silence bound (and start-up grace) for no-data and no-valid-data.
        deviceSilenceSeconds: Object.fromEntries(devices.map((d) => [d.id, d.maxSilenceSeconds])),
      };
    }),
  });
}
