import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../../test/helpers/wait.js';

/**
 * A real PTY pair made by socat (test support): `a` is the simulator's end, `b` the gateway's.
 * socat removes its links when it exits on SIGTERM, which is how tests "unplug" the device.
 */
export class PtyPair {
  readonly a: string;
  readonly b: string;
  private proc: ChildProcess | undefined;

  constructor(dir: string) {
    this.a = join(dir, 'ttyA');
    this.b = join(dir, 'ttyB');
  }

  async start(timeoutMs = 5000): Promise<void> {
    const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`], { stdio: 'ignore' });
    this.proc = proc;
    await waitFor(() => {
      if (proc.exitCode !== null) throw new Error(`socat exited with ${proc.exitCode}`);
      return existsSync(this.a) && existsSync(this.b);
    }, timeoutMs, 'socat to create the PTY links');
  }

  /** Kills socat (the "unplug") and waits for it to exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill(signal);
    await exited;
  }
}
