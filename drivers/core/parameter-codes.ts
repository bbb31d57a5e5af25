import { PARAM_NAMES, PARAMETERS, type ParamName } from './parameters.js';

/**
 * Look-ups from a code (IEEE 11073-10101 numeric code or reference id, LOINC) to the canonical parameter, derived
 * from the one parameter table (drivers/core/parameters.ts), so a row added there is known to every codec that
 * speaks MDC or LOINC. Rebuilt when the table grows (registerParameter).
 */
interface Index {
  size: number;
  byMdc: Map<number, ParamName>;
  byRef: Map<string, ParamName>;
  byLoinc: Map<string, ParamName>;
}

let index: Index | undefined;

function current(): Index {
  if (index && index.size === PARAM_NAMES.length) return index;
  const next: Index = { size: PARAM_NAMES.length, byMdc: new Map(), byRef: new Map(), byLoinc: new Map() };
  for (const name of PARAM_NAMES) {
    const p = PARAMETERS[name];
    next.byMdc.set(p.mdc, name);
    next.byRef.set(p.mdcRef, name);
    if (p.loinc) next.byLoinc.set(p.loinc, name);
    for (const [code, ref] of p.alsoMdc ?? []) {
      next.byMdc.set(code, name);
      next.byRef.set(ref, name);
    }
  }
  index = next;
  return next;
}

export function paramByMdc(code: number): ParamName | undefined {
  return current().byMdc.get(code);
}

export function paramByMdcRef(refid: string): ParamName | undefined {
  return current().byRef.get(refid);
}

export function paramByLoinc(loinc: string): ParamName | undefined {
  return current().byLoinc.get(loinc);
}

/** The SCADA (partition 2) MDC code of a term code, as IntelliVue physio ids and Philips MDIL codes carry it. */
export const scadaMdc = (termCode: number): number => 2 * 65536 + (termCode & 0xffff);
