import type { ConnectionState } from '../../drivers/core/connection.js';
import { PARAMETERS, PARAM_NAMES, type ParamName } from '../../drivers/core/parameters.js';

/**
 * The words the ward screen shows, derived from the gateway's registries (the parameter table here, the technical
 * conditions' labels handed in by the composition root, since the screen does not import rules/) and sent to the
 * page with the first snapshot, so the page repeats none of them. The maps below are typed against the parameter
 * registry: a parameter added there without its short label fails the type check here.
 */
export interface Vocabulary {
  params: Record<string, { label: string; short: string; unit: string; unitText: string }>;
  /** Display order of the parameters on a tile and in the detail view. */
  paramOrder: string[];
  /** Every alarm condition the rules raise, in words: `hr-high`, `news2`, `fall`, the technical ones. */
  conditions: Record<string, string>;
  priorities: Record<'high' | 'medium' | 'low', { label: string; marker: string }>;
  news2Risk: Record<'low' | 'low-medium' | 'medium' | 'high', string>;
  /** NEWS2 inputs that are not device parameters, as named in a "missing" list. */
  news2Inputs: Record<string, string>;
  centralStatus: Record<string, string>;
  auditActions: Record<string, string>;
  deviceStates: Record<ConnectionState, string>;
}

/** UCUM codes (the registry's units) as a nurse reads them; a code not listed is shown as it is. */
const UNIT_TEXT: Record<string, string> = { '/min': '/min', '%': '%', Cel: '°C', 'mm[Hg]': 'mmHg', '[degF]': '°F', 'kPa': 'kPa', mm: 'mm' };

/** Short labels for a tile, where the registry's full label does not fit. */
const SHORT: Record<ParamName, string> = {
  hr: 'HR', pr: 'Pulse', spo2: 'SpO₂', pi: 'PI', rr: 'RR', temp: 'Temp', tskin: 'Skin T', sbp: 'BP sys', dbp: 'BP dia', map: 'MAP',
  abp_sys: 'ART sys', abp_dia: 'ART dia', abp_mean: 'ART mean', pap_sys: 'PA sys', pap_dia: 'PA dia', pap_mean: 'PA mean',
  cvp: 'CVP', lap: 'LAP', rap: 'RAP', icp: 'ICP', etco2: 'EtCO₂', fico2: 'FiCO₂', awrr: 'awRR', pvc: 'PVC',
  st_i: 'ST I', st_ii: 'ST II', st_iii: 'ST III', st_avr: 'ST aVR', st_avl: 'ST aVL', st_avf: 'ST aVF',
  st_v1: 'ST V1', st_v2: 'ST V2', st_v3: 'ST V3', st_v4: 'ST V4', st_v5: 'ST V5', st_v6: 'ST V6',
  pr_ibp: 'Pulse ART', pr_nibp: 'Pulse NBP',
};

/** The ward's usual parameters first, then the invasive and airway ones (shown only when a bed has them). */
const TILE_ORDER: ParamName[] = [
  'hr', 'spo2', 'rr', 'sbp', 'temp', 'pr', 'dbp', 'map', 'pi', 'tskin',
  'abp_sys', 'abp_dia', 'abp_mean', 'pap_sys', 'pap_dia', 'pap_mean', 'cvp', 'lap', 'rap', 'icp', 'etco2', 'fico2', 'awrr', 'pvc',
  'pr_ibp', 'pr_nibp', 'st_i', 'st_ii', 'st_iii', 'st_avr', 'st_avl', 'st_avf', 'st_v1', 'st_v2', 'st_v3', 'st_v4', 'st_v5', 'st_v6',
];

/** `technical`: condition name -> label, from the technical-condition registry (rules/technical.ts). */
export function buildVocabulary(technical: Record<string, string>): Vocabulary {
  const params: Vocabulary['params'] = {};
  const conditions: Record<string, string> = { news2: 'NEWS2 score raised', fall: 'Fall detected' };
  for (const p of PARAM_NAMES) {
    const def = PARAMETERS[p];
    params[p] = { label: def.label, short: SHORT[p] ?? def.label, unit: def.unit, unitText: UNIT_TEXT[def.unit] ?? def.unit };
    conditions[`${p}-high`] = `${def.label} high`;
    conditions[`${p}-low`] = `${def.label} low`;
  }
  Object.assign(conditions, technical);
  return {
    params,
    paramOrder: TILE_ORDER.filter((p) => PARAM_NAMES.includes(p)),
    conditions,
    // Text markers beside colour, so priority reads the same in greyscale and for colour-blind staff: the markers
    // patient monitors put before alarm messages (EDAN X8 manual p. 43, Comen N10 operator's manual 7.4.3, p. 64;
    // Philips IntelliVue MP60/70/80/90 instructions for use, ch. 3 "Visual Alarm Indicators").
    priorities: { high: { label: 'High priority', marker: '***' }, medium: { label: 'Medium priority', marker: '**' }, low: { label: 'Low priority', marker: '*' } },
    // NEWS2 clinical risk bands, Royal College of Physicians, National Early Warning Score 2 (2017), Chart 2.
    news2Risk: { low: 'Low risk', 'low-medium': 'Low–medium risk (a single score of 3)', medium: 'Medium risk', high: 'High risk' },
    news2Inputs: { acvpu: 'ACVPU (consciousness)', o2: 'oxygen (air or supplemental)' },
    centralStatus: { ASSIGNED: 'Assigned', ACKNOWLEDGED: 'Accepted', IN_PROGRESS: 'In progress', RESOLVED: 'Resolved' },
    auditActions: { acknowledge: 'Acknowledged alarm', 'audio-pause': 'Paused audio', 'news2-manual-inputs': 'Entered NEWS2 observations', 'bed-limits': 'Changed alarm limits' },
    deviceStates: { connected: 'Connected', connecting: 'Connecting', disconnected: 'Disconnected', quiet: 'No data' },
  };
}
