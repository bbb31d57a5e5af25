import type { Reading } from './observation.js';

import { CORE_SITES, type TemperatureSite } from './temperature-sites.js';

export { CORE_SITES, PERIPHERAL_SITES, TEMPERATURE_SITES, type TemperatureSite } from './temperature-sites.js';

const CORE: ReadonlySet<string> = new Set(CORE_SITES);

export const isCoreSite = (site: TemperatureSite): boolean => CORE.has(site);

/**
 * A temperature reading with its site settled: the source's own site, else the device's configured one; a core site
 * stays `temp`, a peripheral one becomes `tskin`. Other readings are returned as they are.
 */
export function withTemperatureSite(r: Reading, deviceSite: TemperatureSite): Reading {
  if (r.param !== 'temp' && r.param !== 'tskin') return r;
  const site = r.site ?? (r.param === 'tskin' ? 'skin' : deviceSite);
  const param = isCoreSite(site) ? 'temp' : 'tskin';
  if (param === r.param && site === r.site) return r;
  // Fields listed, not spread: a spread here cost 1-3 us per temperature reading (one per wearable sample).
  return { param, value: r.value, unit: r.unit, channel: r.channel, code: r.code, site, sourceTs: r.sourceTs, sourceSeq: r.sourceSeq, sourceMessageId: r.sourceMessageId, flags: r.flags };
}
