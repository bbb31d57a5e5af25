import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeHl7Message } from './oru.js';

/**
 * The ORF^R04 example of the Philips Efficia CM Series Data Export Guide ("Serial Data Export", "Observation
 * Reporting (ORF) Message Syntax", p. 3-10), as a text rendering of the guide gives it (test/fixtures/captures/
 * PROVENANCE.md). The guide says how to read it back: "long lines are broken for display purposes, and the carriage
 * return character is indicated by <CR>".
 *
 * Expected values follow from the guide's own description of the same rows (p. 3-17: "SpO2 (98%); systolic NBP
 * (122 mmHg); diastolic NBP (85 mmHg); mean NBP (98 mmHg); Pulse Rate (80 bpm) derived from SpO2; ECG respiration
 * (20 rpm); Predictive temperature (37.4°C). All of the results are final.") and its field tables (PV1-3.3 the
 * Location ID, also called Bed ID, p. 3-9; MSH-10 the monitor's serial number and a message counter, p. 3-12).
 */
const text = readFileSync(new URL('../../../test/fixtures/captures/philips-efficia-cm-orf-r04-manual-example.txt', import.meta.url), 'utf8');
const message = text.replace(/\n/g, '').replace(/<CR>/g, '\r');

describe('Philips Efficia CM ORF^R04 (serial data export), the example of its Data Export Guide', () => {
  it('reads the example back into its 14 segments', () => {
    expect(message.split('\r').filter(Boolean).map((s) => s.slice(0, 3))).toEqual(['MSH', 'MSA', 'QRD', 'PID', 'PV1', 'ORC', 'OBR', ...Array(7).fill('OBX')]);
    expect(message).toContain('|0004-0f20^mmHg^MDIL|||||F|||20140510124430\r');
    expect(message).toContain('|F||||||0002-4bb8^SpO2^MDIL\r'); // OBX-17: the pulse rate's source
  });

  it('takes every measurement the guide lists, with its MDIL code and UCUM unit, for the bed in PV1-3', () => {
    const d = decodeHl7Message(message);
    expect(d.messageType).toBe('ORF^R04');
    expect(d.verdict).toBe('accept');
    expect(d.location).toEqual({ bed: 'LOCATION34' });
    expect(d.patientId).toBe('MRN1234');
    const items = d.result.items.map((i) => (i.kind === 'reading' ? [i.param, i.value, i.unit, i.code] : i.kind === 'unmapped' ? [i.kind, i.code] : [i.kind]));
    expect(items).toEqual([
      ['spo2', 98, '%', 'MDIL:0002-4bb8'],
      ['sbp', 122, 'mm[Hg]', 'MDIL:0002-4a05'],
      ['dbp', 85, 'mm[Hg]', 'MDIL:0002-4a06'],
      ['map', 98, 'mm[Hg]', 'MDIL:0002-4a07'],
      ['pr', 80, '/min', 'MDIL:0002-480a'], // "Pulse Rate (80 bpm) derived from SpO2"
      ['rr', 20, '/min', 'MDIL:0002-5000'], // "ECG respiration (20 rpm)"
      ['temp', 37.4, 'Cel', 'MDIL:0002-f0c7'], // "Predictive temperature (37.4°C)", label T1, unit 0004-1710^C
    ]);
    expect(d.warnings).toEqual([]);
    // The readings carry the control id they came in (MSH-10), and no source time: the guide's times have no UTC offset.
    for (const i of d.result.items) expect(i).toMatchObject({ sourceMessageId: 'MONITORABC000000002D' });
    expect(d.result.items.some((i) => i.kind === 'reading' && i.sourceTs !== undefined)).toBe(false);
  });

  it('takes an empty value (no NBP on the screen) and the X status (a "?" on the screen) as no value (guide, p. 3-17 and 3-18)', () => {
    const rows = [
      'OBX||NM|0002-4a05^NBPs^MDIL|||0004-0f20^mmHg^MDIL|||||F',
      'OBX||NM|0002-4bb8^SpO2^MDIL|||0004-0220^%^MDIL|||||X',
      'OBX||NM|0002-4182^HR^MDIL|||0004-0aa0^bpm^MDIL|||||X',
    ];
    const head = message.split('\r').slice(0, 7).join('\r');
    const d = decodeHl7Message(`${head}\r${rows.join('\r')}\r`);
    expect(d.verdict).toBe('accept');
    expect(d.result.items).toEqual([]);
    expect(d.rejected).toEqual([]);
  });

  it('takes the guide\'s alarm row (p. 2-16, "a medium-level physiological alarm") as a medium physiological alarm', () => {
    const head = message.split('\r').slice(0, 6).join('\r');
    const d = decodeHl7Message(`${head}\rOBR||||ALARM|||20140510124500|||OPERATOR12\rOBX||TX|2^Yellow Alarm^MDIL-ALERT||HR Low, HR=55 /min||||||F\r`);
    expect(d.deviceAlarms).toEqual([{ kind: 'physiological', priority: 'medium', text: 'HR Low, HR=55 /min' }]);
    expect(d.result.items).toEqual([]);
  });
});
