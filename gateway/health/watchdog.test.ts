import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startNotifyListener, type NotifyDatagram, type NotifyListener } from '../../test/systemd/notify-listener.js';
import { createNotifier } from './sd-notify.js';
import { startWatchdog, type Watchdog } from './watchdog.js';

const WATCHDOG_USEC = 1_000_000; // systemd would kill us after 1 s without WATCHDOG=1

let dir: string;
let listener: NotifyListener;
let watchdog: Watchdog | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wg-wd-'));
  listener = await startNotifyListener(join(dir, 'notify.sock'));
});
afterEach(async () => {
  watchdog?.stop();
  await listener.close();
  rmSync(dir, { recursive: true, force: true });
});

const pingTimes = (ds: NotifyDatagram[]): number[] => ds.filter((d) => d.msg === 'WATCHDOG=1').map((d) => d.at);
const gaps = (ts: number[]): number[] => ts.slice(1).map((t, i) => t - ts[i]!);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function env() {
  return { NOTIFY_SOCKET: listener.socket, WATCHDOG_USEC: String(WATCHDOG_USEC), WATCHDOG_PID: String(process.pid) };
}

describe('startWatchdog', () => {
  it('pings at half WATCHDOG_USEC, stops while the event loop is blocked, and resumes after', async () => {
    const notifier = createNotifier(env());
    expect(notifier.watchdogIntervalMs).toBe(500);
    watchdog = startWatchdog({ notifier, isHealthy: () => true });
    await listener.waitFor((ms) => pingTimes(ms).length >= 3);

    const blockStart = Date.now();
    while (Date.now() - blockStart < 2_500) {
      // a stuck event loop
    }
    const blockEnd = Date.now();
    await listener.waitFor((ms) => pingTimes(ms).filter((t) => t > blockEnd).length >= 2);

    const times = pingTimes(listener.messages());
    const before = times.filter((t) => t < blockStart);
    const after = times.filter((t) => t > blockEnd);
    // Healthy: every gap well inside WATCHDOG_USEC, so systemd would not fire.
    for (const gap of [...gaps(before), ...gaps(after)]) expect(gap).toBeLessThan(WATCHDOG_USEC / 1000);
    // Blocked: a gap longer than WATCHDOG_USEC, so systemd would fire (at most one ping spawned just before the
    // block lands inside it).
    expect(times.filter((t) => t >= blockStart + 200 && t <= blockEnd)).toHaveLength(0);
    expect(Math.max(...gaps(times))).toBeGreaterThan(WATCHDOG_USEC / 1000);
  });

  it('withholds pings while isHealthy() is false or throws, and reports the turn once', async () => {
    const notifier = createNotifier(env());
    let state: 'sick' | 'throws' | 'well' = 'sick';
    const reasons: string[] = [];
    watchdog = startWatchdog({
      notifier,
      intervalMs: 100,
      onUnhealthy: (r) => reasons.push(r),
      isHealthy: () => {
        if (state === 'throws') throw new Error('store closed');
        return state === 'well';
      },
    });
    await sleep(450);
    state = 'throws';
    await sleep(300);
    expect(pingTimes(listener.messages())).toHaveLength(0);
    expect(watchdog.pings).toBe(0);
    expect(reasons).toEqual(['health check returned false']);
    state = 'well';
    await listener.waitFor((ms) => pingTimes(ms).length >= 2);
    state = 'sick';
    await sleep(300);
    const count = pingTimes(listener.messages()).length;
    await sleep(400);
    expect(pingTimes(listener.messages())).toHaveLength(count);
    expect(reasons).toEqual(['health check returned false', 'health check returned false']);
  });

  it('does nothing when systemd asked for no watchdog', async () => {
    const notifier = createNotifier({ NOTIFY_SOCKET: listener.socket });
    watchdog = startWatchdog({ notifier, isHealthy: () => true });
    expect(watchdog.intervalMs).toBeUndefined();
    await sleep(300);
    expect(listener.messages()).toHaveLength(0);
  });
});
