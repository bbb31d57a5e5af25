import { describe, expect, it } from 'vitest';
import { PARAM_NAMES } from '../../drivers/core/parameters.js';
import { initialsOf, presentPatient, redactMessage } from './display.js';
import { TECHNICAL_CONDITION_NAMES, TECHNICAL_CONDITIONS } from '../../rules/technical.js';
import { buildVocabulary } from './vocabulary.js';

const VOCABULARY = buildVocabulary(Object.fromEntries(TECHNICAL_CONDITION_NAMES.map((c) => [c, TECHNICAL_CONDITIONS[c].label])));

describe('screen vocabulary', () => {
  it('names every parameter of the registry with a label and a readable unit', () => {
    for (const p of PARAM_NAMES) {
      expect(VOCABULARY.params[p]!.label).not.toBe('');
      expect(VOCABULARY.params[p]!.unitText).not.toMatch(/Cel|\[Hg\]/);
      expect(VOCABULARY.conditions[`${p}-high`]).toMatch(/ high$/);
      expect(VOCABULARY.conditions[`${p}-low`]).toMatch(/ low$/);
    }
  });

  it('puts every technical condition of the rules into words, and priorities get distinct text markers', () => {
    for (const c of TECHNICAL_CONDITION_NAMES) expect(VOCABULARY.conditions[c], c).toMatch(/^[A-Z]/);
    const markers = Object.values(VOCABULARY.priorities).map((p) => p.marker);
    expect(new Set(markers).size).toBe(3);
    expect(VOCABULARY.centralStatus.IN_PROGRESS).toBe('In progress');
  });
});

describe('patient display', () => {
  it('reduces a name to initials, and tells the page no more than the mode allows', () => {
    expect(initialsOf('Ada  Lovelace')).toBe('A. L.');
    expect(initialsOf('élise de la Tour')).toBe('É. D. L. T.');
    const p = { id: 'MRN-1', name: 'Ada Lovelace' };
    expect(presentPatient(p, 'initials')).toEqual({ initials: 'A. L.' });
    expect(presentPatient(p, 'none')).toEqual({});
    expect(presentPatient(p, 'full')).toEqual({ id: 'MRN-1', name: 'Ada Lovelace' });
    expect(presentPatient({ id: 'MRN-1' }, 'initials')).toEqual({});
    expect(presentPatient(undefined, 'full')).toBeUndefined();
  });

  it('reduces the patient in every message that carries one before it is sent', () => {
    const patient = { id: 'MRN-1', name: 'Ada Lovelace' };
    const sent = [
      redactMessage('initials', { type: 'snapshot', state: { beds: [{ id: 'b', patient }] } }),
      redactMessage('initials', { type: 'bed', bed: { id: 'b', patient } }),
      redactMessage('initials', { type: 'device', device: {}, bed: { id: 'b', patient } }),
      redactMessage('initials', { type: 'admission', admission: { bed: 'b', state: 'admitted', patient } }),
    ];
    const text = JSON.stringify(sent);
    expect(text).not.toMatch(/Ada|Lovelace|MRN-1/);
    expect(text.match(/"initials":"A\. L\."/g)).toHaveLength(4);
  });
});
