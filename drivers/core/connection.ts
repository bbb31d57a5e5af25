import type { ConnectionState, DriverSink } from './driver.js';

export type { ConnectionState } from './driver.js';

export interface ConnectionOptions {
  deviceId: string;
  sink: Pick<DriverSink, 'connection'>;
  /** Longest silence before the device counts as quiet. */
  maxSilenceMs: number;
  setTimer?: (fn: () => void, ms: number) => NodeJS.Timeout;
  clearTimer?: (t: NodeJS.Timeout) => void;
  /** Monotonic milliseconds (default performance.now()); tests with fake timers pass their clock. */
  now?: () => number;
}

/** Tracks one device's connection state, reports each transition with its reason, and runs the silence watchdog. */
export class DeviceConnection {
  private current: ConnectionState = 'disconnected';
  private silenceTimer: NodeJS.Timeout | undefined;
  private lastDataAt = 0;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => NodeJS.Timeout;
  private readonly clearTimer: (t: NodeJS.Timeout) => void;

  constructor(private readonly opts: ConnectionOptions) {
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t));
    this.now = opts.now ?? (() => performance.now());
  }

  get state(): ConnectionState {
    return this.current;
  }

  connecting(reason: string): void {
    this.stopWatchdog();
    this.transition('connecting', reason);
  }

  /** The transport is open; the watchdog starts and the first data makes it 'connected'. */
  opened(reason: string): void {
    this.armWatchdog();
    this.transition('connected', reason);
  }

  /**
   * Call on every received frame or notification. O(1) and timer-free on the hot path: it records the time,
   * and the single watchdog timer, when it fires, re-arms itself for the silence still left.
   */
  dataReceived(): void {
    this.lastDataAt = this.now();
    if (this.current === 'quiet') {
      this.transition('connected', 'data resumed');
      this.armWatchdog();
    }
  }

  disconnected(reason: string): void {
    this.stopWatchdog();
    this.transition('disconnected', reason);
  }

  stop(): void {
    this.stopWatchdog();
  }

  private armWatchdog(delayMs = this.opts.maxSilenceMs): void {
    if (this.silenceTimer) this.clearTimer(this.silenceTimer);
    if (delayMs === this.opts.maxSilenceMs) this.lastDataAt = this.now();
    this.silenceTimer = this.setTimer(() => {
      this.silenceTimer = undefined;
      if (this.current !== 'connected') return;
      const silentFor = this.now() - this.lastDataAt;
      if (silentFor < this.opts.maxSilenceMs) {
        this.armWatchdog(this.opts.maxSilenceMs - silentFor);
        return;
      }
      this.transition('quiet', `no data for ${this.opts.maxSilenceMs} ms`);
    }, delayMs);
    this.silenceTimer.unref?.();
  }

  private stopWatchdog(): void {
    if (this.silenceTimer) this.clearTimer(this.silenceTimer);
    this.silenceTimer = undefined;
  }

  private transition(next: ConnectionState, reason: string): void {
    if (next === this.current) return;
    this.current = next;
    this.opts.sink.connection(this.opts.deviceId, next, reason);
  }
}
