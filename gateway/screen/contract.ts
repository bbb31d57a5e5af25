import type { AuditQuery, AuditRow } from '../store/audit.js';
import type { PatientView } from './display.js';
import type { Session } from './sessions.js';
import type { StoredReadings } from './trend-history.js';

/** What the screen server and the gateway agree on: the backend the screen calls and the setup it shows. */
export interface ActionResult {
  ok: boolean;
  error?: string;
}

/** What the screen needs from the gateway. Every action names the staff member who took it. */
export interface ScreenBackend {
  snapshot(): unknown;
  acknowledge(alarmId: string, staff: Session): ActionResult;
  pauseAudio(bed: string, staff: Session): ActionResult;
  setManualInputs(bed: string, inputs: { acvpu?: 'A' | 'C' | 'V' | 'P' | 'U'; o2?: boolean; scale?: 1 | 2 }, staff: Session): ActionResult;
  setBedLimits(bed: string, change: { profile?: string; overrides?: Record<string, unknown> }, staff: Session): ActionResult;
  /** /readyz: each part and whether the gateway as a whole is ready. */
  /** Recent audit rows, newest first (GET /api/audit). */
  audit?(q: AuditQuery): AuditRow[];
  /** The ward buzzer's state, shown with the gateway's health. */
  buzzer?(): BuzzerView;
  /** The readings stored since `since` (epoch ms): the trend charts' hours before a restart, read in pages. */
  storedReadings?(since: number): StoredReadings;
  /** The limits the rules engine enforces on a bed (one source of truth: a restored or reloaded change included). */
  bedLimits?(bed: string): { profile: string; overrides: Record<string, unknown> };
}

export interface BuzzerView {
  backend: string;
  sounding: string | null;
  faulted: boolean;
}

/** A bed as configured: patient association and its alarm limits (profile and overrides). */
export interface BedSetup {
  id: string;
  label?: string | undefined;
  patientId?: string | undefined;
  /** What the page is told of the configured patient (per `patientDisplay`); patientId itself is not sent. */
  patient?: PatientView | undefined;
  profile: string;
  news2Scale?: 1 | 2 | undefined;
  overrides?: Record<string, unknown> | undefined;
}

/** What the page needs besides the live state: beds' settings, the limit profiles, whether actions are possible. */
export interface ScreenSetup {
  beds: Record<string, BedSetup>;
  profiles: Record<string, { description?: string | undefined; params: Record<string, unknown> }>;
  buzzer: BuzzerView | null;
  /** Security notices for the status line: plaintext on the ward network, certificates near or past expiry. */
  security: Array<{ level: 'warn' | 'bad'; text: string }>;
}
