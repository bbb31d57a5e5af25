import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Observation } from '../../drivers/core/observation.js';
import { hashSecret } from '../../gateway/secrets.js';
import { Store } from '../../gateway/store/store.js';
import { Central } from '../../simulator/central/central.js';
import { REPO, startGatewayProcess, writeConfig, type GatewayProcess } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { CHROMIUM, CHROMIUM_ARGS, logIn } from '../helpers/screen-browser.js';

/**
 * The ward screen in Debian's chromium against the real daemon, with the browser in another time zone than the
 * screen's (America/New_York vs screen.timeZone Asia/Tokyo) and patients admitted by a stand-in central:
 *  - with `patientDisplay: initials` no full name or patient id in /api/state or in any WebSocket frame;
 *  - the audit filter and the audit times follow screen.timeZone, not the browser's;
 *  - after a restart a bed's trend chart has the hours before it (from the store), not only what arrived since.
 * Screenshots go to test-artifacts/screen-restart/.
 */
const SHOTS = join(REPO, 'test-artifacts', 'screen-restart');
const SCREEN_TZ = 'Asia/Tokyo';
const BROWSER_TZ = 'America/New_York';
const PATIENT = { id: 'MRN-58113', name: 'Zelda Quarterfield' };
const HOUR = 3600_000;

describe.skipIf(!existsSync(CHROMIUM))('ward screen: trends across a restart, time zone, patient display', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-screen-restart-'));
  const started = Date.now();
  let configPath: string;
  let gw: GatewayProcess;
  let central: Central;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let device: MqttClient;
  let url: string;
  let seq = 0;
  const frames: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  const login = () => logIn(page);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // What a gateway that has been running for hours holds: bed-1's heart rate from 5 h to 1 h ago, once a minute,
    // written by the daemon's own store code into the data directory it starts on.
    const seeded = new Store(join(dir, 'data'));
    for (let t = started - 5 * HOUR, i = 0; t <= started - HOUR; t += 60_000, i++) {
      const o: Observation = { gatewayId: 'gw-tz', seq: seeded.nextSeq(), receivedAt: t, bedId: 'bed-1', deviceId: 'wear-1', source: 'mqtt', param: 'hr', value: 60 + (i % 30), unit: '/min', flags: [] };
      seeded.queueObservation(o);
    }
    seeded.close();

    const [brokerPort, screenPort, centralPort] = [await freePort(), await freePort(), await freePort()];
    central = new Central({ embeddedPort: centralPort, embeddedHost: '127.0.0.1', username: 'central', password: 'central-secret', accounts: { gw: 'gw-secret' }, dbPath: join(dir, 'central.db'), assignDelayMs: 300, progressDelayMs: 600 });
    await central.start();
    configPath = writeConfig(dir, {
      gateway: { id: 'gw-tz', site: 'test-site', ward: 'ward-tz' },
      dataDir: join(dir, 'data'),
      log: { level: 'info' },
      broker: { host: '127.0.0.1', port: brokerPort },
      // patientDisplay: initials is the default
      screen: { host: '127.0.0.1', port: screenPort, timeZone: SCREEN_TZ, staff: [{ id: 'n1', name: 'Nurse One', role: 'nurse', pinHash: hashSecret('2468') }] },
      beds: [{ id: 'bed-1', label: 'Bed 1', profile: 'adult' }, { id: 'bed-2', label: 'Bed 2', profile: 'adult' }],
      devices: [
        { id: 'wear-1', bed: 'bed-1', transport: 'mqtt', password: 'dev-1', maxSilenceSeconds: 600 },
        { id: 'wear-2', bed: 'bed-2', transport: 'mqtt', password: 'dev-2', maxSilenceSeconds: 600 },
      ],
      rules: { technical: { noDataSeconds: 900 } },
      sync: { enabled: true, transport: 'mqtt', mqtt: { url: `mqtt://127.0.0.1:${centralPort}`, username: 'gw', password: 'gw-secret', protocolVersion: 4 } },
    });
    gw = await startGatewayProcess(configPath);
    await gw.waitForLog((l) => typeof l.msg === 'string' && /upstream.*(connected|online)/i.test(l.msg), 15_000).catch(() => undefined);
    device = mqtt.connect(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'wear-1', password: 'dev-1', protocolVersion: 4, reconnectPeriod: 200 });
    await new Promise<void>((resolve, reject) => {
      device.once('connect', () => resolve());
      device.once('error', reject);
    });
    url = `http://127.0.0.1:${gw.screenPort}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, timezoneId: BROWSER_TZ });
    page = await context.newPage();
    page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'))));
    await page.goto(url);
    await login();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    device?.end(true);
    await gw?.kill();
    await central?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with patientDisplay initials, neither /api/state nor any WebSocket frame carries the full name or the patient id', async () => {
    central.admission({ gatewayId: 'gw-tz', site: 'test-site', ward: 'ward-tz' }, 'admit', 'bed-1', PATIENT);
    await expect.poll(() => page.textContent('article[data-bed="bed-1"] .patient'), { timeout: 15_000 }).toBe('Z. Q.');
    const state = await page.evaluate(async () => (await fetch('/api/state')).text());
    expect(JSON.parse(state).beds.find((b: { id: string }) => b.id === 'bed-1').patient).toEqual({ initials: 'Z. Q.' });
    expect(frames.some((f) => f.includes('"type":"admission"'))).toBe(true); // the admission was pushed while the page listened
    for (const text of [state, ...frames, await page.content()]) {
      expect(text).not.toContain('Quarterfield');
      expect(text).not.toContain('Zelda');
      expect(text).not.toContain(PATIENT.id);
    }
  });

  it('filters and shows the audit trail in screen.timeZone, not in the browser\'s', async () => {
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(BROWSER_TZ);
    expect((await page.evaluate(async () => (await fetch('/api/beds/bed-2/manual', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ acvpu: 'V' }) })).status))).toBe(200);
    const { rows } = await page.evaluate(async () => (await (await fetch('/api/audit?bed=bed-2')).json()) as { rows: Array<{ at: number; action: string }> });
    const at = rows.find((r) => r.action === 'news2-manual-inputs')!.at;
    const wall = (t: number) => new Intl.DateTimeFormat('sv-SE', { timeZone: SCREEN_TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t).replace(' ', 'T');

    await page.click('#audit-open');
    await page.locator('#audit-dialog').waitFor({ state: 'visible' });
    expect(await page.textContent('#audit-zone')).toBe('Times in Asia/Tokyo');
    await page.selectOption('#audit-bed', 'bed-2');
    await page.fill('#audit-from', wall(at));
    await page.fill('#audit-to', wall(at));
    await page.click('#audit-filter button[type=submit]');
    const timeCell = page.locator('#audit-table tbody td.time');
    await expect.poll(() => timeCell.count()).toBe(1);
    const shown = new Intl.DateTimeFormat('en-GB', { timeZone: SCREEN_TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(at);
    expect(await timeCell.textContent()).toBe(shown);
    const inBrowserZone = new Intl.DateTimeFormat('en-GB', { timeZone: BROWSER_TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
    expect(shown).not.toContain(inBrowserZone);
    // the CSV export carries the same window
    const href = (await page.getAttribute('#audit-csv', 'href'))!;
    const q = new URLSearchParams(href.split('?')[1]);
    expect(Number(q.get('since'))).toBeLessThanOrEqual(at);
    expect(Number(q.get('until'))).toBeGreaterThanOrEqual(at);
    expect(Number(q.get('until')) - Number(q.get('since'))).toBe(59_999);
    await shot('audit-in-screen-time-zone');

    // a window a minute later in the screen's zone holds nothing
    await page.fill('#audit-from', wall(at + 60_000));
    await page.fill('#audit-to', wall(at + 120_000));
    await page.click('#audit-filter button[type=submit]');
    await expect.poll(() => page.textContent('#audit-table tbody')).toContain('Nothing recorded for this filter');
    await page.keyboard.press('Escape');
  });

  it('after a restart, a bed\'s trend chart has the hours before it, not only what arrived since', async () => {
    for (const hr of [71, 73, 75]) {
      await device.publishAsync('vitals/wear-1', JSON.stringify({ t: Date.now(), seq: ++seq, hr, spo2: 97 }), { qos: 1 });
      await new Promise((r) => setTimeout(r, 300));
    }
    await expect.poll(() => page.textContent('article[data-bed="bed-1"] .vital[data-param="hr"] .value')).toBe('75');
    await gw.stop();
    await page.locator('#offline').waitFor({ state: 'visible', timeout: 5000 });
    gw = await startGatewayProcess(configPath); // same ports, same data directory
    const loaded = await gw.waitForLog((l) => l.msg === 'screen: trend history loaded', 20_000);
    console.log(`trend history loaded after the restart: ${String(loaded.readings)} readings in ${String(loaded.ms)} ms`);
    await page.locator('#offline').waitFor({ state: 'hidden', timeout: 20_000 });

    const trends = page.waitForResponse((r) => r.url().endsWith('/api/beds/bed-1/trends'));
    await page.locator('article[data-bed="bed-1"] button.open').click();
    await page.locator('#bed-dialog').waitFor({ state: 'visible' });
    const data = (await (await trends).json()) as { stepMs: number; loading: boolean; params: Record<string, Array<[number, number, number, number]>> };
    expect(data.loading).toBe(false); // loaded (logged above)
    expect(await page.textContent('#trends-title')).toBe('Trends, last 8 h');
    const hr = data.params.hr!;
    // the seeded hours (5 h to 1 h before the start) and the values sent just before the restart
    expect(hr[0]![0]).toBeLessThanOrEqual(started - 5 * HOUR + data.stepMs);
    expect(hr.filter(([t]) => t < started - HOUR + data.stepMs).length).toBeGreaterThan(200);
    expect(hr.at(-1)![1]).toBe(75);
    const figure = page.locator('#trends figure[data-param="hr"]');
    await figure.waitFor({ state: 'visible' });
    expect(Number(await figure.getAttribute('data-first'))).toBe(hr[0]![0]);
    expect(Number(await figure.getAttribute('data-points'))).toBe(hr.length);
    expect(await figure.locator('canvas').count()).toBeGreaterThan(0);
    await shot('detail-trend-after-restart');
    await page.keyboard.press('Escape');
  });
});
