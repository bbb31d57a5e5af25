import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { followLogLines } from '../../gateway/log-lines.js';
import { REPO } from '../helpers/gateway-process.js';
import type { Received } from '../../simulator/ihe/mllp-receiver.js';

/** One message as the reference counterpart recorded it (simulator/ihe/mllp-receiver.ts `Received`). */
export type Recorded = Omit<Received, 'reading'> & {
  reading?: Record<string, unknown> & { alertId?: string; phase?: string; watchdog?: boolean; state?: string; bed?: string };
};

export function readRecord(file: string): Recorded[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Recorded);
}

export interface SimProcess {
  child: ChildProcess;
  port: number;
  stdout: string[];
  /** SIGUSR1: stop answering (a hung receiver), or answer again. */
  toggleMute(): void;
  /** SIGTERM; resolves with the exit code (0 = verdict PASS) and everything it printed. */
  stop(): Promise<{ code: number | null; stdout: string }>;
  kill(): Promise<void>;
}

/** Spawns `wardgate-sim alarm-manager|ehr` from dist/ on `port` and waits until it listens. */
export async function startSim(kind: 'alarm-manager' | 'ehr', port: number, args: string[] = []): Promise<SimProcess> {
  const child = spawn(process.execPath, [join(REPO, 'dist/simulator/cli.js'), kind, '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (c: string) => stdout.push(c));
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${kind} did not start: ${stderr}`)), 10_000);
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      if (/listening on/.test(stderr)) {
        clearTimeout(t);
        resolve();
      }
    });
    void exited.then((code) => reject(new Error(`${kind} exited ${String(code)}: ${stderr}`)));
  });
  return {
    child,
    port,
    stdout,
    toggleMute: () => child.kill('SIGUSR1'),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      return { code, stdout: stdout.join('') };
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface DistGateway {
  child: ChildProcess;
  brokerPort: number;
  screenPort: number;
  logs: Array<Record<string, unknown>>;
  waitForLog(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

/** The real daemon from dist/ (`node dist/gateway/cli.js run`), ready when it logs 'wardgate: ready'. */
export async function startDistGateway(configPath: string, timeoutMs = 20_000): Promise<DistGateway> {
  const child = spawn(process.execPath, [join(REPO, 'dist/gateway/cli.js'), 'run', '--config', configPath], {
    cwd: REPO,
    env: { ...process.env, WARDGATE_LOG_JSON: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  followLogLines(child.stdout!, (l) => logs.push(l), (line) => stderr.push(line));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitForLog = async (pred: (l: Record<string, unknown>) => boolean, ms = timeoutMs) => {
    const until = Date.now() + ms;
    for (;;) {
      const found = logs.find(pred);
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}); stderr: ${stderr.join('').slice(-2000)}`);
      if (Date.now() > until) throw new Error(`timed out waiting for a log line; stderr: ${stderr.join('').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await waitForLog((l) => l.msg === 'wardgate: ready');
  return {
    child,
    brokerPort: (logs.find((l) => l.msg === 'broker: listening')?.port as number) ?? 0,
    screenPort: (logs.find((l) => l.msg === 'screen: listening')?.port as number) ?? 0,
    logs,
    waitForLog,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Logs in to the ward screen and returns a function that POSTs a screen action. */
export async function screenSession(port: number, staffId: string, pin: string): Promise<{ post: (path: string, body?: unknown) => Promise<Response>; get: (path: string) => Promise<unknown> }> {
  const base = `http://127.0.0.1:${port}`;
  const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId, pin }) });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  return {
    post: (path, body = {}) => fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', cookie, origin: base }, body: JSON.stringify(body) }),
    get: async (path) => (await fetch(`${base}${path}`, { headers: { cookie } })).json(),
  };
}

/** Distinct PCD-04 messages per alert in arrival order (resends with the same MSH-10 dropped), watchdogs left out. */
export function alertPhases(rec: Recorded[]): Map<string, string[]> {
  const seen = new Set<string>();
  const out = new Map<string, string[]>();
  for (const r of rec) {
    if (!r.reading || r.reading.watchdog || seen.has(r.controlId)) continue;
    seen.add(r.controlId);
    const id = String(r.reading.alertId);
    out.set(id, [...(out.get(id) ?? []), String(r.reading.phase)]);
  }
  return out;
}
