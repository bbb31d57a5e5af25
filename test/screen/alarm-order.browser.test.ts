import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { Gateway } from '../../gateway/daemon.js';
import { freePort } from '../helpers/ports.js';
import { CHROMIUM, CHROMIUM_ARGS, logIn } from '../helpers/screen-browser.js';

const BEDS = Array.from({ length: 12 }, (_, i) => `bed-${String(i + 1).padStart(2, '0')}`);
const HOUR = 3600_000;

/**
 * Alarm order while the wall clock cannot be trusted (a Pi without a real-time clock, stepped by NTP): the gateway
 * (daemon.ts, in process, with an injected clock) raises two high alarms, restarts on the same store with its clock
 * an hour behind, raises two more, and so on six times. The rules clock never goes back, so every raise after the
 * first restart carries the same `raisedAt`, and the alarm ids (UUIDv7, from a fresh generator at each start) do not
 * order them either; the engine's active list and the ward screen in Debian's chromium still list them in raise order.
 */
describe.skipIf(!existsSync(CHROMIUM))('alarm order with the wall clock stepping backwards', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-alarm-order-'));
  const t0 = Date.now();
  let clock = t0;
  let gw: Gateway | undefined;
  let browser: Browser;
  let page: Page;
  let screenPort: number;

  const start = async () => {
    const config = parseConfig(
      {
        dataDir: join(dir, 'data'),
        broker: { port: 0 },
        screen: { port: screenPort, staff: [{ id: 'n1', name: 'Nurse One', pin: '2468' }] },
        beds: BEDS.map((id) => ({ id, overrides: { hr: { delaySeconds: 0 } } })),
        devices: BEDS.map((bed, i) => ({ id: `w${i + 1}`, bed, transport: 'mqtt', password: 'pw' })),
        rules: { technical: { noDataSeconds: 900 } },
        sync: { enabled: false },
      },
      'test',
    );
    const g = new Gateway({ config, log: pino({ level: 'silent' }), now: () => clock });
    await g.start();
    return g;
  };
  const raise = (i: number) => gw!.reading(`w${i + 1}`, { param: 'hr', value: 150, unit: '/min' });
  const engineOrder = () => gw!.rules.activeAlarms().filter((a) => a.condition === 'hr-high').map((a) => a.bed);
  const screenOrder = () => page.evaluate(() => Array.from(document.querySelectorAll('#alarm-list > li.group')).map((g) => (g as HTMLElement).dataset.bed).filter((b) => b?.startsWith('bed-')));

  beforeAll(async () => {
    screenPort = await freePort();
    gw = await start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await logIn(page, `http://127.0.0.1:${screenPort}/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists alarms of one priority in raise order, across restarts with the clock stepping back an hour each time', async () => {
    // six runs of the gateway, two raises each; before every restart the clock steps back an hour
    for (let run = 0; run < 6; run++) {
      if (run > 0) {
        await gw!.stop();
        clock -= HOUR;
        gw = await start();
        await page.locator('#offline').waitFor({ state: 'hidden', timeout: 20_000 });
      }
      for (const i of [2 * run, 2 * run + 1]) {
        clock += 1000;
        raise(i);
      }
      expect(engineOrder()).toEqual(BEDS.slice(0, 2 * run + 2));
    }
    const alarms = gw!.rules.activeAlarms().filter((a) => a.condition === 'hr-high');
    // the rules clock never goes back: every raise after the first restart has the raisedAt of the last one before it
    expect(new Set(alarms.slice(1).map((a) => a.raisedAt)).size).toBe(1);
    expect(alarms.map((a) => a.raiseSeq)).toEqual([...alarms.map((a) => a.raiseSeq!)].sort((x, y) => x - y));
    await expect.poll(screenOrder, { timeout: 10_000 }).toEqual(BEDS);
  });
});
