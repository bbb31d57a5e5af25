import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../../simulator/scenario/expectations.js';
import { runScenario } from '../../simulator/scenario/runner.js';
import { parseScenarioText, type Scenario } from '../../simulator/scenario/schema.js';
import { REPO } from '../helpers/gateway-process.js';

const DIR = join(REPO, 'simulator/scenarios');

function load(file: string): Scenario {
  const r = parseScenarioText(readFileSync(join(DIR, file), 'utf8'));
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.scenario;
}

/**
 * Every shipped scenario against the real daemon (spawned on a generated config, with the simulator's central
 * as its upstream), time accelerated; run concurrently so the set takes about as long as the longest one.
 */
describe.concurrent('shipped scenarios pass with --expect against the real gateway', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

  it('ships the four scenarios the README names', () => {
    expect(files.sort()).toEqual(['copd-news2-scale2.yaml', 'device-chaos.yaml', 'normal-ward-24.yaml', 'sepsis-deterioration.yaml']);
  });

  it.each(files)('%s', async (file) => {
    const scenario = load(file);
    const result = await runScenario({ scenario, expect: true });
    expect(result.report, 'the run produced a report').toBeDefined();
    if (!result.report!.passed) throw new Error(`${file} fell short:\n${formatReport(result.report!)}\n\ngateway:\n${result.gatewayTail?.split('\n').slice(-10).join('\n')}`);
    expect(result.sent).toBeGreaterThan(scenario.beds.length * 10);
  }, 180_000);
});

describe('wardgate-sim run --expect exits non-zero with a readable diff when the gateway falls short', () => {
  it('a scenario expecting an alarm that stable vitals cannot cause fails with exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wardgate-sim-cli-'));
    try {
      const path = join(dir, 'impossible.yaml');
      writeFileSync(
        path,
        [
          'name: impossible',
          'speed: 60',
          'durationSeconds: 240',
          'intervalSeconds: 10',
          'beds:',
          '  - { id: bed-01, devices: [{ id: wear-01, transport: mqtt }] }',
          'expect:',
          '  alarms: [{ bed: bed-01, condition: hr-high, priority: high, withinSeconds: 120 }]',
          '  mustNot: [{ bed: bed-01, condition: fall }]',
        ].join('\n'),
      );
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'simulator/cli.ts'), 'run', path, '--expect', '--quiet'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(out).toMatch(/- bed-01 hr-high high within 120 s\s+not raised; bed-01 had no alarm/);
      expect(out).toMatch(/\+ must not: bed-01 fall\s+none/);
      expect(out).toMatch(/FAIL: 1 of 2 expectation/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('an invalid scenario exits 2 and names the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wardgate-sim-cli-'));
    try {
      const path = join(dir, 'bad.json');
      writeFileSync(path, JSON.stringify({ name: 'bad', durationSeconds: 10, beds: [{ id: 'b', devices: [{ id: 'd', transport: 'serial', dialect: 'morse' }] }] }));
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'simulator/cli.ts'), 'check', path], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(2);
      expect(err).toMatch(/beds\[0\]\.devices\[0\]\.dialect: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
