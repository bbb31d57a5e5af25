import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startGatewayProcess, writeConfig, type GatewayProcess } from '../helpers/gateway-process.js';
import { makeWardPki, type WardPki } from '../helpers/tls-pki.js';
import { CHROMIUM, CHROMIUM_ARGS, logIn } from '../helpers/screen-browser.js';

/**
 * The ward screen over HTTPS in Debian's chromium: with the ward CA in the browser's NSS database (made with certutil
 * from libnss3-tools) the page loads, logs in with a Secure cookie and shows an alarm a wearable sent over MQTTS;
 * without the CA chromium refuses the page. The plain broker listener opted into the network shows on the status line.
 */
const SHOTS = join(REPO, 'test-artifacts', 'tls');

/** A HOME whose ~/.pki/nssdb trusts `ca` for TLS servers (chromium on Linux reads its trust store there). */
function homeTrusting(home: string, ca: string | undefined): string {
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-d', `sql:${db}`, '-N', '--empty-password']);
  if (ca) execFileSync('certutil', ['-d', `sql:${db}`, '-A', '-n', 'wardgate ward CA', '-t', 'C,,', '-i', ca]);
  return home;
}

describe.skipIf(!existsSync(CHROMIUM) || !existsSync('/usr/bin/certutil'))('ward screen over HTTPS in chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-https-'));
  let pki: WardPki;
  let gw: GatewayProcess;
  let httpsPort = 0;
  let mqttsPort = 0;
  const contexts: BrowserContext[] = [];

  const launch = async (home: string) => {
    const c = await chromium.launchPersistentContext(join(home, 'profile'), { executablePath: CHROMIUM, args: CHROMIUM_ARGS, env: { ...process.env, HOME: home }, viewport: { width: 1600, height: 1000 } });
    contexts.push(c);
    return c;
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    pki = makeWardPki(join(dir, 'pki'));
    const tls = { host: '127.0.0.1', port: 0, cert: pki.serverCert, key: pki.serverKey };
    gw = await startGatewayProcess(
      writeConfig(dir, {
        gateway: { id: 'gw-https', site: 's', ward: 'ward-https' },
        dataDir: join(dir, 'data'),
        // The plain listener opted into the network: warned at start and on the status line.
        broker: { host: '0.0.0.0', port: 0, allowPlaintextOnNetwork: true, tls },
        screen: { host: '127.0.0.1', port: 0, staff: [{ id: 'n1', name: 'Nurse One', pin: '2468' }], tls },
        beds: [{ id: 'bed-1', label: 'Bed 1', profile: 'adult', overrides: { hr: { delaySeconds: 0 } } }],
        devices: [{ id: 'wear-1', bed: 'bed-1', transport: 'mqtt', password: 'dev-1' }],
        sync: { enabled: false },
      }),
    );
    httpsPort = gw.logs.find((l) => l.msg === 'screen: HTTPS listening')?.port as number;
    mqttsPort = gw.logs.find((l) => l.msg === 'broker: MQTTS listening')?.port as number;
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await gw?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('warns at start that plain MQTT is on the ward network', () => {
    expect(gw.logs.some((l) => l.level === 40 && /^security: plain MQTT .* on the ward network at 0\.0\.0\.0 \(allowPlaintextOnNetwork is true\)$/.test(String(l.msg)))).toBe(true);
  });

  it('with the ward CA trusted: loads over HTTPS (also via the plain redirect), Secure cookie, an MQTTS alarm on screen, the warning on the status line', async () => {
    const context = await launch(homeTrusting(join(dir, 'home-trusting'), pki.ca));
    const page = context.pages()[0] ?? (await context.newPage());
    const response = await page.goto(`http://127.0.0.1:${gw.screenPort}/`);
    expect(page.url()).toBe(`https://127.0.0.1:${httpsPort}/`);
    expect(response?.status()).toBe(200);
    expect(await response?.headerValue('strict-transport-security')).toBe('max-age=15552000');
    await page.locator('#login').waitFor({ state: 'visible' });
    await logIn(page);
    const cookie = (await context.cookies(page.url())).find((c) => c.name === 'wardgate_session');
    expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict' });

    const device = mqtt.connect(`mqtts://localhost:${mqttsPort}`, { username: 'wear-1', password: 'dev-1', protocolVersion: 4, ca: readFileSync(pki.ca) });
    await new Promise<void>((resolve, reject) => {
      device.once('connect', () => resolve());
      device.once('error', reject);
    });
    await device.publishAsync('vitals/wear-1', JSON.stringify({ t: Date.now(), seq: 1, hr: 150 }), { qos: 1 });
    device.end(true);
    await page.locator('li.alarm[data-bed="bed-1"][data-priority="high"]').waitFor({ state: 'visible', timeout: 5000 });
    await expect.poll(() => page.textContent('[data-health="security"]')).toBe('Plaintext MQTT on ward network');
    await page.screenshot({ path: join(SHOTS, 'https-ward-alarm.png') });
  });

  it('without the ward CA chromium refuses the page', async () => {
    const context = await launch(homeTrusting(join(dir, 'home-plain'), undefined));
    const page = context.pages()[0] ?? (await context.newPage());
    await expect(page.goto(`https://127.0.0.1:${httpsPort}/`)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);
  });
});
