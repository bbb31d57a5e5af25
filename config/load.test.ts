import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig, parseConfig } from './load.js';

const base = () => parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Record<string, unknown> & { beds: unknown[]; devices: Array<Record<string, unknown>> };

function problemsOf(raw: unknown, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(raw, 'test.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config', () => {
  it('accepts the embedded default config', () => {
    const c = loadConfig(DEFAULT_CONFIG_PATH, {});
    expect(c.beds.length).toBeGreaterThanOrEqual(4);
    expect(c.devices.every((d) => c.beds.some((b) => b.id === d.bed))).toBe(true);
    expect(c.broker.port).toBe(1883);
    expect(c.screen.port).toBe(8080);
  });

  it('names the path of a missing required field', () => {
    const raw = base();
    delete raw.devices[0]!.id;
    expect(problemsOf(raw)).toContain('devices[0].id: required');
  });

  it('names nested paths, wrong types and unknown references', () => {
    const raw = base();
    raw.devices[2]!.bed = 'bed-99';
    expect(problemsOf(raw)).toContain("devices[2].bed: unknown bed 'bed-99'");
    const typed = base();
    (typed.broker as Record<string, unknown>).port = 'eighteen';
    (typed.devices[1] as Record<string, unknown>).maxSilenceSeconds = -3;
    const p = problemsOf(typed);
    expect(p.some((x) => x.startsWith('broker.port:'))).toBe(true);
    expect(p.some((x) => x.startsWith('devices[1].maxSilenceSeconds:'))).toBe(true);
  });

  it('rejects duplicate ids, a serial device without a path, and a bad limit band order', () => {
    const raw = base();
    raw.devices.push({ id: 'wearable-01', bed: 'bed-01', transport: 'mqtt', password: 'x' });
    raw.devices.push({ id: 'mon-1', bed: 'bed-01', transport: 'serial', serial: { dialect: 'masimo' } });
    const p = problemsOf(raw);
    expect(p).toContain("devices[4].id: duplicate device id 'wearable-01'");
    expect(p).toContain('devices[5].serial.path: required (or vendorId and productId)');
  });

  it('applies environment overrides and validates them', () => {
    const c = parseConfig(base(), 'x', { WARDGATE_BROKER_PORT: '21883', WARDGATE_SCREEN_PORT: '0', WARDGATE_DATA_DIR: '/tmp/wg', WARDGATE_LOG_LEVEL: 'debug' });
    expect(c.broker.port).toBe(21883);
    expect(c.screen.port).toBe(0);
    expect(c.dataDir).toBe('/tmp/wg');
    expect(c.log.level).toBe('debug');
    expect(problemsOf(base(), { WARDGATE_BROKER_PORT: '99999' })).toContain("WARDGATE_BROKER_PORT: must be a port number 0-65535, got '99999'");
    expect(problemsOf(base(), { WARDGATE_LOG_LEVEL: 'loud' }).some((p) => p.startsWith('log.level:'))).toBe(true);
  });

  it('reports YAML syntax errors with a line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-cfg-'));
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'gateway:\n  id: [unclosed\n');
    expect(() => loadConfig(f, {})).toThrow(/line \d+/);
  });

  it('`wardgate config check` exits 78 with the field path, and 0 for a good file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-cfg-'));
    const bad = base();
    (bad.beds[2] as Record<string, unknown>).id = '';
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, JSON.stringify(bad));
    const cli = join(DEFAULT_CONFIG_PATH, '../../gateway/cli.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'config', 'check', f], { encoding: 'utf8' });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/beds\[2\]\.id: /);
    const ok = spawnSync(process.execPath, ['--import', 'tsx', cli, 'config', 'check', DEFAULT_CONFIG_PATH], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/ok/);
  });

  it('a bed naming an unknown profile fails the check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-cfg-'));
    const bad = base();
    (bad.beds[0] as Record<string, unknown>).profile = 'martian';
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, JSON.stringify(bad));
    const cli = join(DEFAULT_CONFIG_PATH, '../../gateway/cli.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'config', 'check', f], { encoding: 'utf8' });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/martian/);
  });
});
