/**
 * What the ward screen says about things only IT can fix that are not security (certificates and plaintext
 * listeners are gateway/tls/posture.ts): today, an unsynchronised clock. The sentences ride on the health data the
 * screen already receives (HealthView.notices).
 */
import type { ClockState } from '../clock.js';

/** What the screen says while the clock is not synchronised (docs/operations.md, "The clock"). */
export const CLOCK_NOTICE =
  'Clock not synchronised: times shown may be wrong (alarm order is not affected). IT: check network time with `timedatectl timesync-status` or `chronyc tracking`.';

export function operatorNotices(clock: ClockState | string): string[] {
  return clock === 'synchronised' ? [] : [CLOCK_NOTICE];
}
