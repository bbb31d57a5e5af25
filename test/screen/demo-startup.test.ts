import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';

/**
 * `wardgate demo` (what `npm start` runs) with its stdout piped, as a CI log or a pipe into `tee` sees it: exactly
 * one human line with the screen's URL, the demo login and where the logs are; the JSON logs in that file; Ctrl-C
 * (SIGINT) stops it with exit 0 and no warning anywhere.
 */
describe('demo start-up line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-demo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one line with URL, login and log file; a clean Ctrl-C prints nothing else and warns nowhere', async () => {
    const [broker, screen, central] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'gateway/cli.ts'), 'demo'], {
      cwd: REPO,
      env: { ...process.env, WARDGATE_DATA_DIR: join(dir, 'data'), WARDGATE_BROKER_PORT: String(broker), WARDGATE_SCREEN_PORT: String(screen), WARDGATE_SYNC_URL: `mqtt://127.0.0.1:${central}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await expect.poll(() => out, { timeout: 30_000 }).toContain('\n');
    const logFile = join(dir, 'data', 'demo.log');
    expect(out).toBe(`wardgate demo: ward screen at http://127.0.0.1:${screen} — log in with staff id n100, PIN 1234 — logs in ${logFile} — Ctrl-C stops\n`);
    const page = await fetch(`http://127.0.0.1:${screen}/`);
    expect(page.status).toBe(200);
    // let the wearables connect and the centre link come up, so the stop has something to close
    await expect.poll(() => readFileSync(logFile, 'utf8'), { timeout: 15_000 }).toContain('upstream: connected');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out.split('\n').filter(Boolean)).toHaveLength(1);
    expect(err).toBe('');
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.at(-1)!.msg).toBe('wardgate: stopped');
    const shutdown = lines.slice(lines.findIndex((l) => l.msg === 'shutting down'));
    expect(shutdown.filter((l) => l.level >= 40)).toEqual([]);
  }, 60_000);
});
