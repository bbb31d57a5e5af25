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
  // Alarms reach nurses only on the ward while the hospital's alarm manager is unreachable: IEC 60601-1-8 6.11.2.2.1
  // asks that a distributed alarm system's communication failure be a technical alarm; medium, as losing a measurement.
  'alarm-manager-unreachable': 'medium',
  // A page the alarm manager reports rejected, or not accepted in time: the alarm waits on nobody; answer it here.
  'page-not-accepted': 'medium',
};
