import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { repeatLimiter } from './log-repeats.js';

export type { Logger };

/** Fields that may hold secrets or patient identifiers: never written to the logs. */
export const REDACT_PATHS = [
  'password', '*.password', '*.*.password', 'passwordHash', '*.passwordHash', 'pin', '*.pin', '*.*.pin',
  'pinHash', '*.pinHash', 'token', '*.token', 'key', '*.key', 'authorization', '*.authorization', 'cookie', '*.cookie',
  'patient', '*.patient', 'patientId', '*.patientId', 'patientName', '*.patientName',
];

const require = createRequire(import.meta.url);

/** pino-pretty is a dev dependency: a production install has none, and then logs stay JSON. */
function prettyStream(): NodeJS.WritableStream | undefined {
  try {
    const pretty = require('pino-pretty') as (o: Record<string, unknown>) => NodeJS.WritableStream;
    // sync: written before the process exits on Ctrl-C (no worker thread to flush, nothing lost or warned about)
    return pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,name', sync: true });
  } catch {
    return undefined;
  }
}

export interface LoggerOptions {
  /** Pretty lines instead of JSON on stdout; by default when stdout is a terminal (and WARDGATE_LOG_JSON is not 1). */
  pretty?: boolean;
  name?: string;
  /** Also (or, with `quietStdout`, only) write JSON lines to this file (appended). */
  file?: string;
  /** Nothing on stdout unless it is a terminal: the demo keeps a piped stdout for its one human line. */
  quietStdout?: boolean;
}

/**
 * pino JSON to stdout (journald); pretty when stdout is a terminal; optionally JSON to a file as well. Repeated
 * identical warnings and errors are held back (log-repeats.ts).
 */
export function createLogger(level: string, opts: LoggerOptions = {}): Logger {
  const tty = process.stdout.isTTY === true && process.env.WARDGATE_LOG_JSON !== '1';
  const pretty = opts.pretty ?? tty;
  const repeats = repeatLimiter();
  const base: pino.LoggerOptions = {
    name: opts.name ?? 'wardgate',
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    hooks: {
      logMethod(args, method, lvl) {
        if (repeats.admit(args, lvl)) method.apply(this, args as Parameters<typeof method>);
      },
    },
  };
  const streams: pino.StreamEntry[] = [];
  if (opts.file) {
    mkdirSync(dirname(opts.file), { recursive: true });
    streams.push({ level: level as pino.Level, stream: pino.destination({ dest: opts.file, append: true, sync: true }) });
  }
  if (!opts.quietStdout || tty) {
    const out = pretty ? prettyStream() : undefined;
    streams.push({ level: level as pino.Level, stream: out ?? process.stdout });
  }
  if (streams.length === 1 && streams[0]!.stream === process.stdout) return pino(base);
  return pino(base, pino.multistream(streams));
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
