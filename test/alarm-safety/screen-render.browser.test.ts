import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { Gateway } from '../../gateway/daemon.js';
import { CHROMIUM, CHROMIUM_ARGS, logIn } from '../helpers/screen-browser.js';


/** The ward screen in Debian's chromium: an unscored value greyed with its reason; a latched NEWS2 peak beside the score. */
describe.skipIf(!existsSync(CHROMIUM))('the ward screen shows what is true now', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-safety-browser-'));
  let gw: Gateway;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const config = parseConfig(
      {
        dataDir: join(dir, 'data'),
        broker: { port: 0 },
        screen: { port: 0, staff: [{ id: 'n1', name: 'Nurse One', pin: '2468' }] },
        beds: [{ id: 'bed-1' }, { id: 'bed-2' }],
        devices: [
          { id: 'w1', bed: 'bed-1', transport: 'mqtt', password: 'pw' },
          { id: 'w2', bed: 'bed-2', transport: 'mqtt', password: 'pw' },
        ],
        sync: { enabled: false },
      },
      'test',
    );
    gw = new Gateway({ config, log: pino({ level: 'silent' }) });
    await gw.start();
    context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1600, height: 1000 } });
    page = context.pages()[0] ?? (await context.newPage());
    await logIn(page, `http://127.0.0.1:${gw.screen.port}/`);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a demo SpO2 is greyed on the tile with the reason it is not scored', async () => {
    gw.reading('w1', { param: 'spo2', value: 70, unit: '%', flags: ['demo'] });
    const tile = page.locator('article[data-bed="bed-1"] .vital[data-param="spo2"]');
    await expect.poll(() => tile.locator('.value').textContent()).toBe('70');
    expect(await tile.getAttribute('class')).toContain('unscored');
    expect(await tile.locator('.unscored').textContent()).toBe('not scored: demo data');
  });

  it('a latched NEWS2 alarm shows its peak beside the current score', async () => {
    const normal = { rr: 16, spo2: 97, sbp: 120, hr: 70, temp: 37 } as const;
    const units = { rr: '/min', spo2: '%', sbp: 'mm[Hg]', hr: '/min', temp: 'Cel' } as const;
    const send = (v: Partial<Record<keyof typeof normal, number>>) => {
      for (const [p, value] of Object.entries(v)) gw.reading('w2', { param: p as keyof typeof normal, value, unit: units[p as keyof typeof normal] });
    };
    gw.setManualInputs('bed-2', { acvpu: 'U', o2: true }, 'staff:n1');
    send({ ...normal, rr: 26 }); // ACVPU 3 + O2 2 + RR 3 = 8: high, latching
    await expect.poll(() => gw.rules.activeAlarms().find((a) => a.bed === 'bed-2' && a.condition === 'news2')?.priority).toBe('high');
    gw.setManualInputs('bed-2', { acvpu: 'A', o2: false }, 'staff:n1');
    send(normal); // complete and 0: the high alarm latches
    await expect.poll(() => gw.rules.activeAlarms().find((a) => a.bed === 'bed-2' && a.condition === 'news2')?.latched).toBe(true);
    const cell = page.locator('article[data-bed="bed-2"] .vital[data-param="news2"]');
    await expect.poll(() => cell.locator('.value').textContent(), { timeout: 5000 }).toBe('0');
    await expect.poll(() => cell.locator('.news2-peak').textContent()).toBe(' · peak 8 (latched)');
  });
});
