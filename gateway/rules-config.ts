import type { GatewayConfig } from '../config/schema.js';
import type { RulesConfig } from '../rules/config.js';
import { loadRulesConfig } from '../rules/profiles.js';

/**
 * The rules engine's config from the gateway's: the `rules` section, plus the beds with their bound devices.
 * Built-in profiles (config/profiles/<name>.yaml) are added for every profile a bed names.
 * Throws with the profile's name when a bed names a profile that exists nowhere.
 */
export function rulesConfigFrom(config: GatewayConfig): RulesConfig {
  return loadRulesConfig({
    ...config.rules,
    ward: config.gateway.ward,
    beds: config.beds.map((b) => ({
      id: b.id,
      profile: b.profile,
      ...(b.overrides ? { overrides: b.overrides } : {}),
      news2Scale: b.news2Scale,
      ...(b.patientId ? { patientId: b.patientId } : {}),
      devices: config.devices.filter((d) => d.bed === b.id).map((d) => d.id),
    })),
  });
}
