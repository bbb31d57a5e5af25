import { describe, expect, it } from 'vitest';
import { PARAM_NAMES, PARAMETERS } from '../../core/parameters.js';
import { pcd01Message } from './fixtures.js';
import { decodeHl7Message } from './oru.js';
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

  it("takes a capnograph's inspired CO2 (mmHg) as fico2 and leaves a ventilator's inspired CO2 concentration (%) unmapped", () => {
    const d = decodeHl7Message(pcd01Message({
      obx: [
        'OBX|1|NM|151716^MDC_CONC_AWAY_CO2_INSP^MDC|1.11.1.2|1|266016^MDC_DIM_MMHG^MDC|||||R',
        'OBX|2|NM|151738^MDC_AWAY_CO2_INSP_MIN^MDC|1.11.1.3|2|266016^MDC_DIM_MMHG^MDC|||||R',
        'OBX|3|NM|0002-50ba^imCO2^MDIL|0|3|0004-0f20^mmHg^MDIL|||||F',
        'OBX|4|NM|151904^MDC_VENT_CONC_AWAY_CO2_INSP^MDC|1.30.1.1|0.3|262688^MDC_DIM_PERCENT^MDC|||||R',
        'OBX|5|NM|0002-5160^FICO2^MDIL|0|0.4|0004-0220^%^MDIL|||||F',
      ],
    }));
    expect(d.result.items.flatMap((i) => (i.kind === 'reading' ? [[i.param, i.value, i.unit, i.code]] : []))).toEqual([
      ['fico2', 1, 'mm[Hg]', 'MDC:151716'],
      ['fico2', 2, 'mm[Hg]', 'MDC:151738'],
      ['fico2', 3, 'mm[Hg]', 'MDIL:0002-50ba'],
    ]);
    expect(d.result.items.filter((i) => i.kind === 'unmapped')).toMatchObject([
      { code: 'MDC:151904', label: 'MDC_VENT_CONC_AWAY_CO2_INSP', value: 0.3 },
      { code: 'MDIL:0002-5160', label: 'FICO2', value: 0.4 },
    ]);
  });

  it('converts ST in millivolts to mm at 10 mm/mV', () => {
    expect(lookupUnit('mV')?.toCanonical?.(0.15)).toBe(1.5);
    expect(lookupUnit('MDC_DIM_MILLI_M')?.ucum).toBe('mm');
  });
});
