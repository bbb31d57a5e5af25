import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startNotifyListener, type NotifyListener } from '../../test/systemd/notify-listener.js';
import { createNotifier, systemdNotifyCommand, watchdogIntervalFromEnv } from './sd-notify.js';

let dir: string;
let listener: NotifyListener | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wg-notify-'));
});
afterEach(async () => {
  await listener?.close();
  listener = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('createNotifier against a real NOTIFY_SOCKET listener', () => {
  it('delivers READY=1, STATUS, WATCHDOG=1 and STOPPING=1 in call order', async () => {
    listener = await startNotifyListener(join(dir, 'notify.sock'));
    const errors: Error[] = [];
    const notifier = createNotifier({ NOTIFY_SOCKET: listener.socket }, { onError: (e) => errors.push(e) });
    expect(notifier.enabled).toBe(true);
    notifier.status('store open, broker listening');
    await notifier.ready();
    notifier.watchdog();
    notifier.stopping();
    await notifier.flush();
    expect(errors).toEqual([]);
    // The listener's output reaches us through a pipe, independently of systemd-notify exiting.
    await listener.waitFor(() => listener!.datagrams.length >= 8);
    expect(listener.messages().map((d) => d.msg)).toEqual([
      'STATUS=store open, broker listening',
      'READY=1',
      'WATCHDOG=1',
      'STOPPING=1',
    ]);
    // Every message came with sender credentials. systemd-notify asks the kernel to stamp them with its parent's
    // PID (ours); that needs privileges, so as the unprivileged service user they carry the child's own PID, hence
    // NotifyAccess=all in the unit.
    for (const d of listener.messages()) expect(d.pid).toBeGreaterThan(0);
    // systemd-notify completed its barrier handshake for each message (our listener closes the fd like PID 1).
    expect(listener.datagrams.filter((d) => d.msg === 'BARRIER=1')).toHaveLength(4);
  });

  it('works with an abstract-namespace socket (@name), as systemd may hand out', async () => {
    listener = await startNotifyListener(`@wardgate-test-${process.pid}-${Date.now()}`);
    const notifier = createNotifier({ NOTIFY_SOCKET: listener.socket });
    await notifier.ready();
    await listener.waitFor((ms) => ms.length >= 1);
    expect(listener.messages().map((d) => d.msg)).toEqual(['READY=1']);
  });

  it('keeps STATUS on one line', async () => {
    listener = await startNotifyListener(join(dir, 'notify.sock'));
    const notifier = createNotifier({ NOTIFY_SOCKET: listener.socket });
    notifier.status('driver bed12\nREADY=1');
    await notifier.flush();
    await listener.waitFor((ms) => ms.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(listener.messages().map((d) => d.msg)).toEqual(['STATUS=driver bed12 READY=1']);
  });

  it('coalesces watchdog pings while one is in flight', async () => {
    listener = await startNotifyListener(join(dir, 'notify.sock'));
    const notifier = createNotifier({ NOTIFY_SOCKET: listener.socket });
    for (let i = 0; i < 5; i++) notifier.watchdog();
    await notifier.flush();
    notifier.watchdog();
    await notifier.flush();
    await listener.waitFor((ms) => ms.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(listener.messages().map((d) => d.msg)).toEqual(['WATCHDOG=1', 'WATCHDOG=1']);
  });

  it('ready() rejects and fire-and-forget calls report errors when nobody listens', async () => {
    const errors: Error[] = [];
    const notifier = createNotifier({ NOTIFY_SOCKET: join(dir, 'missing.sock') }, { onError: (e) => errors.push(e) });
    await expect(notifier.ready()).rejects.toThrow(/systemd-notify READY=1 failed/);
    notifier.stopping();
    await notifier.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/STOPPING=1 failed/);
  });

  it('reports a missing systemd-notify binary as an error, not a crash', async () => {
    const notifier = createNotifier(
      { NOTIFY_SOCKET: join(dir, 'x.sock') },
      { send: systemdNotifyCommand(join(dir, 'no-such-systemd-notify')) },
    );
    await expect(notifier.ready()).rejects.toThrow(/ENOENT/);
  });
});

describe('createNotifier without systemd', () => {
  it('is a no-op when NOTIFY_SOCKET is unset: nothing is sent, nothing fails', async () => {
    const sent: string[][] = [];
    const notifier = createNotifier(
      { WATCHDOG_USEC: '30000000' },
      { send: async (_s, a) => void sent.push([...a]) },
    );
    expect(notifier.enabled).toBe(false);
    expect(notifier.watchdogIntervalMs).toBeUndefined();
    await notifier.ready();
    notifier.watchdog();
    notifier.status('x');
    notifier.stopping();
    await notifier.flush();
    expect(sent).toEqual([]);
  });
});

describe('watchdogIntervalFromEnv', () => {
  it('is half of WATCHDOG_USEC in ms', () => {
    expect(watchdogIntervalFromEnv({ WATCHDOG_USEC: '30000000' }, 42)).toBe(15_000);
    expect(watchdogIntervalFromEnv({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42)).toBe(15_000);
  });
  it('is undefined when the watchdog is meant for another PID, unset or malformed', () => {
    expect(watchdogIntervalFromEnv({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '41' }, 42)).toBeUndefined();
    expect(watchdogIntervalFromEnv({}, 42)).toBeUndefined();
    expect(watchdogIntervalFromEnv({ WATCHDOG_USEC: '0' }, 42)).toBeUndefined();
    expect(watchdogIntervalFromEnv({ WATCHDOG_USEC: '-5' }, 42)).toBeUndefined();
    expect(watchdogIntervalFromEnv({ WATCHDOG_USEC: '3e7' }, 42)).toBeUndefined();
  });
});
