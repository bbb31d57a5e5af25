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
