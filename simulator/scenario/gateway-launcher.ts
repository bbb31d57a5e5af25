import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { followLogLines } from '../../gateway/log-lines.js';

/** The real daemon, spawned by the simulator on a generated config. */
export interface LaunchedGateway {
  brokerPort: number;
  screenPort: number;
  child: ChildProcess;
  /** Last lines the daemon printed that were not JSON log lines, and its last log lines. */
  tail(): string;
  stop(): Promise<number | null>;
}

/** `wardgate run` from source (through tsx) when the simulator runs from source, else the built dist/gateway/cli.js. */
function daemonCommand(): { args: string[]; cwd: string } {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) {
    const repo = fileURLToPath(new URL('../../', import.meta.url));
    return { args: ['--import', 'tsx', fileURLToPath(new URL('../../gateway/cli.ts', import.meta.url))], cwd: repo };
  }
  return { args: [fileURLToPath(new URL('../../gateway/cli.js', import.meta.url))], cwd: process.cwd() };
}

/** Starts `wardgate run --config FILE` and resolves when it logs 'wardgate: ready', with the ports it bound. */
export async function launchGateway(configPath: string, timeoutMs = 30_000): Promise<LaunchedGateway> {
  const { args, cwd } = daemonCommand();
  const child = spawn(process.execPath, [...args, 'run', '--config', configPath], {
    cwd,
    env: { ...process.env, WARDGATE_LOG_JSON: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 40) recent.shift();
  };
  let brokerPort = 0;
  let screenPort = 0;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway not ready within ${timeoutMs} ms:\n${recent.join('\n')}`)), timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${String(code)}) before it was ready:\n${recent.join('\n')}`));
    });
    followLogLines(
      child.stdout!,
      (l) => {
        remember(JSON.stringify(l));
        if (l.msg === 'broker: listening') brokerPort = Number(l.port);
        if (l.msg === 'screen: listening') screenPort = Number(l.port);
        if (l.msg === 'wardgate: ready') {
          clearTimeout(timer);
          resolve();
        }
      },
      remember,
    );
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => remember(c.trimEnd()));
  try {
    await ready;
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw e;
  }
  return {
    brokerPort,
    screenPort,
    child,
    tail: () => recent.join('\n'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        const code = await exited;
        clearTimeout(t);
        return code;
      }
      return child.exitCode;
    },
  };
}
