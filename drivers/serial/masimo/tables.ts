import type { DeviceAlarmReport, QualityFlag, TechnicalCondition } from '../../core/observation.js';
import type { ParamName } from '../../core/parameters.js';

/**
 * What the fields and bits of a Masimo serial line mean. Sources:
 *  [R8]  Masimo, *Rad-8 Signal Extraction Pulse Oximeter Operator's Manual*: section 4, "Trend data format"
 *        (p. 4-24: exception bits 001..800 as 3 hex digits, and its "Sample trend output" lines); section 7,
 *        "Serial interface specifications" (p. 7-3/7-4: ASCII 1 / ASCII 2 output, 9600 8N1). A public copy:
 *        github.com/remkolems/masimo-datacapture, `Masimo Rad-8/Masimo Rad-8 Operator's Manual.pdf` @
 *        `0638401c2b66723da8c9743cb48368ba2f582aaf`.
 *  [PX]  The MD PnP adapter header for the Masimo Radical-5/-7 serial output, which cites the "Radical Signal
 *        Extraction Pulse Oximeter Operator's Manual" (in `dd_pox_rad.h`): github.com/mdpnp/mdpnp,
 *        `other/pox_rad/src/poxrad_discrete.h` @ `76ce3a4f3c13065eb41f8c18ca7c45d578396723` (LGPL-3.0):
 *        field names (SN, SPO2, BPM, PI, SPCO, SPMET, DESAT, PIDELTA, PVI, ALARM, EXC), ALARM bits 0x0001..0x2000
 *        (`alarmmessage`) and EXC bits 0x000001..0x800000 (`exceptionmessage`).
 *  [MC]  An independent reading of the ALARM bits on a Rad-8, by setting its limits beyond the patient's values:
 *        github.com/remkolems/masimo-datacapture, `masimo-capture.py` (`_parse_alarm`) @
 *        `5739b3e9543bb952512a20c300abab07f467d60d` (BSD 2-Clause): 0x11 SpO2 above its high limit, 0x12 below its
 *        low limit, 0x14 pulse rate above, 0x18 below; 0x10 accompanies every audible, flashing alarm; 0x20 is
 *        set while the alarm is silenced. It agrees with [PX].
 */

/** Fields that map to canonical parameters. SPO2 %, BPM /min, PI % [PX]; the trend format prints PR for BPM [R8]. */
export const VALUE_FIELDS: Readonly<Record<string, ParamName>> = {
  SPO2: 'spo2',
  BPM: 'pr',
  PR: 'pr',
  PI: 'pi',
};

/**
 * Fields that are not measurements: the device serial number, and EXC1, a second exception word printed by
 * Radical-7 colour-screen units (the example line in [MC]'s repository, `_parse_rad7_color_serial_1`) whose bits no
 * source we found defines. Every other field with a number (SPCO, SPMET,
 * SPHB, SPOC, PVI, DESAT, PIDELTA, RESVD, and any field newer firmware adds) comes through as unmapped.
 */
export const NOT_MEASUREMENTS: ReadonlySet<string> = new Set(['SN', 'EXC1']);

/** Fields the sources name ([PX], and SPHB, SPOC, RESVD of that colour-screen line): a bad value spoils the line. */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  ...Object.keys(VALUE_FIELDS),
  ...NOT_MEASUREMENTS,
  'SPCO',
  'SPMET',
  'SPHB',
  'SPOC',
  'RESVD',
  'DESAT',
  'PIDELTA',
  'PVI',
  'ALARM',
  'EXC',
]);

export interface BitDef {
  bit: number;
  name: string;
  condition?: TechnicalCondition;
  /** Quality flag attached to every reading of the frame while the bit is set. */
  flag?: QualityFlag;
}

/**
 * EXC exception bits: 0x001..0x800 from [R8] p. 4-24 (001 No Sensor, 002 Defective Sensor, 004 Low Perfusion,
 * 008 Pulse Search, 010 Interference, 020 Sensor Off, 040 Ambient Light, 080 Unrecognized Sensor, 100/200 reserved,
 * 400 Low Signal IQ, 800 Masimo SET); 0x100 Incompatible Sensor and 0x1000..0x400000 from [PX].
 */
export const MASIMO_EXC_BITS: readonly BitDef[] = [
  { bit: 0x000001, name: 'No Sensor', condition: 'no-sensor' },
  { bit: 0x000002, name: 'Defective Sensor', condition: 'sensor-fault' },
  { bit: 0x000004, name: 'Low Perfusion', condition: 'low-perfusion', flag: 'low-perfusion' },
  { bit: 0x000008, name: 'Pulse Search', condition: 'pulse-search', flag: 'questionable' },
  { bit: 0x000010, name: 'Interference', condition: 'interference', flag: 'interference' },
  { bit: 0x000020, name: 'Sensor Off', condition: 'sensor-off' },
  { bit: 0x000040, name: 'Ambient Light', condition: 'interference', flag: 'interference' },
  { bit: 0x000080, name: 'Unrecognized Sensor', condition: 'sensor-fault' },
  { bit: 0x000100, name: 'Incompatible Sensor', condition: 'sensor-fault' },
  { bit: 0x000400, name: 'Low Signal IQ', condition: 'low-signal', flag: 'questionable' },
  { bit: 0x000800, name: 'Masimo SET' }, // informational: full SET mode running
  { bit: 0x001000, name: 'No Cable Connected', condition: 'no-sensor' },
  { bit: 0x002000, name: 'Cable Life Expired', condition: 'sensor-fault' },
  { bit: 0x004000, name: 'Incompatible Cable', condition: 'sensor-fault' },
  { bit: 0x008000, name: 'Unrecognized Cable', condition: 'sensor-fault' },
  { bit: 0x010000, name: 'Defective Cable', condition: 'sensor-fault' },
  { bit: 0x020000, name: 'Sensor Calibrating', flag: 'calibration' },
  { bit: 0x040000, name: 'Sensor Life Expired', condition: 'sensor-fault' },
  { bit: 0x080000, name: 'Emitter Temp Out of Range', condition: 'sensor-fault' },
  { bit: 0x100000, name: 'Sensor Current Limit Exceeded', condition: 'sensor-fault' },
  { bit: 0x200000, name: 'SpCO Low Confidence' }, // SpCO is not a canonical parameter
  { bit: 0x400000, name: 'SpMET Low Confidence' }, // SpMet is not a canonical parameter
];

/** Bits that mean no sensor is on the patient (No Sensor, Sensor Off, No Cable Connected): zeros then are filler. */
export const NO_SENSOR_BITS = 0x000001 | 0x000020 | 0x001000;

type Priority = Pick<DeviceAlarmReport, 'kind' | 'priority'>;

/**
 * The priorities of the Rad-8's own alarms: [R8] section 5, "Alarm identification" (p. 5-1), alarm priority table:
 * high for low arterial oxygen saturation, high pulse rate, low pulse rate, sensor off and no sensor, and system
 * failures; low for high saturation and low battery.
 * SpCO, SpMet, desaturation-index and PI-delta alarms (Radical-7 rainbow parameters the Rad-8 does not measure) have
 * no priority in any source found; medium is our choice, not a fact: IEC 60601-1-8 Table 1 ranks an alarm by the
 * potential harm of failing to respond and how soon it comes, and these are neither as urgent as a low SpO2 (high
 * above) nor as slow as a high SpO2 (low above).
 */
const HIGH_PHYSIOLOGICAL: Priority = { kind: 'physiological', priority: 'high' };
const MEDIUM_PHYSIOLOGICAL: Priority = { kind: 'physiological', priority: 'medium' };

export interface AlarmBitDef extends BitDef {
  /** The reading the bit flags 'device-alarm'. */
  param?: ParamName;
  /** While the bit is set the device itself is alarming: its own alarm, of this kind and priority. */
  device?: Priority;
}

/**
 * ALARM status bits from [PX] (0001 SpO2 high limit, 0002 SpO2 low limit, 0004 pulse rate high limit, 0008 pulse
 * rate low limit, 0010 alarm active, 0020 alarm silenced, 0040 low battery, 0080 reserved, 0100/0200 SpCO high/low
 * limit, 0400/0800 SpMet high/low limit, 1000 desaturation index, 2000 PI rate of change), the first six confirmed
 * on a Rad-8 by [MC]. Limit bits put the 'device-alarm' flag on the matching reading and are the device's own
 * alarms (priorities above); low battery is a technical condition and, being the device's low-priority alarm [R8],
 * a device alarm too.
 */
export const MASIMO_ALARM_BITS: readonly AlarmBitDef[] = [
  { bit: 0x0001, name: 'SpO2 high limit', param: 'spo2', device: { kind: 'physiological', priority: 'low' } },
  { bit: 0x0002, name: 'SpO2 low limit', param: 'spo2', device: HIGH_PHYSIOLOGICAL },
  { bit: 0x0004, name: 'Pulse rate high limit', param: 'pr', device: HIGH_PHYSIOLOGICAL },
  { bit: 0x0008, name: 'Pulse rate low limit', param: 'pr', device: HIGH_PHYSIOLOGICAL },
  { bit: 0x0010, name: 'Alarm active' },
  { bit: 0x0020, name: 'Alarm silenced', condition: 'device-alarm-silenced' },
  { bit: 0x0040, name: 'Low battery', condition: 'low-battery', device: { kind: 'technical', priority: 'low' } },
  { bit: 0x0100, name: 'SpCO high limit', device: MEDIUM_PHYSIOLOGICAL },
  { bit: 0x0200, name: 'SpCO low limit', device: MEDIUM_PHYSIOLOGICAL },
  { bit: 0x0400, name: 'SpMet high limit', device: MEDIUM_PHYSIOLOGICAL },
  { bit: 0x0800, name: 'SpMet low limit', device: MEDIUM_PHYSIOLOGICAL },
  { bit: 0x1000, name: 'Desaturation index alarm', device: MEDIUM_PHYSIOLOGICAL },
  { bit: 0x2000, name: 'PI rate of change alarm', device: MEDIUM_PHYSIOLOGICAL },
];

/** ALARM bit 0x0010: the device is sounding an alarm [PX], [MC]. */
export const ALARM_ACTIVE_BIT = 0x0010;

/**
 * Sensor off and no sensor are high-priority alarms of the device [R8] p. 5-1, but only once a pulse has been found
 * (same page): the EXC bits alone do not say the device alarms, so they are its alarm only while ALARM says an
 * alarm is active.
 */
export const SENSOR_ALARM: Priority = { kind: 'technical', priority: 'high' };

/**
 * Exception names after the bits (Rad-8 trend style), upper-cased, spaces dropped: the table's names, and the short
 * names of [R8]'s sample trend output (p. 4-24), read against the bits printed before them there: `820:OffPat,SET`,
 * `828:Search,OffPat,SET`, `C00:LowSigIQ,SET` (OffPat 0x020 Sensor Off, Search 0x008 Pulse Search, LowSigIQ 0x400
 * Low Signal IQ, SET 0x800 Masimo SET). No source prints the short names of the other bits.
 */
export const EXC_BY_NAME: ReadonlyMap<string, number> = new Map<string, number>([
  ...MASIMO_EXC_BITS.map((d) => [d.name.replace(/\s+/g, '').toUpperCase(), d.bit] as [string, number]),
  ['SET', 0x000800],
  ['OFFPAT', 0x000020],
  ['SEARCH', 0x000008],
  ['LOWSIGIQ', 0x000400],
]);

/**
 * Parameters for which a zero is below the device's measurement range, so a printed zero is filler, never a value:
 * SpO2 1-100 %, pulse rate 25-240 bpm, perfusion index 0.02-20 % ([R8] section 7, "Rad-8 specifications", p. 7-1).
 * The sample trend output of [R8] p. 4-24 prints `SpO2=000 PR=000 PI=00.00` while the sensor is off, and in the
 * seconds before the exception says so.
 */
export const ZERO_IS_FILLER: ReadonlySet<ParamName> = new Set<ParamName>(['spo2', 'pr', 'pi']);
