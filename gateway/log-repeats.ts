/**
 * Holds back repeated identical warning and error lines: the same message with the same fields within `intervalMs`
 * is written once; the next one written after the interval carries `suppressedSinceLast` with how many were held
 * back. A retry loop (an upstream refusing our TLS certificate every few seconds) then logs a line per interval,
 * not per attempt. Info and debug lines pass untouched (alarms are logged at info).
 */
export interface RepeatLimiter {
  /** Whether to write this line now; `args[0]` gets `suppressedSinceLast` when lines were held back. */
  admit(args: unknown[], level: number): boolean;
}

const WARN = 40;
const MAX_KEYS = 2000;

export function repeatLimiter(intervalMs = 10_000, now: () => number = Date.now): RepeatLimiter {
  const seen = new Map<string, { at: number; suppressed: number }>();
  return {
    admit(args, level) {
      if (level < WARN) return true;
      const key = `${level}\u0000${fingerprint(args)}`;
      const t = now();
      const entry = seen.get(key);
      if (entry && t - entry.at < intervalMs) {
        entry.suppressed += 1;
        return false;
      }
      seen.delete(key);
      seen.set(key, { at: t, suppressed: 0 });
      if (seen.size > MAX_KEYS) {
        // insertion order is last-written order: the first keys are the stalest
        for (const k of seen.keys()) {
          seen.delete(k);
          if (seen.size <= MAX_KEYS / 2) break;
        }
      }
      if (entry && entry.suppressed > 0) {
        const first = args[0];
        if (first !== null && typeof first === 'object' && !(first instanceof Error)) args[0] = { ...(first as Record<string, unknown>), suppressedSinceLast: entry.suppressed };
        else if (typeof first === 'string') args.unshift({ suppressedSinceLast: entry.suppressed });
      }
      return true;
    },
  };
}

function fingerprint(args: unknown[]): string {
  try {
    const s = JSON.stringify(args, (_k, v: unknown) => (v instanceof Error ? `${v.name}: ${v.message}` : v));
    return s.length > 1000 ? s.slice(0, 1000) : s;
  } catch {
    return String(args[args.length - 1]);
  }
}
