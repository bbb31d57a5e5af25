import type { Priority } from './types.js';
import type { TechnicalConditionName } from './config.js';

/**
 * Default priorities of technical alarms. IEC 60601-1-8 leaves the allocation to risk analysis; these follow the
 * vendor convention (Philips INOPs, Mindray technical alarms): losing the measurement altogether is medium, a
 * degraded or advisory state is low. Override per condition in `technical.priorities`.
 */
export const TECHNICAL_PRIORITY: Record<TechnicalConditionName, Priority> = {
  'sensor-off': 'medium',
  'no-sensor': 'medium',
  'sensor-fault': 'medium',
  'no-contact': 'medium',
  'low-perfusion': 'low',
  'pulse-search': 'low',
  interference: 'low',
  'low-signal': 'low',
  'low-battery': 'low',
  'data-invalid': 'low',
  'device-alarm-silenced': 'low',
  'device-disconnected': 'medium',
  'no-data': 'medium',
  'device-fault': 'medium',
  'cuff-fit': 'low',
  'body-movement': 'low',
  'irregular-pulse': 'low',
  'store-fault': 'medium',
  'disk-budget': 'low',
  'buzzer-fault': 'high',
  'clock-unsynced': 'low',
  /** A whole driver family (BLE, serial, HL7 listener) is down: its devices' measurements are lost, as for a disconnected device. */
  'driver-degraded': 'medium',
};
