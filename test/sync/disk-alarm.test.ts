import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { gatewayConfig } from './gateway-harness.js';

describe('disk budget in the daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-sync-disk-'));
  let upstream: Mosquitto;
  let gw: GatewayProcess | undefined;

  afterAll(async () => {
    await gw?.kill();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a database near its budget raises the disk-budget technical alarm (bed "gateway", low priority)', async () => {
    upstream = await startMosquitto(join(dir, 'mosquitto'), { gw: 'gw-secret' });
    gw = await startGatewayProcess(gatewayConfig(dir, upstream, 'gw-disk', { store: { budgetMB: 0.05 } }));
    const alarm = await gw.waitForLog((l) => l.msg === 'alarm' && l.condition === 'disk-budget', 10_000);
    expect(alarm).toMatchObject({ bed: 'gateway', state: 'active', priority: 'low' });
    expect(gw.logs.some((l) => l.msg === 'store: nearing the disk budget; undelivered incidents are kept')).toBe(true);
  });
});
