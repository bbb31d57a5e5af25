import pino, { type Logger } from 'pino';
import { repeatLimiter } from './log-repeats.js';

export type { Logger };

/** Fields that may hold secrets or patient identifiers: never written to the logs. */
export const REDACT_PATHS = [
  'password', '*.password', '*.*.password', 'passwordHash', '*.passwordHash', 'pin', '*.pin', '*.*.pin',
  'pinHash', '*.pinHash', 'token', '*.token', 'key', '*.key', 'authorization', '*.authorization', 'cookie', '*.cookie',
  'patient', '*.patient', 'patientId', '*.patientId', 'patientName', '*.patientName',
];

/** pino JSON to stdout (journald); pretty when stdout is a terminal; repeated identical warnings and errors held back (log-repeats.ts). */
export function createLogger(level: string, opts: { pretty?: boolean; name?: string } = {}): Logger {
  const pretty = opts.pretty ?? (process.stdout.isTTY === true && process.env.WARDGATE_LOG_JSON !== '1');
  const repeats = repeatLimiter();
  return pino({
    hooks: {
      logMethod(args, method, level) {
        if (repeats.admit(args, level)) method.apply(this, args as Parameters<typeof method>);
      },
    },
    name: opts.name ?? 'wardgate',
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  });
}

/**
 * Logs at most one line per key per interval and counts the ones it held back, so a garbled stream or a
 * reconnect loop cannot flood the journal.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(key: string, obj: Record<string, unknown>, msg: string): void {
    const t = this.now();
    const entry = this.last.get(key);
    if (entry && t - entry.at < this.intervalMs) {
      entry.suppressed += 1;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.last.set(key, { at: t, suppressed: 0 });
    this.log.warn(suppressed > 0 ? { ...obj, suppressedSinceLast: suppressed } : obj, msg);
  }
}
