import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG_PATH, parseConfig } from './load.js';
import { nearestKey } from './unknown-keys.js';

type Raw = Record<string, unknown> & { beds: Array<Record<string, unknown>>; devices: Array<Record<string, unknown>>; screen: Record<string, unknown> };
const base = () => parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Raw;
const cli = join(DEFAULT_CONFIG_PATH, '../../gateway/cli.ts');

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('misspelt config keys are rejected with the path and the nearest valid key', () => {
  it('in every section: beds, devices, top level, screen, nested serial and rules settings', () => {
    const c = base();
    c.beds[0]!.profle = 'adult';
    c.buzer = { backend: 'none' };
    c.devices[3]!.maxSilenceSecs = 30;
    c.screen.sesionHours = 8;
    c.hl7Listener = { enabld: true };
    c.rules = { lifecycle: { audioPauseSecs: 60 } };
    expect(problemsOf(c).sort()).toEqual(
      [
        'beds[0].profle: unknown key (did you mean profile?)',
        'buzer: unknown key (did you mean buzzer?)',
        'devices[3].maxSilenceSecs: unknown key (did you mean maxSilenceSeconds?)',
        'screen.sesionHours: unknown key (did you mean sessionHours?)',
        'hl7Listener.enabld: unknown key (did you mean enabled?)',
        'rules.lifecycle.audioPauseSecs: unknown key (did you mean audioPauseSeconds?)',
      ].sort(),
    );
  });

  it('no suggestion for a key like none of the valid ones', () => {
    expect(nearestKey('colour', ['profile', 'overrides', 'patientId'])).toBeUndefined();
    const c = base();
    c.beds[0]!.colour = 'blue';
    expect(problemsOf(c)).toEqual(['beds[0].colour: unknown key']);
  });

  it('checks that used to fail only at start are in the schema: duplicate BLE address, IntelliVue by USB id', () => {
    const c = base();
    c.beds.push({ id: 'b9' });
    c.devices.push(
      { id: 'ble-a', bed: 'b9', transport: 'ble', ble: { address: 'AA:BB:CC:DD:EE:01', profiles: ['heart-rate'] } },
      { id: 'ble-b', bed: 'b9', transport: 'ble', ble: { address: 'aa:bb:cc:dd:ee:01', profiles: ['battery'] } },
      { id: 'iv', bed: 'b9', transport: 'serial', serial: { vendorId: '0403', productId: '6001', dialect: 'intellivue' } },
    );
    const n = c.devices.length;
    expect(problemsOf(c)).toEqual([
      `devices[${n - 2}].ble.address: duplicate BLE address AA:BB:CC:DD:EE:01 (also devices[${n - 3}])`,
      `devices[${n - 1}].serial.path: required for an IntelliVue (its session is opened by path, not by USB vendor/product id)`,
    ]);
  });

  it('a misspelt key exits 78 from `config check` and from `run`, naming the path and the nearest key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-strict-'));
    const c = base();
    c.devices[3]!.maxSilenceSecs = 30;
    c.dataDir = join(dir, 'data');
    const f = join(dir, 'misspelt.yaml');
    writeFileSync(f, stringify(c));
    const check = spawnSync(process.execPath, ['--import', 'tsx', cli, 'config', 'check', f], { encoding: 'utf8' });
    expect(check.status).toBe(78);
    expect(check.stderr).toContain('devices[3].maxSilenceSecs: unknown key (did you mean maxSilenceSeconds?)');
    const run = spawnSync(process.execPath, ['--import', 'tsx', cli, 'run', '--config', f], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('devices[3].maxSilenceSecs: unknown key (did you mean maxSilenceSeconds?)');
  }, 40_000);

  it('`run` exits 78 for a bed naming an unknown profile (a config error found at start)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-strict-'));
    const c = base();
    c.beds[0]!.profile = 'martian';
    c.dataDir = join(dir, 'data');
    const f = join(dir, 'martian.yaml');
    writeFileSync(f, stringify(c));
    const run = spawnSync(process.execPath, ['--import', 'tsx', cli, 'run', '--config', f], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(78);
    expect(run.stderr).toMatch(/martian/);
  }, 30_000);
});
