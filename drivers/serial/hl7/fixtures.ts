/**
 * HL7 test messages shaped like the IHE PCD-01 examples (IHE PCD Technical Framework vol. 2 section 3.1, ORU^R01 with
 * MDC-coded OBX, dotted OBX-4 containment and EUI-64 equipment ids) and like plain bedside-monitor ORU feeds.
 * Shared by the codec tests, the driver tests and the benchmark.
 */
export function pcd01Message(opts: { controlId?: string; bed?: string; msh15?: string; msh16?: string; obx?: string[] } = {}): string {
  const { controlId = 'MSG0001', bed = 'BED-12', msh15 = '', msh16 = '' } = opts;
  const obx = opts.obx ?? [
    'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|97|262688^MDC_DIM_PERCENT^MDC|90-100||||R|||20240301101500+0000',
    'OBX|2|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.1.1.149530|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|50-120||||R|||20240301101500+0000',
    'OBX|3|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|71|264864^MDC_DIM_BEAT_PER_MIN^MDC|50-120||||F',
    'OBX|4|NM|151562^MDC_RESP_RATE^MDC|1.2.1.151562|18|264928^MDC_DIM_RESP_PER_MIN^MDC|||||F',
    'OBX|5|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.3.1.150021|128|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|6|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.3.1.150022|84|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|7|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.3.1.150023|99|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|8|NM|150364^MDC_TEMP_BODY^MDC|1.4.1.150364|37.1|268192^MDC_DIM_DEGC^MDC|||||F',
  ];
  return [
    `MSH|^~\\&|MONITOR^ACDE48234567ABCD^EUI-64|WARD7|||20240301101500+0000||ORU^R01^ORU_R01|${controlId}|P|2.6|||${msh15}|${msh16}||UNICODE UTF-8`,
    'PID|||010-11-1111^^^Hospital^PI||Doe^John^^^^^L',
    `PV1||I|WARD7^R3^${bed}`,
    'OBR|1|AB12345^MONITOR|CD12345^MONITOR|182777000^monitoring of patient^SNOMED-CT|||20240301101500+0000',
    ...obx,
  ].join('\r') + '\r';
}

/**
 * An IHE PCD-04 Report Alert (ORU^R40) shaped like the IHE PCD Technical Framework vol. 2 section 3.4 examples and
 * the Mindray eGateway capture: one OBR, the alert row (OBX-5 the event, OBX-8 priority and type) and its facet rows
 * (source, phase, state, priority, type) under one OBX-4 prefix.
 */
export function pcd04Message(opts: {
  controlId?: string;
  bed?: string;
  msh15?: string;
  msh16?: string;
  processingId?: string;
  event?: string;
  phase?: string;
  state?: string;
  priority?: 'PH' | 'PM' | 'PL' | 'PN';
  type?: 'SP' | 'ST' | 'SA';
  /** OBX-4 prefix of the alert group (the source's containment and the event). */
  at?: string;
} = {}): string {
  const { controlId = 'ALR0001', bed = 'BED-12', msh15 = '', msh16 = '', processingId = 'P', event = '196680^MDC_EVT_LEAD_OFF^MDC' } = opts;
  const { phase = 'start', state = 'active', priority = 'PH', type = 'SP', at = '1.1.1.196680' } = opts;
  return [
    `MSH|^~\\&|MONITOR^ACDE48234567ABCD^EUI-64|WARD7|||20240301101500+0000||ORU^R40^ORU_R40|${controlId}|${processingId}|2.6|||${msh15}|${msh16}||UNICODE UTF-8|||IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.4.1^ISO`,
    'PID|||010-11-1111^^^Hospital^PI||Doe^John^^^^^L',
    `PV1||I|WARD7^R3^${bed}`,
    `OBR|1||${controlId}^MONITOR^ACDE48234567ABCD^EUI-64|196616^MDC_EVT_ALARM^MDC|||20240301101500+0000`,
    `OBX|1|CWE|196616^MDC_EVT_ALARM^MDC|${at}.1|${event}|||${priority}~${type}|||F|||20240301101500+0000||||ACDE48234567ABCD^^ACDE48234567ABCD^EUI-64`,
    `OBX|2|CWE|68480^MDC_ATTR_ALERT_SOURCE^MDC|${at}.2|69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC||||||F`,
    `OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|${at}.3|${phase}||||||F`,
    `OBX|4|ST|68482^MDC_ATTR_ALARM_STATE^MDC|${at}.4|${state}||||||F`,
    `OBX|5|ST|68483^MDC_ATTR_ALARM_INACTIVATION_STATE^MDC|${at}.5|enabled||||||F`,
    `OBX|6|ST|68484^MDC_ATTR_ALARM_PRIORITY^MDC|${at}.6|${priority}||||||F`,
    `OBX|7|ST|68485^MDC_ATTR_ALERT_TYPE^MDC|${at}.7|${type}||||||F`,
  ].join('\r') + '\r';
}
