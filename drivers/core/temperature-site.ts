import type { ParamName } from './parameters.js';

/**
 * Temperature measurement sites. NEWS2 scores body (core) temperature (RCP NEWS2 2017, Chart 1 "Temperature"; the
 * report's temperature readings are oral, tympanic or axillary), and the `temp` limits are body-temperature limits:
 * only the core/body sites below feed them. Skin and peripheral sites read several degrees lower and are kept
 * apart as `tskin`, with their own limits.
 *
 * Sites as the sources name them: IEEE 11073-10101 MDC_TEMP_ORAL/_AXIL/_RECT/_TYMP/_ESOPH/_NASOPH/_CORE/_BODY/_SKIN
 * (HL7 OBX-3), LOINC site codes, and the Bluetooth Health Thermometer "Temperature Type" (GATT Specification
 * Supplement, 0x2A1D: armpit, body, ear (usually earlobe), finger, gastro-intestinal tract, mouth, rectum, toe,
 * tympanum).
 */
export const CORE_SITES = ['oral', 'axillary', 'tympanic', 'rectal', 'oesophageal', 'nasopharyngeal', 'core', 'body', 'gastro-intestinal'] as const;
export const PERIPHERAL_SITES = ['skin', 'finger', 'toe', 'earlobe'] as const;
export const TEMPERATURE_SITES = [...CORE_SITES, ...PERIPHERAL_SITES] as const;
export type TemperatureSite = (typeof TEMPERATURE_SITES)[number];

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
