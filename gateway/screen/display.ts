/** How the ward screen presents patients, times and trends (`screen` in the config). */
export interface DisplaySettings {
  /** What a tile shows of an admitted patient: nothing, initials (the default: visitors see wall displays) or the name. */
  patientDisplay: 'none' | 'initials' | 'full';
  /** BCP 47 locale for dates and numbers (Intl). */
  locale: string;
  /** IANA time zone; the browser's own when absent. */
  timeZone?: string | undefined;
  /** 12-hour clock; 24-hour by default. */
  hour12: boolean;
  /** How far back the detail view's trend charts reach. */
  trendHours: number;
}

export const DEFAULT_DISPLAY: DisplaySettings = { patientDisplay: 'initials', locale: 'en-GB', hour12: false, trendHours: 8 };

export interface PatientView {
  id?: string;
  name?: string;
  initials?: string;
}

/** "Ada Lovelace" -> "A. L."; "Jean-Luc Picard" -> "J. P." */
export function initialsOf(name: string): string {
  return name
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => `${[...w][0]!.toLocaleUpperCase()}.`)
    .join(' ');
}

/**
 * What the page may know of a patient, per `patientDisplay`: with `initials` neither the name nor the id leaves
 * the gateway (a wall display is seen by visitors); with `none` only that a patient is admitted.
 */
export function presentPatient(p: { id: string; name?: string | undefined } | undefined, mode: DisplaySettings['patientDisplay']): PatientView | undefined {
  if (!p) return undefined;
  if (mode === 'full') return { id: p.id, ...(p.name ? { name: p.name } : {}) };
  if (mode === 'initials' && p.name) return { initials: initialsOf(p.name) };
  return {};
}

type Mode = DisplaySettings['patientDisplay'];
type BedLike = { patient?: { id: string; name?: string } };

function redactBed<T>(mode: Mode, bed: T): T {
  const b = bed as T & BedLike;
  if (!b || typeof b !== 'object' || !b.patient) return bed;
  return { ...b, patient: presentPatient(b.patient, mode) };
}

/** A ward snapshot with each bed's patient reduced to what `mode` allows. */
export function redactState(mode: Mode, state: unknown): unknown {
  const s = state as { beds?: unknown[] } | null;
  if (!s || typeof s !== 'object' || !Array.isArray(s.beds)) return state;
  return { ...s, beds: s.beds.map((b) => redactBed(mode, b)) };
}

/** A message to the page with any patient in it reduced to what `mode` allows (snapshot, bed, device, admission). */
export function redactMessage(mode: Mode, m: { type: string; [k: string]: unknown }): { type: string; [k: string]: unknown } {
  if (m.type === 'snapshot') return { ...m, state: redactState(mode, m.state) };
  if ((m.type === 'bed' || m.type === 'device') && m.bed) return { ...m, bed: redactBed(mode, m.bed) };
  if (m.type === 'admission' && m.admission) return { ...m, admission: redactBed(mode, m.admission) };
  return m;
}
