/**
 * systemd watchdog keep-alives from the event loop. The ping is sent by a timer callback, so a blocked or starved
 * loop sends nothing and systemd restarts the service after WatchdogSec. A loop that runs but whose daemon is not
 * healthy (the supplied check says so) also stops pinging, which gets it restarted the same way.
 */
import type { Notifier } from './sd-notify.js';

export interface WatchdogOptions {
  notifier: Pick<Notifier, 'watchdog' | 'watchdogIntervalMs'>;
  /** Checked before every ping; false or a throw withholds the ping. */
  isHealthy: () => boolean;
  /** Overrides notifier.watchdogIntervalMs (for tests); when both are undefined the watchdog does nothing. */
  intervalMs?: number;
  /** Called once each time the daemon turns unhealthy (pings withheld), with the reason. */
  onUnhealthy?: (reason: string) => void;
}

export interface Watchdog {
  /** The ping period in ms, or undefined when systemd asked for no watchdog. */
  readonly intervalMs: number | undefined;
  /** Pings sent so far. */
  readonly pings: number;
  stop(): void;
}

export function startWatchdog(options: WatchdogOptions): Watchdog {
  const intervalMs = options.intervalMs ?? options.notifier.watchdogIntervalMs;
  let pings = 0;
  let timer: NodeJS.Timeout | undefined;
  let healthy = true;

  const tick = (): void => {
    let ok: boolean;
    let reason = 'health check returned false';
    try {
      ok = options.isHealthy() === true;
    } catch (err) {
      ok = false;
      reason = `health check threw: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (!ok) {
      if (healthy) options.onUnhealthy?.(reason);
      healthy = false;
      return;
    }
    healthy = true;
    pings += 1;
    options.notifier.watchdog();
  };

  if (intervalMs !== undefined && intervalMs > 0) {
    timer = setInterval(tick, intervalMs);
    // The watchdog must never be what keeps the process alive.
    timer.unref();
  }

  return {
    intervalMs,
    get pings() {
      return pings;
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
