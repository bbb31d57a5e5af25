import { describe, expect, it } from 'vitest';
import { PARAM_NAMES, PARAMETERS } from '../../core/parameters.js';
import { LOINC, MDC_CODE, MDC_REFID } from './vocabulary.js';

describe('HL7 vocabulary and the parameter table', () => {
  it("knows every parameter's own LOINC code, MDC reference id and MDC numeric code", () => {
    for (const name of PARAM_NAMES) {
      const p = PARAMETERS[name];
      expect(LOINC[p.loinc]?.param, `${name}: LOINC ${p.loinc}`).toBe(name);
      expect(MDC_REFID[p.mdcRef]?.param, `${name}: ${p.mdcRef}`).toBe(name);
      expect(MDC_CODE[String(p.mdc)]?.param, `${name}: MDC ${p.mdc}`).toBe(name);
    }
  });
});
