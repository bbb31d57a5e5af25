/**
 * Status fields shared by PLX Spot-Check (0x2A5E) and PLX Continuous (0x2A5F) Measurements.
 * Source: Bluetooth SIG Pulse Oximeter Service v1.0.1 and GATT Specification Supplement, "PLX Spot-Check
 * Measurement" / "PLX Continuous Measurement", fields "Measurement Status" (uint16) and "Device and Sensor Status"
 * (uint24). Bit positions cross-checked with NXP's BLE SDK PLX service definitions (gPlx_SC*Present_c, gPlx_MeasurementOngoing)
 *  and Stanford Spezi's PLXContinuousMeasurement.swift.
 */
import type { ConditionReport, Decoded, QualityFlag, TechnicalCondition } from '../../core/observation.js';
import { condition } from './decoded-items.js';

/** Measurement Status bits 5..15 (0..4 reserved). */
export const MEASUREMENT_STATUS_BITS = {
  measurementOngoing: 5,
  earlyEstimatedData: 6,
  validatedData: 7,
  fullyQualifiedData: 8,
  dataFromMeasurementStorage: 9,
  dataForDemonstration: 10,
  dataForTesting: 11,
  calibrationOngoing: 12,
  measurementUnavailable: 13,
  questionableMeasurementDetected: 14,
  invalidMeasurementDetected: 15,
} as const;

/**
 * Device and Sensor Status bits 0..15 (16..23 reserved), each with the technical condition it raises.
 * Several bits feed one condition; the condition is active while any of them is set.
 */
export const DEVICE_SENSOR_STATUS: ReadonlyArray<{ bit: number; name: string; condition: TechnicalCondition | undefined }> = [
  { bit: 0, name: 'extended display update ongoing', condition: undefined },
  { bit: 1, name: 'equipment malfunction detected', condition: 'device-fault' },
  { bit: 2, name: 'signal processing irregularity detected', condition: 'interference' },
  { bit: 3, name: 'inadequate signal detected', condition: 'low-signal' },
  { bit: 4, name: 'poor signal detected', condition: 'low-signal' },
  { bit: 5, name: 'low perfusion detected', condition: 'low-perfusion' },
  { bit: 6, name: 'erratic signal detected', condition: 'interference' },
  { bit: 7, name: 'nonpulsatile signal detected', condition: 'pulse-search' },
  { bit: 8, name: 'questionable pulse detected', condition: 'pulse-search' },
  { bit: 9, name: 'signal analysis ongoing', condition: 'pulse-search' },
  { bit: 10, name: 'sensor interference detected', condition: 'interference' },
  { bit: 11, name: 'sensor unconnected to user', condition: 'sensor-off' },
  { bit: 12, name: 'unknown sensor connected', condition: 'sensor-fault' },
  { bit: 13, name: 'sensor displaced', condition: 'sensor-off' },
  { bit: 14, name: 'sensor malfunctioning', condition: 'sensor-fault' },
  { bit: 15, name: 'sensor disconnected', condition: 'no-sensor' },
];

const SENSOR_CONDITIONS: TechnicalCondition[] = [
  ...new Set(DEVICE_SENSOR_STATUS.flatMap((s) => (s.condition ? [s.condition] : []))),
];

const bit = (v: number, n: number): boolean => ((v >>> n) & 1) === 1;

/** Quality flags the Measurement Status puts on the frame's readings (which block scoring: drivers/core/quality.ts). */
export function measurementStatusFlags(status: number | undefined, sensor: number | undefined): QualityFlag[] {
  const flags: QualityFlag[] = [];
  if (status !== undefined) {
    if (bit(status, MEASUREMENT_STATUS_BITS.invalidMeasurementDetected) || bit(status, MEASUREMENT_STATUS_BITS.measurementUnavailable)) flags.push('invalid');
    if (bit(status, MEASUREMENT_STATUS_BITS.questionableMeasurementDetected)) flags.push('questionable');
    if (bit(status, MEASUREMENT_STATUS_BITS.dataForDemonstration)) flags.push('demo');
    if (bit(status, MEASUREMENT_STATUS_BITS.dataForTesting)) flags.push('test');
    if (bit(status, MEASUREMENT_STATUS_BITS.calibrationOngoing)) flags.push('calibration');
  }
  if (sensor !== undefined) {
    if (bit(sensor, 5)) flags.push('low-perfusion');
    if (bit(sensor, 6) || bit(sensor, 10)) flags.push('interference');
  }
  return flags;
}

/** Fields the Measurement Status marks invalid, for the frame's 'data-invalid' report. */
export function measurementStatusInvalid(status: number | undefined): string[] {
  if (status === undefined) return [];
  const out: string[] = [];
  if (bit(status, MEASUREMENT_STATUS_BITS.invalidMeasurementDetected)) out.push('invalid measurement detected');
  if (bit(status, MEASUREMENT_STATUS_BITS.measurementUnavailable)) out.push('measurement unavailable');
  return out;
}

/** One report per mapped condition: active with the bit names while any bit is set, cleared otherwise. */
export function deviceSensorConditions(sensor: number | undefined, sourceTs?: number): Decoded[] {
  if (sensor === undefined) return [];
  const out: Decoded[] = [];
  for (const c of SENSOR_CONDITIONS) {
    const names: string[] = [];
    for (const s of DEVICE_SENSOR_STATUS) if (s.condition === c && bit(sensor, s.bit)) names.push(s.name);
    const report: ConditionReport = { condition: c, active: names.length > 0 };
    if (names.length > 0) report.detail = names.join(', ');
    if (sourceTs !== undefined) report.sourceTs = sourceTs;
    out.push(condition(report));
  }
  return out;
}
