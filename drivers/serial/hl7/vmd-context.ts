import type { Identified } from './obx-identify.js';
import type { CodeMapping } from './vocabulary.js';

/**
 * The VMD (virtual medical device) a PCD-01 row belongs to, where the code alone does not say what was measured.
 *
 * IHE PCD TF-2 (PCD-01, OBX-4 "<MDS>.<VMD>.<Channel>.<Metric>"): a device-hierarchy row with OBX-4 `m.v.0.0` names
 * the VMD that the rows `m.v.*.*` after it belong to. GE's B40/B20 HL7 Reference Manual (2062665-001 G, p. 24, rows
 * 44-47) sends the generic MDC_RESP_RATE (151562) twice: under `69682^MDC_DEV_ANALY_AWAY_MULTI_PARAM_VMD` (1.20,
 * the airway analyser: IEEE 11073-10101 "ANALY_AWAY", the breathing-gas module) and under
 * `70666^MDC_DEV_ECG_RESP_VMD` (1.6, ECG impedance). The first is the airway respiration rate (`awrr`, as the
 * IntelliVue capnograph's awRR is); the second stays `rr`. Only that VMD is known here; under any other VMD the
 * code's own mapping stands.
 */
const AIRWAY_ANALYSER_VMD = new Set(['69682', 'MDC_DEV_ANALY_AWAY_MULTI_PARAM_VMD']);
const VMD_ROW = /^(\d+\.\d+)\.0\.0$/;
const AIRWAY_RATE: CodeMapping = { param: 'awrr' };

export class VmdContext {
  private readonly airway = new Set<string>();

  /** Notes a device-hierarchy row (called for every OBX before it is decoded). */
  note(subId: string, c3: readonly string[]): void {
    if (!subId.endsWith('.0.0')) return;
    const m = VMD_ROW.exec(subId);
    if (!m) return;
    const prefix = `${m[1]}.`;
    if (AIRWAY_ANALYSER_VMD.has((c3[0] ?? '').trim()) || AIRWAY_ANALYSER_VMD.has((c3[1] ?? '').trim())) this.airway.add(prefix);
    else this.airway.delete(prefix);
  }

  /** The row's identification, with a generic respiration rate under the airway analyser taken as `awrr`. */
  refine(id: Identified, subId: string): Identified {
    const m = id.mapping;
    if (m === undefined || m.param !== 'rr' || m.source !== undefined || this.airway.size === 0) return id;
    for (const prefix of this.airway) if (subId.startsWith(prefix)) return { ...id, mapping: AIRWAY_RATE };
    return id;
  }
}
