import { isParamName, PARAMETERS, type ParamName } from '../../drivers/core/parameters.js';
import { comp, dtm, esc, segment } from './hl7.js';
import { code, eui64, MDC_DEV_MDS, MDC_DEV_VMD, paramCode, unitOf } from './mdc.js';

/**
 * PCD-01 Communicate PCD Data (ORU^R01^ORU_R01), from the Device Observation Reporter (the gateway) to the
 * Device Observation Consumer (the EHR's interface engine).
 *
 * Source: IHE PCD Technical Framework Vol. 2 rev. 9.0 (2019-12-12), section 3.1 (PCD-01) and Appendix B (HL7
 * segments: MSH-21 "IHE PCD ORU-R01 2006"; OBR-4 182777000^monitoring of patient^SNOMED-CT; OBX-4 the
 * MDS.VMD.CHAN.METRIC containment, device rows with OBX-11 X; metric rows NM with an MDC code in OBX-3, MDC or UCUM
 * units in OBX-6, OBX-11 R, OBX-14 observation time, OBX-18 the equipment's EUI-64). OBX-8 measurement status values
 * follow the HL7 Point-of-Care Device FHIR IG's v2 mapping (MeasurementStatus, e.g. msmt-state-in-alarm).
 */

export interface ReportedValue {
  param: string;
  value: number;
  /** When it was measured (device time if it sent one, else received). */
  at: number;
  deviceId: string;
  flags: string[];
  /** Where a temperature was taken (e.g. 'oral', 'skin'), when known. */
  site?: string;
}

export interface ObservationContext {
  gatewayId: string;
  site: string;
  ward: string;
  bed: string;
  receivingApplication?: string;
  receivingFacility?: string;
  patientId?: string;
  now: number;
  messageId: string;
}

/** OBX-8 for the quality flags a validated value can still carry. */
function measurementStatus(flags: string[]): string | undefined {
  return flags.includes('device-alarm') ? 'msmt-state-in-alarm' : undefined;
}

/** One ORU^R01 with the given values of one bed, grouped under one MDS per device. Returns undefined when empty. */
export function encodeObservationsPcd01(values: ReportedValue[], ctx: ObservationContext): string | undefined {
  const usable = values.filter((v): v is ReportedValue & { param: ParamName } => isParamName(v.param));
  if (usable.length === 0) return undefined;
  const byDevice = new Map<string, Array<ReportedValue & { param: ParamName }>>();
  for (const v of usable) byDevice.set(v.deviceId, [...(byDevice.get(v.deviceId) ?? []), v]);
  const times = usable.map((v) => v.at);
  const gw = eui64(ctx.gatewayId);
  const segs = [
    segment('MSH', [
      '^~\\&', comp('WARDGATE', gw, 'EUI-64'), esc(ctx.site), esc(ctx.receivingApplication), esc(ctx.receivingFacility), dtm(ctx.now), undefined,
      'ORU^R01^ORU_R01', esc(ctx.messageId), 'P', '2.6', undefined, undefined, 'AL', 'NE', undefined, 'UNICODE UTF-8', undefined, undefined,
      'IHE PCD ORU-R01 2006^HL7^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
    ]),
    segment('PID', ['1', undefined, ctx.patientId ? comp(esc(ctx.patientId), undefined, undefined, esc(ctx.site), 'PI') : undefined]),
    segment('PV1', ['1', 'I', comp(esc(ctx.ward), undefined, esc(ctx.bed), esc(ctx.site))]),
    segment('OBR', [
      '1', undefined, comp(esc(ctx.messageId), 'WARDGATE', gw, 'EUI-64'), '182777000^monitoring of patient^SNOMED-CT', undefined, undefined,
      dtm(Math.min(...times)), dtm(Math.max(...times)),
    ]),
  ];
  let n = 0;
  let mds = 0;
  for (const [deviceId, list] of byDevice) {
    mds += 1;
    const equipment = comp(esc(deviceId), undefined, eui64(deviceId), 'EUI-64');
    const blank = (k: number) => Array<undefined>(k).fill(undefined);
    segs.push(segment('OBX', [String(++n), undefined, code(MDC_DEV_MDS), `${mds}.0.0.0`, ...blank(6), 'X', ...blank(6), equipment]));
    segs.push(segment('OBX', [String(++n), undefined, code(MDC_DEV_VMD), `${mds}.1.0.0`, ...blank(6), 'X', ...blank(6), equipment]));
    list.forEach((v, i) => {
      segs.push(
        segment('OBX', [
          String(++n), 'NM', paramCode(v.param, v.site), `${mds}.1.1.${i + 1}`, String(v.value), unitOf(v.param), undefined, measurementStatus(v.flags),
          undefined, undefined, 'R', undefined, undefined, dtm(v.at), undefined, undefined, undefined, equipment,
        ]),
      );
    });
  }
  return segs.join('\r');
}

/** The parameters a report may carry (the filter of `outputs.ehr.parameters`; all when absent). */
export function reportable(params: string[] | undefined): Set<ParamName> {
  const all = Object.keys(PARAMETERS) as ParamName[];
  return new Set(params && params.length > 0 ? all.filter((p) => params.includes(p)) : all);
}
