import type { Page } from 'playwright-core';

/** Debian's chromium, driven headless through playwright-core by the screen's browser tests. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Logs in on the screen's login form (at `url` when given) and waits for the ward view. */
export async function logIn(page: Page, url?: string, staffId = 'n1', pin = '2468'): Promise<void> {
  if (url !== undefined) await page.goto(url);
  await page.fill('#staff-id', staffId);
  await page.fill('#pin', pin);
  await page.click('#login-form button[type=submit]');
  await page.locator('#ward-view').waitFor({ state: 'visible' });
}
