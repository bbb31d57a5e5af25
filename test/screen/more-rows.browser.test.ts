import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcd01Message } from '../../drivers/serial/hl7/fixtures.js';
import { encodeMllp } from '../../drivers/serial/hl7/mllp.js';
import { REPO, startGatewayProcess, writeConfig, type GatewayProcess } from '../helpers/gateway-process.js';
import { CHROMIUM, CHROMIUM_ARGS, logIn } from '../helpers/screen-browser.js';

const run = promisify(execFile);
const MLLP_SEND = '/usr/bin/mllp_send';
const SHOTS = join(REPO, 'test-artifacts', 'screen');

/**
 * The bed's "more" rows in Debian's chromium against the real daemon: an HL7 feed (sent with python3-hl7's mllp_send
 * to the MLLP listener) carrying extended-vocabulary parameters (pulmonary artery mean, ST II in mV) and numerics
 * whose codes the parameter table does not map (an MDC term and a vendor's own code). The extended ones show as
 * labelled rows in canonical units; the unmapped ones as "more" rows marked unmapped, shown as sent; neither raises
 * an alarm or enters NEWS2 on a bed whose profile has no limits for them.
 */
describe.skipIf(!existsSync(CHROMIUM) || !existsSync(MLLP_SEND))("the bed's more rows in chromium against the real daemon", { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-more-rows-'));
  let gw: GatewayProcess;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    gw = await startGatewayProcess(
      writeConfig(dir, {
        gateway: { id: 'gw-more', site: 'test-site', ward: 'icu' },
        dataDir: join(dir, 'data'),
        log: { level: 'info' },
        broker: { port: 0 },
        screen: { port: 0, staff: [{ id: 'n1', name: 'Nurse One', pin: '2468' }] },
        hl7Listener: { enabled: true, port: 0 },
        beds: [{ id: 'bed-1', label: 'Bed 1', profile: 'adult' }],
        devices: [{ id: 'mon-1', bed: 'bed-1', transport: 'hl7-tcp', hl7: { bed: 'BED-1' } }],
        sync: { enabled: false },
      }),
    );
    context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1600, height: 1000 } });
    page = context.pages()[0] ?? (await context.newPage());
    await logIn(page, `http://127.0.0.1:${gw.screenPort}/`);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await gw?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows extended parameters by name and unmapped codes as sent, marked unmapped, and scores neither', async () => {
    const port = (await gw.waitForLog((l) => l.msg === 'hl7: MLLP listener listening')).port as number;
    const file = join(dir, 'feed.hl7');
    writeFileSync(file, encodeMllp(pcd01Message({
      controlId: 'MORE1',
      bed: 'BED-1',
      obx: [
        'OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
        'OBX|2|NM|150047^MDC_PRESS_BLD_ART_PULM_MEAN^MDC|1.3.1.150047|45|266016^MDC_DIM_MMHG^MDC|||||F',
        'OBX|3|NM|131842^MDC_ECG_AMPL_ST_II^MDC|1.1.2.131842|0.25|266418^MDC_DIM_MILLI_VOLT^MDC|||||F',
        'OBX|4|NM|152872^MDC_CONC_MAC^MDC|1.6.1.152872|0.8|262688^MDC_DIM_PERCENT^MDC|||||F',
        'OBX|5|NM|478^MNDRY_PULS_OXIM_PLETH_VAR_INDEX^99MNDRY|1.3.1.478|14|262688^MDC_DIM_PERCENT^MDC|||||F',
      ],
    })));
    const sent = await run(MLLP_SEND, ['-p', String(port), '-f', file, '127.0.0.1']);
    expect(sent.stdout).toMatch(/MSA\|AA\|MORE1/);

    const tile = page.locator('article[data-bed="bed-1"]');
    await expect.poll(() => tile.locator('.vital[data-param="hr"] .value').textContent(), { timeout: 5000 }).toBe('72');
    await tile.locator('button.open').click();
    await page.locator('#bed-dialog').waitFor({ state: 'visible' });
    const rows = page.locator('#detail-vitals tbody');

    // Extended vocabulary: its own labelled rows, canonical units (ST II from mV to mm at 10 mm/mV), not marked unmapped.
    await expect.poll(() => rows.locator('tr[data-param="pap_mean"]').count(), { timeout: 5000 }).toBe(1);
    const pap = rows.locator('tr[data-param="pap_mean"]');
    expect(await pap.locator('th').textContent()).toBe('Pulmonary artery mean');
    expect(await pap.locator('td.num').textContent()).toBe('45');
    expect(await pap.getAttribute('class') ?? '').not.toContain('unmapped');
    expect(await pap.getAttribute('title')).toBeNull();
    const st = rows.locator('tr[data-param="st_ii"]');
    expect(await st.locator('th').textContent()).toBe('ST II');
    expect(Number(await st.locator('td.num').textContent())).toBe(2.5);
    expect(await st.locator('td').nth(1).textContent()).toBe('mm');

    // Unmapped codes: the "more" rows, as the device sent them, marked unmapped and never scored.
    const mac = rows.locator('tr.unmapped[data-code="MDC:152872"]');
    await expect.poll(() => mac.count(), { timeout: 5000 }).toBe(1);
    expect(await mac.locator('th').textContent()).toBe('MDC_CONC_MAC (unmapped)');
    expect(await mac.locator('td.num').textContent()).toBe('0.8');
    expect(await mac.locator('td').nth(1).textContent()).toBe('MDC_DIM_PERCENT');
    expect(await mac.getAttribute('title')).toBe('not mapped: shown as sent, never scored');
    const vendor = rows.locator('tr.unmapped[data-code="99MNDRY:478"]');
    expect(await vendor.locator('th').textContent()).toBe('MNDRY_PULS_OXIM_PLETH_VAR_INDEX (unmapped)');
    expect(await vendor.locator('td.num').textContent()).toBe('14');
    expect(await rows.locator('tr.unmapped').count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'more-rows.png'), fullPage: true });

    // Not scored: no alarm on the bed, and NEWS2 counts only the heart rate (its missing inputs name none of them).
    expect(await page.locator('#detail-alarms li').allTextContents()).toEqual(['No alarms']);
    const news2 = (await page.textContent('#detail-news2')) ?? '';
    expect(news2).toMatch(/^NEWS2 0 — .*incomplete, missing /);
    expect(news2).not.toMatch(/MAC|MNDRY|unmapped|Pulmonary|ST II/);
    expect(await tile.getAttribute('data-priority')).toBe('none');
    const metrics = await (await fetch(`http://127.0.0.1:${gw.screenPort}/metrics`)).text();
    expect(metrics).toMatch(/wardgate_unmapped_codes_total\{code="MDC:152872"\} 1/);
    expect(metrics).toMatch(/wardgate_unmapped_codes_total\{code="99MNDRY:478"\} 1/);
  });

  it('says which systolic NEWS2 scored: the arterial line, then the newer cuff reading', async () => {
    // Runs after the test above, with the bed's dialog still open.
    const port = (await gw.waitForLog((l) => l.msg === 'hl7: MLLP listener listening')).port as number;
    const send = async (controlId: string, obx: string) => {
      const file = join(dir, `${controlId}.hl7`);
      writeFileSync(file, encodeMllp(pcd01Message({ controlId, bed: 'BED-1', obx: [obx] })));
      expect((await run(MLLP_SEND, ['-p', String(port), '-f', file, '127.0.0.1'])).stdout).toMatch(new RegExp(`MSA\\|AA\\|${controlId}`));
    };
    await page.locator('#bed-dialog').waitFor({ state: 'visible' });
    await send('SBP1', 'OBX|1|NM|150037^MDC_PRESS_BLD_ART_ABP_SYS^MDC|1.2.1.150037|118|266016^MDC_DIM_MMHG^MDC|||||F');
    await expect.poll(() => page.textContent('#detail-news2'), { timeout: 5000 }).toContain(' — SBP 118 (arterial line)');
    await send('SBP2', 'OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.4.1.150021|121|266016^MDC_DIM_MMHG^MDC|||||F');
    await expect.poll(() => page.textContent('#detail-news2'), { timeout: 5000 }).toContain(' — SBP 121 (cuff)');
    expect(await page.textContent('#detail-news2')).not.toContain('arterial line');
  });

  it("shows the monitor's own alarm texts in its alarm row, and the new one when another alarm joins its priority", async () => {
    const port = (await gw.waitForLog((l) => l.msg === 'hl7: MLLP listener listening')).port as number;
    const send = async (controlId: string, obx: string[]) => {
      const file = join(dir, `${controlId}.hl7`);
      writeFileSync(file, encodeMllp(pcd01Message({ controlId, bed: 'BED-1', obx })));
      expect((await run(MLLP_SEND, ['-p', String(port), '-f', file, '127.0.0.1'])).stdout).toMatch(new RegExp(`MSA\\|AA\\|${controlId}`));
    };
    const asystole = 'OBX|1|CWE|^MDC_EVT_ECG_ASYSTOLE^MDC|1.1.1.1|^Asystole|||PH~SP|||F';
    const vf = 'OBX|2|CWE|196616^MDC_EVT_ALARM^MDC|1.1.1.2|^VF|||PH~SP|||F';
    await page.keyboard.press('Escape'); // the bed's dialog of the tests above, closed: the alarm panel in view
    await page.locator('#bed-dialog').waitFor({ state: 'hidden' });
    const texts = page.locator('#alarm-list li.alarm[data-bed="bed-1"] .device-texts');
    await send('DEV1', [asystole]);
    await expect.poll(() => texts.textContent(), { timeout: 5000 }).toBe(' · on monitor mon-1: Asystole');
    await send('DEV2', [asystole, vf]);
    await expect.poll(() => texts.textContent(), { timeout: 5000 }).toBe(' · on monitor mon-1: Asystole; VF');
    await page.screenshot({ path: join(SHOTS, 'device-alarm-row.png'), fullPage: true });
    await send('DEV3', ['OBX|1|CWE|^MDC_EVT_ECG_ASYSTOLE^MDC|1.1.1.1||||||F']);
    await expect.poll(() => texts.count(), { timeout: 5000 }).toBe(0);
  });
});
