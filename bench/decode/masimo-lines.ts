/**
 * Masimo ASCII 1 lines for the decode bench.
 *
 * RADICAL7_LINE: the Radical-7 / Rad-97 spelling (EXC as hex bits alone), fields as in the line the codec's own
 * header quotes (drivers/serial/masimo/codec.ts, after the Radical-7 service manual's serial interface).
 *
 * RAD8_TREND_LINES: the Rad-8 trend spelling, `EXC=<3 hex digits>:<exception names joined by commas>` (the codec's
 * header, after the Rad-8 operator's manual section 4, "Trend data format"; exception bits 001 No Sensor,
 * 004 Low Perfusion, 008 Pulse Search, 010 Interference, 020 Sensor Off, 040 Ambient Light, 400 Low Signal IQ,
 * 800 Masimo SET). No public capture of this output was found: the lines are built from that description, values
 * made up. The one list of them: add a line here and the bench decodes it. The names are written without spaces
 * (`LowPerfusion`), a spelling the codec reads; names with spaces (`LOW PERFUSION`) belong here as soon as the codec
 * takes them. While the exceptions say no sensor, the monitor prints zeros, which the codec drops (no readings).
 */
export const RAD8_TREND_LINES: readonly string[] = [
  '02/01/24 10:15:00 SN=0000012345 SPO2=097% BPM=072 PI=02.10% ALARM=0000 EXC=800:SET',
  '02/01/24 10:15:01 SN=0000012345 SPO2=096% BPM=073 PI=00.31% ALARM=0000 EXC=804:SET,LowPerfusion',
  '02/01/24 10:15:02 SN=0000012345 SPO2=095% BPM=074 PI=00.28% ALARM=0000 EXC=00C:LowPerfusion,PulseSearch',
  '02/01/24 10:15:03 SN=0000012345 SPO2=094% BPM=091 PI=01.40% ALARM=0000 EXC=410:LowSignalIQ,Interference',
  '02/01/24 10:15:04 SN=0000012345 SPO2=097% BPM=070 PI=02.00% ALARM=0000 EXC=840:SET,AmbientLight',
  '02/01/24 10:15:05 SN=0000012345 SPO2=098% BPM=069 PI=02.05% ALARM=0000 EXC=800:SET',
  '02/01/24 10:15:06 SN=0000012345 SPO2=000% BPM=000 PI=00.00% ALARM=0000 EXC=020:SensorOff',
  '02/01/24 10:15:07 SN=0000012345 SPO2=000% BPM=000 PI=00.00% ALARM=0000 EXC=001:NoSensor',
  '02/01/24 10:15:08 SN=0000012345 SPO2=097% BPM=071 PI=02.12% ALARM=0000 EXC=800:SET',
  '02/01/24 10:15:09 SN=0000012345 SPO2=099% BPM=068 PI=02.30% ALARM=0000 EXC=808:SET,PulseSearch',
];

/** A Radical-7 style line (hex EXC bits, six digits), second `i` of a run. */
export function radical7Line(i: number): string {
  const spo2 = String(90 + (i % 10)).padStart(3, '0');
  const bpm = String(60 + (i % 40)).padStart(3, '0');
  const exc = i % 7 === 0 ? '000820' : '000800';
  return `12/01/05 11:56:${String(i % 60).padStart(2, '0')} SN=0123456789 SPO2=${spo2}% BPM=${bpm} PI=02.${String(i % 100).padStart(2, '0')}% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ALARM=0000 EXC=${exc}`;
}

/** `count` lines, CR LF terminated as the device sends them, as one latin1 byte stream. */
export function lineStream(lines: readonly string[], count: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(`${lines[i % lines.length]!}\r\n`);
  return Buffer.from(out.join(''), 'latin1');
}
