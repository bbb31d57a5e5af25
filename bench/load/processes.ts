/** The processes under test, each run apart from the bench: the real gateway from dist/, and the ceiling broker. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { followLogLines } from '../../gateway/log-lines.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningProcess {
  child: ChildProcess;
  pid: number;
  brokerPort: number;
  /** The gateway's screen port (/metrics), 0 for the ceiling. */
  screenPort: number;
  /** Spawn to ready, wall milliseconds. */
  startMs: number;
  stderr: string[];
  stop(): Promise<number | null>;
}


function stopper(child: ChildProcess): () => Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 8000);
    const code = await exited;
    clearTimeout(t);
    return code;
  };
}

/**
 * Starts `node [nodeArgs] dist/gateway/cli.js run --config FILE` and resolves at its 'wardgate: ready' log line.
 * `startMs` is the wall time from spawn to that line (Node's own start-up included).
 */
export function startGateway(configPath: string, nodeArgs: string[] = [], timeoutMs = 20_000, root = REPO): Promise<RunningProcess> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'dist/gateway/cli.js'), 'run', '--config', configPath], {
    cwd: REPO,
    env: { ...process.env, WARDGATE_LOG_JSON: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
  return new Promise((resolve, reject) => {
    let brokerPort = 0;
    let screenPort = 0;
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`gateway not ready in ${timeoutMs} ms: ${stderr.join('').slice(-2000)}`)), timeoutMs);
    child.once('exit', (code) => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`gateway exited (${String(code)}) before ready: ${stderr.join('').slice(-2000)}`));
      }
    });
    // BENCH_GATEWAY_STDOUT=FILE keeps the gateway's whole stdout (e.g. with --trace-gc in BENCH_GATEWAY_NODE_ARGS).
    const keep = process.env.BENCH_GATEWAY_STDOUT;
    if (keep) child.stdout!.pipe(createWriteStream(keep, { flags: 'a' }));
    followLogLines(child.stdout!, (l) => {
      if (ready) return;
      if (l.msg === 'broker: listening') brokerPort = l.port as number;
      if (l.msg === 'screen: listening') screenPort = l.port as number;
      if (l.msg === 'wardgate: ready') {
        ready = true;
        clearTimeout(timer);
        resolve({ child, pid: child.pid!, brokerPort, screenPort, startMs: performance.now() - t0, stderr, stop: stopper(child) });
      }
    });
  });
}

/** Starts the ceiling broker (bench/load/ceiling-broker.ts) on the same config's devices and beds. */
export function startCeiling(configPath: string, timeoutMs = 20_000): Promise<RunningProcess> {
  const t0 = performance.now();
  // Built like the gateway (npm run build compiles bench/ too); from source through tsx when dist/ lacks it.
  const built = join(REPO, 'dist/bench/load/ceiling-broker.js');
  const args = existsSync(built) ? [built] : ['--import', 'tsx', join(REPO, 'bench/load/ceiling-broker.ts')];
  const child = spawn(process.execPath, [...args, configPath], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`ceiling not ready in ${timeoutMs} ms: ${stderr.join('')}`)), timeoutMs);
    child.once('exit', (code) => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`ceiling exited (${String(code)}): ${stderr.join('').slice(-2000)}`));
      }
    });
    followLogLines(child.stdout!, (l) => {
      if (ready || !l.ready || typeof l.port !== 'number') return;
      ready = true;
      clearTimeout(timer);
      resolve({ child, pid: child.pid!, brokerPort: l.port, screenPort: 0, startMs: performance.now() - t0, stderr, stop: stopper(child) });
    });
  });
}

/** Reads one counter family from the gateway's /metrics (summed over labels). */
export async function scrapeCounter(screenPort: number, name: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${screenPort}/metrics`);
  const text = await res.text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
