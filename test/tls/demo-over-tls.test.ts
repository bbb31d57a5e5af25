import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { REPO } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The demo ward (`wardgate demo`, the shipped default config) with broker.tls and screen.tls added, certificates
 * from `wardgate cert init`: its simulated wearables connect over MQTTS and the screen is served over HTTPS.
 */
describe('the demo ward over MQTTS and HTTPS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-demo-tls-'));
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('wearables connect over MQTTS and the screen answers over HTTPS with the ward CA', { timeout: 90_000 }, async () => {
    const tlsDir = join(dir, 'tls');
    const init = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'gateway/cli.ts'), 'cert', 'init', '--dir', tlsDir, '--names', 'localhost,127.0.0.1'], { encoding: 'utf8', cwd: REPO });
    expect(init.status).toBe(0);
    expect(init.stdout).toMatch(/CA SHA-256 fingerprint[^\n]*\n\s+([0-9A-F]{2}:){31}[0-9A-F]{2}\n/);
    const config = parse(readFileSync(join(REPO, 'config/default.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
    const files = { cert: join(tlsDir, 'server.crt'), key: join(tlsDir, 'server.key') };
    config.dataDir = join(dir, 'data') as never;
    config.broker = { ...config.broker, port: 0, tls: { host: '127.0.0.1', port: 0, ...files, clientCa: join(tlsDir, 'ca.crt') } };
    config.screen = { ...config.screen, port: 0, tls: { host: '127.0.0.1', port: 0, ...files } };
    (config.sync as { mqtt: { url: string } }).mqtt.url = `mqtt://127.0.0.1:${await freePort()}`;
    const path = join(dir, 'demo.yaml');
    writeFileSync(path, stringify(config));

    child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'gateway/cli.ts'), 'demo', '--config', path], { cwd: REPO, env: { ...process.env, WARDGATE_LOG_JSON: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    // The demo prints one human line on stdout and writes its JSON log to <dataDir>/demo.log.
    const logFile = join(dir, 'data', 'demo.log');
    let logs: Array<Record<string, unknown>> = [];
    const readLogs = (): Array<Record<string, unknown>> => {
      if (!existsSync(logFile)) return [];
      return readFileSync(logFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    const running = await waitFor(() => (logs = readLogs()).find((l) => String(l.msg).startsWith('demo: ward running')), 30_000, 'the demo ward running');
    expect(running.broker).toMatch(/^mqtts:\/\/localhost:\d+$/);
    expect(running.screen).toMatch(/^https:\/\/localhost:\d+$/);
    const plainPort = logs.find((l) => l.msg === 'screen: listening')?.port as number;
    // the four simulated wearables are connected (over MQTTS: the demo uses it whenever broker.tls is set)
    await waitFor(async () => {
      const r = await fetch(`http://127.0.0.1:${plainPort}/readyz`);
      return JSON.stringify(await r.json()).includes('4 of 4 devices connected');
    }, 20_000, '4 of 4 wearables connected');
    logs = readLogs();
    expect(logs.some((l) => l.msg === 'demo: wearable error')).toBe(false);
    const curl = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', join(tlsDir, 'ca.crt'), `${String(running.screen)}/`], { encoding: 'utf8' });
    expect(curl.stdout).toBe('200');
  });
});
