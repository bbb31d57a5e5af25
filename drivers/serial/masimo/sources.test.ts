import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Decoded } from '../../core/observation.js';
import { decodeMasimoLine } from './codec.js';

/**
 * Lines from published sources (test/fixtures/captures/PROVENANCE.md), decoded to what the sources themselves say
 * the fields and bits mean: the Rad-8 operator's manual's sample trend output, the MD PnP header's Radical-7 and
 * Radical-5 examples, and the example lines of masimo-capture.py.
 */
const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/captures/${name}`, import.meta.url), 'latin1')
    .split(/\r?\n/)
    .filter((l) => l !== '');

type Row = [string, number, string?];
/** Readings as [code, value, flags], unmapped as [code, value, unit], active conditions sorted. */
function summary(items: Decoded[]) {
  const readings: Row[] = [];
  const unmapped: Row[] = [];
  const active: string[] = [];
  for (const i of items) {
    if (i.kind === 'reading') readings.push(i.flags ? [i.code ?? '', i.value, i.flags.join(',')] : [i.code ?? '', i.value]);
    else if (i.kind === 'unmapped') unmapped.push([i.code, i.value, i.unit]);
    else if (i.kind === 'condition' && i.active) active.push(i.condition);
  }
  return { readings, unmapped, active: active.sort() };
}

describe('Masimo Rad-8 manual, sample trend output (p. 4-24)', () => {
  const lines = fixture('masimo-rad8-trend-manual-sample.txt');

  it('decodes all eight lines: short exception names, PR for pulse rate, zeros as no value', () => {
    expect(lines).toHaveLength(8);
    const got = lines.map((l) => {
      const r = decodeMasimoLine(l);
      expect(r.error, l).toBeUndefined();
      expect(r.deviceAlarms, l).toBeUndefined(); // the trend format has no ALARM field
      return summary(r.items);
    });
    const none = { readings: [], unmapped: [] };
    expect(got).toEqual([
      // 820 = Sensor Off + Masimo SET ("OffPat,SET"): the zeros are filler
      { ...none, active: ['sensor-off'] },
      // 828 = Pulse Search + Sensor Off + Masimo SET
      { ...none, active: ['pulse-search', 'sensor-off'] },
      { readings: [['MASIMO:SPO2', 97], ['MASIMO:PR', 69], ['MASIMO:PI', 4.69]], unmapped: [], active: [] },
      // C00 = Low Signal IQ + Masimo SET: the readings are questionable
      {
        readings: [['MASIMO:SPO2', 96, 'questionable'], ['MASIMO:PR', 74, 'questionable'], ['MASIMO:PI', 2.28, 'questionable']],
        unmapped: [],
        active: ['low-signal'],
      },
      { readings: [['MASIMO:SPO2', 98], ['MASIMO:PR', 78], ['MASIMO:PI', 3.64]], unmapped: [], active: [] },
      // zeros with no exception yet (the sensor is coming off): below the measurement range, so no value
      { ...none, active: [] },
      { ...none, active: ['sensor-off'] },
      { readings: [['MASIMO:SPO2', 96], ['MASIMO:PR', 78], ['MASIMO:PI', 2.68]], unmapped: [], active: [] },
    ]);
  });

  it('reads the short names as the bits they stand for, without the bits', () => {
    const conditionsOf = (names: string) => summary(decodeMasimoLine(`09/21/08 09:56:14 SpO2=096 PR=074 PI=02.28 EXC=000:${names}`).items).active;
    expect(conditionsOf('OffPat')).toEqual(['sensor-off']);
    expect(conditionsOf('Search')).toEqual(['pulse-search']);
    expect(conditionsOf('LowSigIQ,SET')).toEqual(['low-signal']);
  });
});

describe('MD PnP poxrad_discrete.h examples (Radical-7, Radical-5)', () => {
  const [radical7, radical5] = fixture('masimo-poxrad-discrete-examples.txt');

  it('Radical-7: readings, every unmapped field with its unit, EXC 0x820 Sensor Off', () => {
    const r = decodeMasimoLine(radical7!);
    expect(r.error).toBeUndefined();
    expect(summary(r.items)).toEqual({
      readings: [['MASIMO:SPO2', 98], ['MASIMO:BPM', 240], ['MASIMO:PI', 20]],
      unmapped: [
        ['MASIMO:SPCO', 1, '%'],
        ['MASIMO:SPMET', 0.5, '%'],
        ['MASIMO:DESAT', 1, ''],
        ['MASIMO:PIDELTA', -2, ''],
        ['MASIMO:PVI', 27, ''],
      ],
      active: ['sensor-off'],
    });
    expect(r.deviceAlarms).toEqual([]); // ALARM=0000
  });

  it('Radical-5: 2-digit ALARM 0x20 (alarm silenced), 3-digit EXC 0x800 (Masimo SET)', () => {
    const r = decodeMasimoLine(radical5!);
    expect(summary(r.items)).toEqual({ readings: [['MASIMO:SPO2', 97], ['MASIMO:BPM', 64], ['MASIMO:PI', 11.82]], unmapped: [], active: ['device-alarm-silenced'] });
    expect(r.deviceAlarms).toEqual([]);
  });
});

describe('masimo-capture.py example lines (Rad-8, Radical-7 colour and blue screen)', () => {
  const [rad8, colour, blue] = fixture('masimo-capture-py-example-lines.txt');

  it('Rad-8 with no sensor: dashes give nothing, EXC 0x000001 No Sensor', () => {
    const r = decodeMasimoLine(rad8!);
    expect(r.error).toBeUndefined();
    expect(summary(r.items)).toEqual({ readings: [], unmapped: [], active: ['no-sensor'] });
    expect(r.deviceAlarms).toEqual([]);
  });

  it('Radical-7 colour screen: PI without %, 6-digit ALARM, 7-digit EXC 0xC00, EXC1 not a measurement', () => {
    const r = decodeMasimoLine(colour!);
    expect(r.error).toBeUndefined();
    expect(summary(r.items)).toEqual({
      readings: [['MASIMO:SPO2', 98, 'questionable'], ['MASIMO:BPM', 123, 'questionable'], ['MASIMO:PI', 0.55, 'questionable']],
      unmapped: [],
      active: ['low-signal'],
    });
  });

  it('Radical-7 blue screen (service manual line, trailing space): all dashes, nothing active', () => {
    expect(blue!.endsWith(' ')).toBe(true);
    const r = decodeMasimoLine(blue!);
    expect(r.error).toBeUndefined();
    expect(summary(r.items)).toEqual({ readings: [], unmapped: [], active: [] });
  });
});
