import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG_PATH, parseConfig } from '../../config/load.js';

const base = () => parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Record<string, unknown>;

function problemsOf(outputs: unknown): string[] {
  try {
    parseConfig({ ...base(), outputs }, 'test.yaml', {});
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('the outputs: section', () => {
  it('is off by default and valid when addressed', () => {
    const c = parseConfig(base(), 'default.yaml', {});
    expect(c.outputs.alarmManager.enabled).toBe(false);
    expect(c.outputs.ehr.enabled).toBe(false);
    expect(problemsOf({ alarmManager: { enabled: true, host: 'am.hospital.example', port: 2575 }, ehr: { enabled: true, host: 'mirth', port: 6661, parameters: ['hr', 'spo2'] } })).toEqual([]);
  });

  it('names the path of every bad field', () => {
    const p = problemsOf({
      alarmManager: { enabled: true, port: 70000, tls: { enabled: true, cert: '/etc/wardgate/am.crt' }, confirmTimeoutSeconds: 0 },
      ehr: { enabled: true, host: 'mirth', port: 6661, parameters: ['hr', 'heart'], intervalSecs: 60 },
    });
    const text = p.join('\n');
    expect(text).toMatch(/outputs\.alarmManager\.port: /);
    expect(text).toMatch(/outputs\.alarmManager\.confirmTimeoutSeconds: /);
    expect(text).toMatch(/outputs\.ehr\.parameters\[1\]: /);
    expect(text).toMatch(/outputs\.ehr\.intervalSecs: unknown key \(did you mean intervalSeconds\?\)/);
    expect(problemsOf({ alarmManager: { enabled: true, port: 2575, tls: { enabled: true, cert: '/x.crt' } } }).join('\n')).toMatch(/outputs\.alarmManager\.host: required when enabled[\s\S]*outputs\.alarmManager\.tls\.key: cert and key go together/);
  });

  it('`wardgate config check` (from dist) exits 78 with the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-out-cfg-'));
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, JSON.stringify({ ...base(), outputs: { ehr: { enabled: true, port: 6661 } } }));
    const cli = join(DEFAULT_CONFIG_PATH, '../../dist/gateway/cli.js');
    const r = spawnSync(process.execPath, [cli, 'config', 'check', f], { encoding: 'utf8' });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/outputs\.ehr\.host: required when enabled/);
  });
});
