import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startGatewayProcess, writeConfig, type GatewayProcess } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';

/**
 * 30 beds on a 2560x1440 display, seen without login (`readOnlyView`), with a configured locale and time zone:
 * every tile in view, and the clock in that zone on a 24-hour clock.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage'];

describe.skipIf(!existsSync(CHROMIUM))('30 beds at 2560x1440, locale and time zone from the config', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-screen30-'));
  let gw: GatewayProcess;
  let browser: Browser;

  beforeAll(async () => {
    const configPath = writeConfig(dir, {
      gateway: { id: 'gw-30', site: 'test-site', ward: 'ward-30' },
      dataDir: join(dir, 'data'),
      broker: { host: '127.0.0.1', port: await freePort() },
      screen: { host: '127.0.0.1', port: await freePort(), readOnlyView: true, locale: 'de-DE', timeZone: 'Asia/Tokyo' },
      beds: Array.from({ length: 30 }, (_, i) => ({ id: `b${i + 1}`, label: `Bett ${i + 1}`, profile: 'adult' })),
      sync: { enabled: false },
    });
    gw = await startGatewayProcess(configPath);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows all 30 tiles inside the viewport and a 24-hour clock in the configured zone', async () => {
    const page = await browser.newPage({ viewport: { width: 2560, height: 1440 } });
    await page.goto(`http://127.0.0.1:${gw.screenPort}/`);
    await expect.poll(() => page.locator('article.bed').count(), { timeout: 10_000 }).toBe(30);
    const outside = await page.evaluate(() =>
      Array.from(document.querySelectorAll('article.bed')).map((e) => e.getBoundingClientRect()).filter((r) => r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5 || r.width < 150 || r.height < 150).length);
    expect(outside).toBe(0);
    const clock = (await page.textContent('#clock'))!;
    expect(clock).toMatch(/^\d\d:\d\d:\d\d$/);
    const tokyo = new Intl.DateTimeFormat('de-DE', { timeZone: 'Asia/Tokyo', hour: '2-digit', hourCycle: 'h23' }).format(Date.now());
    expect(clock.slice(0, 2)).toBe(tokyo.padStart(2, '0').slice(0, 2));
    expect(await page.textContent('#who')).toBe('View only');
    await page.screenshot({ path: join(REPO, 'test-artifacts', 'screen-30.png') });
    // a viewer without login opens a bed's detail (trends are readable without a session), without any action
    await page.click('article[data-bed="b7"]');
    await page.locator('#bed-dialog').waitFor({ state: 'visible' });
    await expect.poll(() => page.textContent('#trends')).toBe('No values in this window yet');
    expect(await page.isVisible('#manual-save')).toBe(false);
    expect(await page.isVisible('#limits-save')).toBe(false);
    expect(await page.textContent('#bed-dialog-title')).toBe('Bett 7');
    await page.close();
  });
});
