import type { Priority } from '../../rules/types.js';

/**
 * One sounder (a piezo on a GPIO line, a file for testers, nothing). `set` switches it; it resolves once the change
 * was handed to the hardware and rejects when the hardware refused it. Backends serialise their own calls.
 */
export interface Annunciator {
  readonly kind: 'gpio' | 'none' | 'record';
  set(on: boolean, priority: Priority | null): Promise<void>;
  /** What the buzzer intends to sound now (null: silent); backends may note it (the record file does). */
  sounding?(priority: Priority | null): void;
  /** Called when the hardware fails between calls (e.g. the process holding the GPIO line died). */
  onFailure?(listener: (err: Error) => void): void;
  /** Leaves the sounder off and releases it. */
  close(): Promise<void>;
}

/** The `none` backend: no sounder fitted. The screen's Web Audio tone is then the only audible signal. */
export class NoAnnunciator implements Annunciator {
  readonly kind = 'none' as const;
  async set(): Promise<void> {}
  async close(): Promise<void> {}
}
