import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Decoded } from '../../core/observation.js';
import { getSerialDialect } from '../dialects.js';
import { ansarBDialect, decodeAnsarFrame } from './codec.js';
import { AnsarBFramer } from './framer.js';

// A real Ivy 450C capture (test/fixtures/captures/PROVENANCE.md): it starts mid-frame and holds 27 whole frames.
const capture = readFileSync(new URL('../../../test/fixtures/captures/ivy450c.ansar-b.bin', import.meta.url));

function frames(chunk: number): Buffer[] {
  const f = new AnsarBFramer(ansarBDialect.maxFrameBytes);
  const out: Buffer[] = [];
  for (let i = 0; i < capture.length; i += chunk) out.push(...f.push(capture.subarray(i, i + chunk)));
  out.push(...f.flush());
  return out;
}

const summary = (items: Decoded[]) =>
  items.map((i) => (i.kind === 'reading' ? [i.param, i.value, i.unit, i.channel ?? ''] : i.kind === 'unmapped' ? [i.code, i.value, i.unit] : [i.kind]));

describe('ANSAR-B (Ivy 450C) against a real capture', () => {
  it('is a registered serial dialect', () => {
    expect(getSerialDialect('ansar-b')).toBe(ansarBDialect);
  });

  it('cuts the 27 whole frames the source counts, whatever the chunking', () => {
    for (const chunk of [1, 7, 64, 1000, capture.length]) expect(frames(chunk), `chunk ${chunk}`).toHaveLength(27);
  });

  it('decodes each frame to the values its numeric lines carry; the unknown-site pressure and temperatures stay unmapped', () => {
    const all = frames(512).map((f) => decodeAnsarFrame(f));
    for (const r of all) expect(r.error).toBeUndefined();
    // HR=1;80;ECG-II-DIAG;  RR=1;35;APNEA: 20 SEC;  ETCO2=1;;;  SPO2=1;100;PR=80 ;  NIBP=4;121;75;92;80;;
    // P1=3;111;73;88;;  P2=3;;;;NO TRANSDUCER;  T1=1;;;  T2=1;;;
    expect(summary(all[0]!.items)).toEqual([
      ['hr', 80, '/min', ''],
      ['rr', 35, '/min', 'impedance'],
      ['spo2', 100, '%', ''],
      ['pr', 80, '/min', ''],
      ['sbp', 121, 'mm[Hg]', ''],
      ['dbp', 75, 'mm[Hg]', ''],
      ['map', 92, 'mm[Hg]', ''],
      ['pr_nibp', 80, '/min', ''],
      ['ANSAR-B:P1-SYS', 111, 'mm[Hg]'],
      ['ANSAR-B:P1-DIA', 73, 'mm[Hg]'],
      ['ANSAR-B:P1-MEAN', 88, 'mm[Hg]'],
    ]);
    const p1sys = all.flatMap((r) => r.items).filter((i) => i.kind === 'unmapped' && i.code === 'ANSAR-B:P1-SYS').map((i) => (i as { value: number }).value);
    expect(p1sys).toHaveLength(27);
    expect(new Set(p1sys)).toEqual(new Set([111, 110]));
    expect(all.flatMap((r) => r.items).some((i) => i.kind === 'reading' && ['abp_sys', 'sbp'].includes(i.param) && i.value === 111)).toBe(false);
  });

  it('maps a labelled arterial channel to the arterial parameters, and rejects a frame without the header', () => {
    const items: Decoded[] = [];
    const head = Buffer.concat([Buffer.from([0xff]), Buffer.from('ANSAR-B '), Buffer.alloc(400, 0x80)]);
    const r = decodeAnsarFrame(Buffer.concat([head, Buffer.from('P1=3;118;64;82;ART;\rP2=3;;;9;CVP;\r')]));
    items.push(...r.items);
    expect(summary(items)).toEqual([
      ['abp_sys', 118, 'mm[Hg]', 'P1'],
      ['abp_dia', 64, 'mm[Hg]', 'P1'],
      ['abp_mean', 82, 'mm[Hg]', 'P1'],
      ['cvp', 9, 'mm[Hg]', 'P2'],
    ]);
    expect(decodeAnsarFrame(Buffer.concat([Buffer.from([0xff]), Buffer.from('NOT-ANSR'), Buffer.alloc(400)])).error).toMatch(/header/);
  });
});
