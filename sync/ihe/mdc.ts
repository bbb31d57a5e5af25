import { createHash } from 'node:crypto';
import { PARAMETERS, type ParamName } from '../../drivers/core/parameters.js';

/**
 * IEEE 11073-10101 (MDC) codes the hospital outputs use. A code is partition * 65536 + term code.
 *
 * Sources: IHE PCD Technical Framework Vol. 2 rev. 9.0 (2019), section 3.4 (PCD-04 Report Alert) and Appendix A
 * (alert attributes MDC_ATTR_ALERT_SOURCE 68480 ... MDC_ATTR_ALERT_TYPE 68485, event MDC_EVT_ALARM 196616);
 * IEEE 11073-10101 partition 3 (events) as listed in the IHE PCD Rosetta Terminology Mapping (RTM); the
 * units (partition 4, dimensions) from the same RTM. Parameters' own codes come from drivers/core/parameters.ts.
 */
export const MDC_EVT_ALARM = { code: 196616, ref: 'MDC_EVT_ALARM' } as const;

/** The six alert attributes of TF-2 3.4.4.x, rows .2 to .7 under the alert's position. */
export const ALERT_ATTR = {
  source: { code: 68480, ref: 'MDC_ATTR_ALERT_SOURCE' },
  phase: { code: 68481, ref: 'MDC_ATTR_EVENT_PHASE' },
  state: { code: 68482, ref: 'MDC_ATTR_ALARM_STATE' },
  inactivation: { code: 68483, ref: 'MDC_ATTR_ALARM_INACTIVATION_STATE' },
  priority: { code: 68484, ref: 'MDC_ATTR_ALARM_PRIORITY' },
  type: { code: 68485, ref: 'MDC_ATTR_ALERT_TYPE' },
} as const;

/** MDC_ATTR_CONFIRM_TIMEOUT (partition 1, term 2324) and seconds (MDC_DIM_SEC), for the watchdog. */
export const MDC_ATTR_CONFIRM_TIMEOUT = { code: 67860, ref: 'MDC_ATTR_CONFIRM_TIMEOUT' } as const;
export const MDC_DIM_SEC = { code: 264320, ref: 'MDC_DIM_SEC' } as const;

/** Device hierarchy rows: the gateway as a multi-parameter monitor system (MDS) with one virtual device. */
export const MDC_DEV_MDS = { code: 69798, ref: 'MDC_DEV_METER_PHYSIO_MULTI_PARAM_MDS' } as const;
export const MDC_DEV_VMD = { code: 69799, ref: 'MDC_DEV_METER_PHYSIO_MULTI_PARAM_VMD' } as const;

type Code = { code: number; ref: string };

/** Limit violations (RTM partition 3): above the high limit, below the low limit. */
export const MDC_EVT_HI: Code = { code: 196648, ref: 'MDC_EVT_HI' };
export const MDC_EVT_LO: Code = { code: 196670, ref: 'MDC_EVT_LO' };

/**
 * The event code of each technical condition. Conditions without a specific term in the RTM are sent as the generic
 * MDC_EVT_ALARM with the condition's text in OBX-5 (TF-2 3.4.4: "an alarm without a more specific event code").
 */
const TECHNICAL_EVENTS: Record<string, Code> = {
  'device-disconnected': { code: 196916, ref: 'MDC_EVT_SENSOR_DISCONN' },
  'no-data': { code: 196916, ref: 'MDC_EVT_SENSOR_DISCONN' },
  'sensor-off': { code: 196916, ref: 'MDC_EVT_SENSOR_DISCONN' },
  'no-sensor': { code: 196942, ref: 'MDC_EVT_XDUCR_ABSENT' },
  'sensor-fault': { code: 196918, ref: 'MDC_EVT_SENSOR_MALF' },
  'device-fault': { code: 196918, ref: 'MDC_EVT_SENSOR_MALF' },
  'cuff-fit': { code: 196848, ref: 'MDC_EVT_CUFF_LOOSE' },
};

/** The event an alarm condition reports: `<param>-high` / `<param>-low` are limit violations, the rest by table. */
export function eventFor(condition: string, kind: 'physiological' | 'technical'): Code {
  if (kind === 'physiological') {
    if (condition.endsWith('-high')) return MDC_EVT_HI;
    if (condition.endsWith('-low')) return MDC_EVT_LO;
    return MDC_EVT_ALARM;
  }
  return TECHNICAL_EVENTS[condition] ?? MDC_EVT_ALARM;
}

/** MDC units of the parameters (RTM partition 4); the UCUM unit goes in the second triplet of OBX-6. */
const UNITS: Record<string, Code> = {
  '/min': { code: 264864, ref: 'MDC_DIM_BEAT_PER_MIN' },
  '%': { code: 262688, ref: 'MDC_DIM_PERCENT' },
  'mm[Hg]': { code: 266016, ref: 'MDC_DIM_MMHG' },
  Cel: { code: 268192, ref: 'MDC_DIM_DEGC' },
};
const RESP_PER_MIN: Code = { code: 264928, ref: 'MDC_DIM_RESP_PER_MIN' };

/** OBX-6 for a parameter: the MDC unit and the UCUM unit as the alternate (CWE components 4-6). */
export function unitOf(param: ParamName): string {
  const ucum = PARAMETERS[param].unit;
  const mdc = param === 'rr' ? RESP_PER_MIN : UNITS[ucum];
  return mdc ? `${mdc.code}^${mdc.ref}^MDC^${ucum}^${ucum}^UCUM` : `${ucum}^${ucum}^UCUM`;
}

/**
 * Site-specific temperature terms: IEEE 11073-10101 MDC_TEMP_TYMP (term 19320), MDC_TEMP_CORE (19296) and
 * MDC_TEMP_SKIN (19316) in partition 2 (SCADA), and the sites IEEE Std 11073-10408-2010 (thermometer device
 * specialization, section 6.6 and its nomenclature list) adds in the same partition: MDC_TEMP_RECT 57348,
 * MDC_TEMP_ORAL 57352, MDC_TEMP_FINGER 57360, MDC_TEMP_TOE 57376, MDC_TEMP_AXILLA 57380, MDC_TEMP_GIT 57384.
 * Code = 2 * 65536 + term. A site without its own term (body, oesophageal, nasopharyngeal, earlobe) keeps the
 * parameter's code (MDC_TEMP_BODY or MDC_TEMP_SKIN).
 */
const TEMPERATURE_SITE_CODES: Readonly<Record<string, Code>> = {
  tympanic: { code: 150392, ref: 'MDC_TEMP_TYMP' },
  core: { code: 150368, ref: 'MDC_TEMP_CORE' },
  skin: { code: 150388, ref: 'MDC_TEMP_SKIN' },
  rectal: { code: 188420, ref: 'MDC_TEMP_RECT' },
  oral: { code: 188424, ref: 'MDC_TEMP_ORAL' },
  finger: { code: 188432, ref: 'MDC_TEMP_FINGER' },
  toe: { code: 188448, ref: 'MDC_TEMP_TOE' },
  axillary: { code: 188452, ref: 'MDC_TEMP_AXILLA' },
  'gastro-intestinal': { code: 188456, ref: 'MDC_TEMP_GIT' },
};

/** OBX-3 for a parameter; a temperature with a known site gets the site's own term. */
export function paramCode(param: ParamName, site?: string): string {
  const bySite = (param === 'temp' || param === 'tskin') && site !== undefined ? TEMPERATURE_SITE_CODES[site] : undefined;
  if (bySite) return code(bySite);
  const p = PARAMETERS[param];
  return `${p.mdc}^${p.mdcRef}^MDC`;
}

export function code(c: Code): string {
  return `${c.code}^${c.ref}^MDC`;
}

/**
 * A stable EUI-64 for a name (the gateway, a device) when the hardware has none to offer: 8 bytes of its SHA-256,
 * with the locally-administered bit set and the group bit clear (IEEE 802 EUI-64 guidelines), so it can never
 * collide with a vendor-assigned identifier.
 */
export function eui64(name: string): string {
  const b = createHash('sha256').update(name).digest().subarray(0, 8);
  b[0] = (b[0]! | 0x02) & 0xfe;
  return b.toString('hex').toUpperCase();
}
