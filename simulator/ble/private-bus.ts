import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A private dbus-daemon for tests and the simulator: one unix socket, a policy that allows everything. */
export interface PrivateBus {
  /** D-Bus address, e.g. `unix:path=/tmp/wardgate-bus-XXXX/bus`, for DBUS_SYSTEM_BUS_ADDRESS. */
  address: string;
  pid: number;
  stop(): Promise<void>;
}

function busConfig(socketPath: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=${socketPath}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
`;
}

/** Starts `dbus-daemon --nofork --print-address` on a fresh temp dir and resolves once it prints its address. */
export async function startPrivateBus(opts: { daemon?: string; startTimeoutMs?: number } = {}): Promise<PrivateBus> {
  const dir = await mkdtemp(join(tmpdir(), 'wardgate-bus-'));
  const socketPath = join(dir, 'bus');
  const configPath = join(dir, 'bus.conf');
  await writeFile(configPath, busConfig(socketPath));
  const child: ChildProcess = spawn(opts.daemon ?? 'dbus-daemon', [`--config-file=${configPath}`, '--nofork', '--print-address=1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));

  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dbus-daemon did not print an address: ${stderr}`)), opts.startTimeoutMs ?? 5000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dbus-daemon exited with ${String(code)}: ${stderr}`));
    });
    if (!child.stdout) return reject(new Error('dbus-daemon has no stdout'));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  }).catch(async (e: unknown) => {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  });

  // If this process ends without stop(), do not leave an orphan daemon behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopping: Promise<void> | undefined;
  return {
    address,
    pid: child.pid ?? -1,
    stop() {
      stopping ??= (async () => {
        process.off('exit', killOnExit);
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
