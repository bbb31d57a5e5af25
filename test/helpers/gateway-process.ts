import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { followLogLines } from '../../gateway/log-lines.js';
import { serviceNodeArgs } from './service-node-args.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface GatewayProcess {
  child: ChildProcess;
  brokerPort: number;
  screenPort: number;
  /** Every log line (parsed JSON) so far. */
  logs: Array<Record<string, unknown>>;
  stderr: string[];
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  kill(): Promise<void>;
  waitForLog(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Writes `config` as YAML to `dir/wardgate.yaml` and returns its path. */
export function writeConfig(dir: string, config: Record<string, unknown>, name = 'wardgate.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, stringify(config));
  return path;
}

export interface GatewayProcessOptions {
  /**
   * Run the built daemon (dist/, from `npm run build`) with the Node.js flags of the systemd unit, as a ward runs
   * it, instead of the sources through tsx. For tests that measure memory: tsx's loader and V8's default young
   * generation are not what a ward runs.
   */
  asInstalled?: boolean;
  /** More Node.js flags, after the unit's (e.g. `--heapsnapshot-signal=SIGUSR2` to look inside a soak). */
  nodeArgs?: string[];
}

/**
 * Runs the real daemon (`wardgate run --config FILE`) from source through tsx (or built, see `asInstalled`), on
 * the ports in the config (use 0: the actual ports are read from its start-up log). Resolves when it logs
 * 'wardgate: ready'.
 */
export async function startGatewayProcess(configPath: string, env: Record<string, string> = {}, timeoutMs = 20_000, options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
  const extra = options.nodeArgs ?? [];
  const entry = options.asInstalled ? [...serviceNodeArgs(), ...extra, builtCli()] : [...extra, '--import', 'tsx', join(REPO, 'gateway/cli.ts')];
  const child = spawn(process.execPath, [...entry, 'run', '--config', configPath], {
    cwd: REPO,
    env: { ...process.env, WARDGATE_LOG_JSON: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const waiters = new Set<{ pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }>();
  followLogLines(
    child.stdout!,
    (l) => {
      logs.push(l);
      for (const w of waiters) if (w.pred(l)) {
        waiters.delete(w);
        w.resolve(l);
      }
    },
    (line) => stderr.push(line),
  );
  child.stderr!.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLog = (pred: (l: Record<string, unknown>) => boolean, ms = timeoutMs) => {
    const found = logs.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const w = { pred, resolve: (l: Record<string, unknown>) => { clearTimeout(t); resolve(l); } };
      const t = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`timed out waiting for a log line; stderr: ${stderr.join('').slice(-2000)}`));
      }, ms);
      waiters.add(w);
      exited.then(() => {
        if (waiters.has(w)) {
          waiters.delete(w);
          clearTimeout(t);
          reject(new Error(`gateway exited (${String(child.exitCode)}) before the log line; stderr: ${stderr.join('').slice(-2000)}`));
        }
      });
    });
  };

  await waitForLog((l) => l.msg === 'wardgate: ready', timeoutMs);
  const brokerPort = (logs.find((l) => l.msg === 'broker: listening')?.port as number) ?? 0;
  const screenPort = (logs.find((l) => l.msg === 'screen: listening')?.port as number) ?? 0;
  return {
    child,
    brokerPort,
    screenPort,
    logs,
    stderr,
    waitForLog,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** dist/gateway/cli.js; `npm test` and `npm run test:reliability` build it first. */
function builtCli(): string {
  const cli = join(REPO, 'dist/gateway/cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  return cli;
}
