import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export interface Mosquitto {
  port: number;
  url: string;
  dir: string;
  users: Record<string, string>;
  stop(): Promise<void>;
  /** Starts it again on the same port with the same persistence. */
  restart(): Promise<void>;
}

const BIN = '/usr/sbin/mosquitto';

function listening(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  await waitFor(() => listening(port), timeoutMs, `mosquitto to listen on ${port}`);
}

/**
 * Debian's mosquitto as the upstream broker: its own config in `dir`, password file, persistence, loopback
 * only. `.ci/run` installs the package; the test starts and stops it.
 */
export async function startMosquitto(dir: string, users: Record<string, string>, extraConfig = ''): Promise<Mosquitto> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, '');
  for (const [u, p] of Object.entries(users)) {
    const r = spawnSync('mosquitto_passwd', ['-b', passwd, u, p]);
    if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr.toString()}`);
  }
  const conf = join(dir, 'mosquitto.conf');
  const asRoot = process.getuid?.() === 0;
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwd}`,
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 1',
      'max_queued_messages 1000000',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      asRoot ? 'user root' : '',
      extraConfig,
    ].join('\n') + '\n',
  );
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', () => undefined);
    await waitForPort(port);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await launch();
  return { port, url: `mqtt://127.0.0.1:${port}`, dir, users, stop, restart: launch };
}
