import { spawn, type ChildProcess } from 'node:child_process';
import type { Annunciator } from './annunciator.js';

export interface GpioOptions {
  /** GPIO chip name or path as gpioset takes it: `gpiochip0` (the Pi's header on Pi 1-4; `gpiochip4` on a Pi 5). */
  chip: string;
  /** Line offset on the chip (the BCM number on a Pi, e.g. 17 for header pin 11). */
  line: number;
  /** The gpioset program (Debian package `gpiod`, libgpiod 1.6). */
  command?: string;
  /** The piezo sounds when the line is low. */
  activeLow?: boolean;
}

/**
 * The `gpio` backend: an active piezo buzzer (with its own oscillator, so a DC level sounds it) on one line of the
 * Linux GPIO character device, driven by Debian's `gpioset` from libgpiod 1.6 (Debian 12 package `gpiod`).
 *
 * Why gpioset and not an npm binding: libgpiod is the kernel's reference user-space library for the character device,
 * maintained with the kernel GPIO subsystem and shipped and security-patched by Debian; the npm options either use the
 * sysfs interface that the kernel deprecated in 4.8 (`onoff`) or are a native addon with few maintainers that must be
 * compiled against libgpiod headers on the Pi (`node-libgpiod`). A child process also keeps a GPIO fault out of the
 * daemon: a crash of gpioset is reported as a buzzer fault, not a crash of the gateway.
 *
 * libgpiod 1.x releases a line when the process exits, so a level is held by a `gpioset --mode=signal CHIP LINE=V`
 * process that waits for SIGTERM; each switch stops the holder (and waits for it to exit, else the next request
 * would find the line busy) and starts one with the new level. libgpiod 2.x changed the syntax (`gpioset -c CHIP
 * LINE=V`, holding by default): not supported here. A holder that exits on its own (chip missing, line busy, tool
 * killed) is reported through `onFailure`.
 */
export class GpioAnnunciator implements Annunciator {
  readonly kind = 'gpio' as const;
  private holder: ChildProcess | undefined;
  private holderLevel: 0 | 1 | undefined;
  private chain: Promise<void> = Promise.resolve();
  private listener: ((err: Error) => void) | undefined;
  private readonly command: string;

  constructor(private readonly o: GpioOptions) {
    this.command = o.command ?? 'gpioset';
  }

  set(on: boolean): Promise<void> {
    const level: 0 | 1 = on !== (this.o.activeLow ?? false) ? 1 : 0;
    const p = this.chain.then(() => this.hold(level));
    this.chain = p.catch(() => undefined);
    return p;
  }

  onFailure(listener: (err: Error) => void): void {
    this.listener = listener;
  }

  /** Stops the holder and sets the line to the silent level with a one-shot gpioset (which exits at once). */
  async close(): Promise<void> {
    await this.chain;
    await this.release();
    const silent = this.o.activeLow ? 1 : 0;
    const child = spawn(this.command, [this.o.chip, `${this.o.line}=${silent}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve) => {
      child.once('error', () => resolve());
      child.once('exit', () => resolve());
    });
  }

  private async hold(level: 0 | 1): Promise<void> {
    if (this.holder && this.holderLevel === level) return;
    await this.release();
    const child = spawn(this.command, ['--mode=signal', this.o.chip, `${this.o.line}=${level}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-500)));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err) => reject(new Error(`${this.command}: ${err.message}`)));
    });
    child.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      if (this.holder !== child) return; // stopped by us
      this.holder = undefined;
      this.holderLevel = undefined;
      this.listener?.(new Error(`${this.command} exited (${code ?? signal}) holding ${this.o.chip} line ${this.o.line}${stderr ? `: ${stderr.trim()}` : ''}`));
    });
    this.holder = child;
    this.holderLevel = level;
  }

  private async release(): Promise<void> {
    const c = this.holder;
    this.holder = undefined;
    this.holderLevel = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => c.kill('SIGKILL'), 1000);
      c.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      c.kill('SIGTERM');
    });
  }
}
