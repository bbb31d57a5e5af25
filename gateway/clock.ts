import { existsSync } from 'node:fs';

export type ClockState = 'synchronised' | 'unsynchronised';

/**
 * Whether the wall clock has been synchronised since boot. systemd-timesyncd touches
 * /run/systemd/timesync/synchronized once it has; chrony and others can be declared with
 * WARDGATE_CLOCK_SYNCED=1. A Pi without an RTC boots with a wrong clock, so nothing is ever ordered by
 * wall time: messages carry the gateway sequence as well.
 */
export function clockState(env: Record<string, string | undefined> = process.env): ClockState {
  if (env.WARDGATE_CLOCK_SYNCED === '1') return 'synchronised';
  if (env.WARDGATE_CLOCK_SYNCED === '0') return 'unsynchronised';
  return existsSync('/run/systemd/timesync/synchronized') ? 'synchronised' : 'unsynchronised';
}
