/**
 * sd_notify(3) for a Node daemon run by systemd with Type=notify.
 *
 * How the datagrams are sent, and why: the protocol is one AF_UNIX SOCK_DGRAM datagram to $NOTIFY_SOCKET, and
 * Node has no unix datagram sockets. The choices were
 *   (a) `unix-dgram`, an npm native addon: sends from the main PID (works with NotifyAccess=main), but it is one
 *       more C++ build on every Pi install and upgrade, and one more native module that must match the Node ABI;
 *   (b) `sd-notify` (npm): also native, and needs libsystemd-dev on the Pi to build;
 *   (c) the `systemd-notify` command, part of systemd itself, so present wherever the unit can run.
 * We use (c). Its costs: it sends from a child PID, so the unit needs NotifyAccess=all (systemd-analyze security
 * counts that as 0.2, and any process of the unit could then signal readiness; the unit runs only our code); and it
 * forks once per message (every WatchdogSec/2, i.e. every 15 s: negligible). The classic failure of (c), the child
 * exiting before PID 1 has read the datagram so that PID 1 cannot map it to the unit, is gone since systemd 246:
 * systemd-notify follows every message with sd_notify_barrier() and waits until PID 1 has processed it (Debian 12
 * ships 252). A keep-alive also still proves that the event loop runs: the fork is started from a loop timer.
 * The transport is injectable (`NotifierOptions.send`) so (a) can replace it without touching callers.
 */
import { spawn } from 'node:child_process';

/** Sends the `KEY=value` assignments as one notification to `socket` (a path or `@abstract` name). */
export type NotifySend = (socket: string, assignments: readonly string[]) => Promise<void>;

export interface NotifierOptions {
  /** Transport; defaults to {@link systemdNotifyCommand}. */
  send?: NotifySend;
  /** Called with every failed fire-and-forget notification (watchdog, stopping, status). */
  onError?: (err: Error) => void;
  /** This process's PID, compared with WATCHDOG_PID. */
  pid?: number;
}

export interface Notifier {
  /** True when NOTIFY_SOCKET is set, i.e. systemd waits for our notifications. */
  readonly enabled: boolean;
  /**
   * Half of WATCHDOG_USEC in milliseconds when systemd expects keep-alives from this process (WatchdogSec set and
   * WATCHDOG_PID, if present, equal to our PID); undefined otherwise.
   */
  readonly watchdogIntervalMs?: number;
  /** READY=1. Resolves once systemd has the message; rejects if it could not be sent. No-op when disabled. */
  ready(): Promise<void>;
  /** WATCHDOG=1, fire-and-forget. A ping still in flight makes this call a no-op (they never pile up). */
  watchdog(): void;
  /** STOPPING=1, fire-and-forget. */
  stopping(): void;
  /** STATUS=<text> (one line; line breaks become spaces), fire-and-forget. */
  status(text: string): void;
  /** Resolves when every notification queued so far has been sent or has failed. */
  flush(): Promise<void>;
}

/** Default transport: runs `systemd-notify KEY=value ...` with only NOTIFY_SOCKET and PATH in its environment. */
export function systemdNotifyCommand(command = 'systemd-notify', timeoutMs = 10_000): NotifySend {
  return (socket, assignments) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(command, [...assignments], {
        env: { NOTIFY_SOCKET: socket, PATH: process.env.PATH ?? '/usr/bin:/bin' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      timer.unref();
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`${command} ${assignments.join(' ')} failed (${signal ?? code}): ${stderr.trim()}`));
      });
    });
}

/** Keep-alive period from the environment systemd sets: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises. */
export function watchdogIntervalFromEnv(env: NodeJS.ProcessEnv, pid: number = process.pid): number | undefined {
  const usecText = env.WATCHDOG_USEC;
  if (!usecText || !/^\d+$/.test(usecText)) return undefined;
  const usec = Number(usecText);
  if (!(usec > 0)) return undefined;
  const pidText = env.WATCHDOG_PID;
  if (pidText !== undefined && pidText !== '' && Number(pidText) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2 / 1000));
}

export function createNotifier(env: NodeJS.ProcessEnv = process.env, options: NotifierOptions = {}): Notifier {
  const socket = env.NOTIFY_SOCKET;
  const enabled = typeof socket === 'string' && socket !== '';
  const watchdogIntervalMs = enabled ? watchdogIntervalFromEnv(env, options.pid ?? process.pid) : undefined;
  const send = options.send ?? systemdNotifyCommand();
  const onError = options.onError ?? (() => {});

  // One notification at a time, in call order: READY must not overtake STATUS, nor WATCHDOG overtake STOPPING.
  let chain: Promise<void> = Promise.resolve();
  let watchdogPending = false;
  const enqueue = (assignments: string[], settled: () => void = () => {}): Promise<void> => {
    const sent = chain.then(() => send(socket as string, assignments)).finally(settled);
    chain = sent.catch(() => {});
    return sent;
  };
  const fireAndForget = (assignments: string[]): void => {
    if (!enabled) return;
    enqueue(assignments).catch((err: unknown) => onError(err instanceof Error ? err : new Error(String(err))));
  };

  return {
    enabled,
    watchdogIntervalMs,
    async ready() {
      if (!enabled) return;
      await enqueue(['READY=1']);
    },
    watchdog() {
      if (!enabled || watchdogPending) return;
      watchdogPending = true;
      enqueue(['WATCHDOG=1'], () => {
        watchdogPending = false;
      }).catch((err: unknown) => onError(err instanceof Error ? err : new Error(String(err))));
    },
    stopping() {
      fireAndForget(['STOPPING=1']);
    },
    status(text: string) {
      fireAndForget([`STATUS=${text.replace(/[\r\n]+/g, ' ')}`]);
    },
    flush() {
      return chain;
    },
  };
}
