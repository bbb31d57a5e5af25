import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * A pseudo-terminal pair made by socat: the simulator writes to `simPath`, the gateway opens `gatewayPath`.
 * Killing socat removes both links, which is how a device is "unplugged"; start() again plugs it back.
 */
export class PtyLink {
  private proc: ChildProcess | undefined;

  constructor(
    readonly simPath: string,
    readonly gatewayPath: string,
  ) {}

  async start(timeoutMs = 5000): Promise<void> {
    const proc = spawn('socat', [`pty,raw,echo=0,link=${this.simPath}`, `pty,raw,echo=0,link=${this.gatewayPath}`], { stdio: 'ignore' });
    this.proc = proc;
    const failed = new Promise<never>((_, reject) => proc.once('error', (e) => reject(new Error(`socat: ${e.message} (is socat installed?)`))));
    failed.catch(() => undefined);
    const deadline = Date.now() + timeoutMs;
    while (!(existsSync(this.simPath) && existsSync(this.gatewayPath))) {
      if (proc.exitCode !== null) throw new Error(`socat exited with ${proc.exitCode}`);
      if (Date.now() > deadline) throw new Error('socat did not create the PTY links');
      await Promise.race([new Promise((r) => setTimeout(r, 20)), failed]);
    }
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    await exited;
  }
}
