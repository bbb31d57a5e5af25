import type { Decoded, DecodeResult } from '../../core/observation.js';
import { isPlausible, type ParamName } from '../../core/parameters.js';
import type { ByteDialect } from '../dialect.js';
import { AnsarBFramer, FIXED_BYTES, MAGIC } from './framer.js';

const MAX_FRAME_BYTES = 2048;

/**
 * The numeric lines of an ANSAR-B frame (Ivy 450C), one per measurement, "NAME=n;field;field;...":
 *   HR=1;80;ECG-II-DIAG;          heart rate; ECG lead label; alarm text
 *   RR=1;35;APNEA: 20 SEC;        respiration rate; apnoea setting; alarm text
 *   ETCO2=1;;;                    end-tidal CO2 (mmHg); label; alarm text
 *   SPO2=1;100;PR=80 ;            SpO2; "PR=<pulse rate>"; alarm text
 *   NIBP=4;121;75;92;80;;         cuff systolic; diastolic; mean; pulse; label; alarm text
 *   P1=3;111;73;88;;              invasive pressure 1 systolic; diastolic; mean; label (site); alarm text
 *   T1=1;;;                       temperature 1; label; alarm text
 * Field order from mdpnp/mdpnp AnsarB.java (receiveLine) @ bcf9e7bee0edb4009888e058ca79f0641280402c; an empty field is
 * no value. The invasive channels carry their site only in the label: ART/ABP, PA, CVP map to those parameters,
 * any other label keeps the values as unmapped (never taken for cuff or arterial pressure). The temperature probe's
 * site is not sent, so T1/T2 come through unmapped. The number after '=' has no documented meaning and is ignored.
 */
type Out = Decoded[];

const num = (s: string | undefined): number | undefined => {
  const t = (s ?? '').trim();
  if (t === '' || !/^[+-]?\d+(\.\d+)?$/.test(t)) return undefined;
  return Number(t);
};

function reading(out: Out, param: ParamName, value: number | undefined, code: string, unit: string, channel?: string): void {
  if (value === undefined) return;
  if (!isPlausible(param, value)) {
    out.push({ kind: 'reading', param, value, unit, code, flags: ['out-of-range'], ...(channel ? { channel } : {}) });
    return;
  }
  out.push({ kind: 'reading', param, value, unit, code, ...(channel ? { channel } : {}) });
}

function unmapped(out: Out, code: string, value: number | undefined, unit: string, label?: string): void {
  if (value === undefined) return;
  out.push({ kind: 'unmapped', code, value, unit, ...(label ? { label } : {}) });
}

const SITES: ReadonlyArray<[RegExp, [ParamName, ParamName, ParamName] | 'cvp']> = [
  [/^(ART|ABP|AO)\b/i, ['abp_sys', 'abp_dia', 'abp_mean']],
  [/^(PA|PAP)\b/i, ['pap_sys', 'pap_dia', 'pap_mean']],
  [/^(CVP|CVD)\b/i, 'cvp'],
];

function pressure(out: Out, name: string, f: string[]): void {
  const [sys, dia, mean] = [num(f[1]), num(f[2]), num(f[3])];
  const label = (f[4] ?? '').trim();
  const site = SITES.find(([re]) => re.test(label))?.[1];
  const code = `ANSAR-B:${name}`;
  if (site === 'cvp') return reading(out, 'cvp', mean, code, 'mm[Hg]', name);
  if (site) {
    reading(out, site[0], sys, code, 'mm[Hg]', name);
    reading(out, site[1], dia, code, 'mm[Hg]', name);
    reading(out, site[2], mean, code, 'mm[Hg]', name);
    return;
  }
  unmapped(out, `${code}-SYS`, sys, 'mm[Hg]', label || undefined);
  unmapped(out, `${code}-DIA`, dia, 'mm[Hg]', label || undefined);
  unmapped(out, `${code}-MEAN`, mean, 'mm[Hg]', label || undefined);
}

export function decodeAnsarLine(line: string, out: Out, co2Present: boolean): void {
  const f = line.split(';');
  const name = (f[0] ?? '').split('=')[0]!.trim();
  const code = `ANSAR-B:${name}`;
  switch (name) {
    case 'HR':
      return reading(out, 'hr', num(f[1]), code, '/min');
    case 'RR':
      return reading(out, 'rr', num(f[1]), code, '/min', co2Present ? 'co2' : 'impedance');
    case 'ETCO2':
      return reading(out, 'etco2', num(f[1]), code, 'mm[Hg]');
    case 'SPO2': {
      reading(out, 'spo2', num(f[1]), code, '%');
      const pr = /^PR=(.*)$/.exec((f[2] ?? '').trim());
      return reading(out, 'pr', num(pr?.[1]), `${code}:PR`, '/min');
    }
    case 'NIBP':
      reading(out, 'sbp', num(f[1]), code, 'mm[Hg]');
      reading(out, 'dbp', num(f[2]), code, 'mm[Hg]');
      reading(out, 'map', num(f[3]), code, 'mm[Hg]');
      return reading(out, 'pr_nibp', num(f[4]), code, '/min');
    case 'P1':
    case 'P2':
      return pressure(out, name, f);
    case 'T1':
    case 'T2':
      return unmapped(out, code, num(f[1]), 'Cel', (f[2] ?? '').trim() || undefined);
    default:
      return;
  }
}

export function decodeAnsarFrame(frame: Buffer): DecodeResult {
  if (frame.length < FIXED_BYTES || frame.toString('latin1', 1, 1 + MAGIC.length) !== MAGIC) {
    return { items: [], error: 'ansar-b: frame without the "ANSAR-B " header' };
  }
  const lines = frame
    .toString('latin1', FIXED_BYTES)
    .split('\r')
    .filter((l) => l.trim() !== '');
  if (lines.some((l) => !/^[A-Z0-9]+=[\x20-\x7e]*$/.test(l))) return { items: [], error: 'ansar-b: numeric block is not printable NAME=... lines' };
  const co2Present = lines.some((l) => /^ETCO2=[^;]*;\s*[1-9]/.test(l));
  const items: Decoded[] = [];
  for (const line of lines) decodeAnsarLine(line, items, co2Present);
  return { items };
}

/** Ivy 450C cardiac trigger monitor, ANSAR-B serial output (9600 8N1). */
export const ansarBDialect: ByteDialect<AnsarBFramer> = {
  kind: 'bytes',
  name: 'ansar-b',
  summary: 'Ivy 450C ANSAR-B serial output: waveform block + numeric lines between 0xFF and 0xFE (mdpnp/mdpnp AnsarB.java)',
  maxFrameBytes: MAX_FRAME_BYTES,
  createFramer: () => new AnsarBFramer(MAX_FRAME_BYTES),
  decodeFrame: (frame) => decodeAnsarFrame(frame),
};
