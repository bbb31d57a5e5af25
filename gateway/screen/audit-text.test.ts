import { describe, expect, it } from 'vitest';
import { auditCsv, auditLine } from './audit-text.js';
import { TECHNICAL_CONDITION_NAMES, TECHNICAL_CONDITIONS } from '../../rules/technical.js';
import { buildVocabulary } from './vocabulary.js';

const VOCABULARY = buildVocabulary(Object.fromEntries(TECHNICAL_CONDITION_NAMES.map((c) => [c, TECHNICAL_CONDITIONS[c].label])));

describe('audit in words', () => {
  it('says what was done without JSON or internal names', () => {
    const ack = auditLine({ row: 1, at: 0, actor: 'n1', action: 'acknowledge', bed: 'bed-1', detail: { alarmId: 'x', condition: 'hr-high' } }, VOCABULARY);
    expect(ack).toMatchObject({ actionText: 'Acknowledged alarm', detailText: 'Heart rate high' });
    const lim = auditLine({ row: 2, at: 0, actor: 'n1', action: 'bed-limits', bed: 'bed-1', detail: { overrides: { hr: { high: [{ above: 110, priority: 'medium' }] } } } }, VOCABULARY);
    expect(lim.detailText).toBe('Heart rate: above 110 /min (medium)');
    const man = auditLine({ row: 3, at: 0, actor: 'n1', action: 'news2-manual-inputs', bed: 'bed-1', detail: { acvpu: 'V', o2: true } }, VOCABULARY);
    expect(man.detailText).toBe('ACVPU V · on supplemental oxygen');
  });

  it('writes CSV with quoting, no formula injection and times in the given zone', () => {
    const l = auditLine({ row: 1, at: Date.UTC(2026, 0, 2, 3, 4, 5), actor: '=cmd', action: 'audio-pause', bed: 'bed-1', detail: {} }, VOCABULARY);
    const csv = auditCsv([{ ...l, detailText: 'a, "b"' }], () => 'Bed 1', 'Europe/Berlin');
    expect(csv).toBe('Time,Staff,Action,Bed,Detail\r\n2026-01-02 04:04:05,\'=cmd,Paused audio,Bed 1,"a, ""b"""\r\n');
  });
});
