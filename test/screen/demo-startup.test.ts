import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

  // A real terminal: util-linux `script` runs the demo on a pseudo-terminal; Ctrl-C is typed into it.
  it.skipIf(!existsSync('/usr/bin/script'))('on a terminal: the line, then pretty logs; Ctrl-C ends it cleanly without a warning', async () => {
    const [broker, screen, central] = [await freePort(), await freePort(), await freePort()];
    // `exec`: script runs the command through $SHELL -c, and dash (Debian's /bin/sh, CI's shell) forks instead of
    // exec'ing; a non-interactive dash dies of the terminal's SIGINT itself (exit 130) whatever the gateway does.
    const cmd = `exec ${process.execPath} --import tsx gateway/cli.ts demo`;
    const child = spawn('/usr/bin/script', ['-q', '-e', '-c', cmd, '/dev/null'], {
      cwd: REPO,
      env: { ...process.env, WARDGATE_LOG_JSON: '', WARDGATE_DATA_DIR: join(dir, 'tty'), WARDGATE_BROKER_PORT: String(broker), WARDGATE_SCREEN_PORT: String(screen), WARDGATE_SYNC_URL: `mqtt://127.0.0.1:${central}` },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // eslint-disable-next-line no-control-regex
    const plain = () => out.replace(/\x1b\[[0-9;]*m/g, '');
    await expect.poll(plain, { timeout: 30_000 }).toContain(`wardgate demo: ward screen at http://127.0.0.1:${screen} — log in with staff id n100, PIN 1234`);
    // the signal handlers are in place once 'demo: ward running' is out (same tick); the centre link is up to close
    await expect.poll(plain, { timeout: 15_000 }).toContain('demo: ward running');
    await expect.poll(plain, { timeout: 15_000 }).toContain('upstream: connected');
    expect(plain()).toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] INFO: demo: ward running/); // pretty, not JSON
    expect(plain()).not.toContain('{"level"');
    const before = plain().length;
    child.stdin.write('\x03'); // Ctrl-C on the terminal
    expect(await exited).toBe(0);
    const tail = plain().slice(before);
    expect(tail).toContain('wardgate: stopped');
    expect(tail).not.toMatch(/WARN|ERROR|Warning|warning/);
  }, 60_000);
});
