import { scadaMdc } from '../../core/parameter-codes.js';
import { byLoinc, byMdcCode, byMdcRef, type CodeMapping } from './vocabulary.js';

/** What OBX-3 names: the parameter it maps to, else the code as sent (for the decode tool and unmapped items). */
export interface Identified {
  mapping?: CodeMapping;
  /** The code as 'SYSTEM:code' (the first triplet with a code). */
  code?: string;
  label?: string;
}

const MDIL_RE = /^([0-9a-f]{1,4})-([0-9a-f]{1,4})$/i;

/**
 * SCADA terms whose Philips meaning is not the IEEE 11073 term of the same number, or that the MDC table lacks:
 *  - 0x4822 is the pleth pulse rate (labelled "Pulse (SpO2)" in a Philips Information Center capture,
 *    test/fixtures/captures/PROVENANCE.md), not 149538; as in the IntelliVue driver (drivers/serial/intellivue/physio-ids.ts).
 *  - 0x4BB0 "Perf" is Philips' relative perfusion (unit 0004-0200, dimensionless), not the perfusion index in %: it
 *    maps to nothing and comes through unmapped (as in the IntelliVue driver).
 *  - 0x5000 "Resp" is the ECG (impedance) respiration rate and 0xF0C7 "T1" a temperature: Philips Efficia CM Series
 *    Data Export Guide, p. 3-17 ("ECG respiration (20 rpm)", "Predictive temperature (37.4°C)" for the rows
 *    `0002-5000^Resp^MDIL` and `0002-f0c7`); the IntelliVue driver maps 0xF0C7 to temperature as well.
 */
const MDIL_SCADA: ReadonlyMap<number, CodeMapping | null> = new Map([
  [0x4822, { param: 'pr', source: 'spo2' }],
  [0x4bb0, null],
  [0x5000, { param: 'rr', source: 'impedance' }],
  [0xf0c7, { param: 'temp' }],
]);

/**
 * An invasive pressure reference id (MDC_PRESS_BLD_* other than the cuff's NONINV terms): it maps to its own
 * parameter or to nothing, never through its numeric code or the alternate triplet to cuff sbp/dbp/map (the rules
 * score NEWS2 on cuff BP). The older cuff terms MDC_PRESS_CUFF_SYS/_DIA/_MEAN (150301-150303, which Mindray
 * monitors send, see vocabulary.ts) are the cuff, not an invasive line; any other MDC_PRESS_CUFF term (the
 * inflation pressure itself) maps to nothing.
 */
function isInvasivePressure(refid: string): boolean {
  if (/^MDC_PRESS_CUFF/.test(refid)) return !/^MDC_PRESS_CUFF_(SYS|DIA|MEAN)$/.test(refid);
  return /^MDC_PRESS_BLD/.test(refid) && !/^MDC_PRESS_BLD_NONINV_/.test(refid);
}

/**
 * Maps OBX-3 (identifier triplet, then the alternate triplet) to a canonical parameter. Philips MDIL codes
 * ("0002-4bb8^...^MDIL": partition-term in hex) are IEEE 11073-10101 codes written in hex (Philips IntelliVue HL7
 * interface programming guide) and map through the MDC table.
 */
export function identify(c: readonly string[]): Identified {
  const out: Identified = {};
  for (const first of [0, 3]) {
    const code = (c[first] ?? '').trim();
    const text = (c[first + 1] ?? '').trim();
    let system = (c[first + 2] ?? '').trim().toUpperCase();
    if (system === '' && text.startsWith('MDC_')) system = 'MDC';
    if (out.code === undefined && (code || text)) {
      out.code = `${system || 'L'}:${code || text}`;
      if (text) out.label = text;
    }
    let m: CodeMapping | undefined;
    if (system === 'MDC') {
      if (isInvasivePressure(text)) {
        const own = byMdcRef(text);
        if (own) out.mapping = own;
        return out; // never cuff BP, whatever the numeric code or the alternate says
      }
      m = byMdcRef(text) ?? byMdcCode(code);
    } else if (system === 'LN') m = byLoinc(code);
    else if (system.startsWith('MDIL')) {
      const hex = MDIL_RE.exec(code);
      if (hex && parseInt(hex[1]!, 16) === 2) {
        const term = parseInt(hex[2]!, 16);
        const own = MDIL_SCADA.get(term);
        m = own === undefined ? byMdcCode(String(scadaMdc(term))) : own ?? undefined;
      }
    }
    if (m) {
      out.mapping = m;
      return out;
    }
  }
  return out;
}
