/**
 * Masimo serial lines for the decode bench.
 *
 * Published lines (test/fixtures/captures/, provenance in PROVENANCE.md there): the Rad-8 operator's manual's sample
 * trend output (section 4, "Trend data format", p. 4-24: `SpO2=097 PR=069 PI=04.69 EXC=800:SET`, exceptions by
 * name), and the ASCII 1 example lines of mdpnp's poxrad_discrete.h (Radical-7, Radical-5) and masimo-capture.py
 * (Rad-8 without sensor, colour-screen Radical-7, Radical-7), read one per line without their line endings.
 *
 * RAD8_TREND_LINES: more trend-style lines with named exceptions, in the manual sample's format, for the names its
 * sample does not show (the exception names of the codec's table, spaces and all, beside the sample's short names).
 * Made up to that format: no public capture of them was found. The one list of them: add a line here and the bench
 * decodes it. While the exceptions say the sensor is off, the monitor prints zeros, which the codec drops.
 */
import { readFileSync } from 'node:fs';

export const RAD8_TREND_LINES: readonly string[] = [
  '02/01/24 10:15:00 SpO2=097 PR=072 PI=02.10 EXC=800:SET',
  '02/01/24 10:15:02 SpO2=096 PR=073 PI=00.31 EXC=804:Low Perfusion,SET',
  '02/01/24 10:15:04 SpO2=095 PR=074 PI=00.28 EXC=80C:Low Perfusion,Pulse Search,SET',
  '02/01/24 10:15:06 SpO2=094 PR=091 PI=01.40 EXC=C10:Low Signal IQ,Interference,SET',
  '02/01/24 10:15:08 SpO2=097 PR=070 PI=02.00 EXC=840:Ambient Light,SET',
  '02/01/24 10:15:10 SpO2=098 PR=069 PI=02.05 EXC=C00:LowSigIQ,SET',
  '02/01/24 10:15:12 SpO2=000 PR=000 PI=00.00 EXC=021:No Sensor,Sensor Off',
  '02/01/24 10:15:14 SpO2=000 PR=000 PI=00.00 EXC=828:Search,OffPat,SET',
  '02/01/24 10:15:16 SpO2=097 PR=071 PI=02.12 EXC=800:SET',
  '02/01/24 10:15:18 SpO2=099 PR=068 PI=02.30 EXC=808:Pulse Search,SET',
];

/** The lines of a fixture file, without their line endings (empty lines dropped). */
export function fixtureLines(name: string): string[] {
  return readFileSync(new URL(`../../test/fixtures/captures/${name}`, import.meta.url), 'latin1')
    .split(/\r?\n/)
    .filter((l) => l !== '');
}

/** A Radical-7 style line (hex EXC bits, six digits), second `i` of a run: the stream the earlier figures were taken on. */
export function radical7Line(i: number): string {
  const spo2 = String(90 + (i % 10)).padStart(3, '0');
  const bpm = String(60 + (i % 40)).padStart(3, '0');
  const exc = i % 7 === 0 ? '000820' : '000800';
  return `12/01/05 11:56:${String(i % 60).padStart(2, '0')} SN=0123456789 SPO2=${spo2}% BPM=${bpm} PI=02.${String(i % 100).padStart(2, '0')}% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ALARM=0000 EXC=${exc}`;
}

/** `count` lines (the list repeated), CR LF terminated as the device sends them, as one latin1 byte stream. */
export function lineStream(lines: readonly string[], count: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(`${lines[i % lines.length]!}\r\n`);
  return Buffer.from(out.join(''), 'latin1');
}
