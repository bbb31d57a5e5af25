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
