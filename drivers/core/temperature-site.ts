import type { ParamName } from './parameters.js';

import { CORE_SITES, type TemperatureSite } from './temperature-sites.js';

export { CORE_SITES, PERIPHERAL_SITES, TEMPERATURE_SITES, type TemperatureSite } from './temperature-sites.js';

const CORE: ReadonlySet<string> = new Set(CORE_SITES);

export const isCoreSite = (site: TemperatureSite): boolean => CORE.has(site);

/**
 * A temperature reading with its site settled: the source's own site, else the device's configured one; a core site
 * stays `temp`, a peripheral one becomes `tskin`. Other readings are returned as they are.
 */
export function withTemperatureSite<R extends { param: ParamName; site?: TemperatureSite }>(r: R, deviceSite: TemperatureSite): R {
  if (r.param !== 'temp' && r.param !== 'tskin') return r;
  const site = r.site ?? (r.param === 'tskin' ? 'skin' : deviceSite);
  const param = isCoreSite(site) ? 'temp' : 'tskin';
  return param === r.param && site === r.site ? r : { ...r, param, site };
}
