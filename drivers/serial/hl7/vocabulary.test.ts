import { describe, expect, it } from 'vitest';
import { PARAM_NAMES, PARAMETERS } from '../../core/parameters.js';
import { byLoinc, byMdcCode, byMdcRef, lookupUnit } from './vocabulary.js';

describe('HL7 vocabulary and the parameter table', () => {
  it("knows every parameter's own LOINC code, MDC reference id and MDC numeric code", () => {
    for (const name of PARAM_NAMES) {
      const p = PARAMETERS[name];
      if (p.loinc) expect(byLoinc(p.loinc)?.param, `${name}: LOINC ${p.loinc}`).toBe(name);
      expect(byMdcRef(p.mdcRef)?.param, `${name}: ${p.mdcRef}`).toBe(name);
      expect(byMdcCode(String(p.mdc))?.param, `${name}: MDC ${p.mdc}`).toBe(name);
    }
  });

  it('keeps invasive pressures apart from the cuff and maps the generic arterial terms to the arterial line', () => {
    expect(byMdcRef('MDC_PRESS_BLD_ART_ABP_SYS')?.param).toBe('abp_sys');
    expect(byMdcRef('MDC_PRESS_BLD_ART_SYS')?.param).toBe('abp_sys');
    expect(byMdcCode('150035')?.param).toBe('abp_mean');
    expect(byMdcCode('150087')?.param).toBe('cvp');
    expect(byMdcRef('MDC_PRESS_BLD_NONINV_SYS')?.param).toBe('sbp');
    // A pressure site the table does not know is not taken for anything (it comes through as unmapped).
    expect(byMdcRef('MDC_PRESS_BLD_ART_UMB_SYS')).toBeUndefined();
    expect(byMdcCode('150041')).toBeUndefined();
  });

  it('maps body-temperature sites to temp and skin temperature to its own parameter', () => {
    expect(byMdcRef('MDC_TEMP_TYMP')).toEqual({ param: 'temp', source: 'tympanic', site: 'tympanic' });
    expect(byMdcCode('188424')).toEqual({ param: 'temp', source: 'oral', site: 'oral' });
    expect(byMdcRef('MDC_TEMP_SKIN')).toMatchObject({ param: 'tskin', site: 'skin' });
    expect(byLoinc('39106-0')).toMatchObject({ param: 'tskin', site: 'skin' });
  });

  it('converts ST in millivolts to mm at 10 mm/mV', () => {
    expect(lookupUnit('mV')?.toCanonical?.(0.15)).toBe(1.5);
    expect(lookupUnit('MDC_DIM_MILLI_M')?.ucum).toBe('mm');
  });
});
