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
