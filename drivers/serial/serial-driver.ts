import { SerialPort } from 'serialport';
import { Backoff } from '../core/backoff.js';
import { DeviceConnection } from '../core/connection.js';
import { DeviceAlertList } from '../core/device-alarm-list.js';
import type { Driver, DriverSink } from '../core/driver.js';
import type { LineFramer } from '../core/line-framer.js';
import type { DecodeResult } from '../core/observation.js';
import { describeUsbId, resolveSerialPath, type UsbSerialId } from '../core/serial-resolver.js';
import { getSerialDialect, type ByteDialect, type ByteFramer, type LineDialect } from './dialects.js';

/**
 * Serial bedside monitors: one independent reader per configured port (serialport 13).
 *
 * Per port: connecting -> connected (port open) -> quiet (no valid frame for maxSilenceMs; the port stays
 * open and the first valid frame makes it connected again) -> disconnected (close, error, unplug, or the
 * open failed). After a disconnect the port is closed and awaited, then reopened with jittered backoff
 * (drivers/core/backoff.ts); the backoff resets once a valid frame arrives. Ports never wait on each other.
 *
 * Only frames that decode without error count as data for the silence watchdog: noise at the wrong baud
 * keeps the device quiet. Undecodable frames and overlong lines go to sink.decodeError.
 * The dialect (drivers/serial/dialects.ts) brings its framer and decoder; a dialect that answers the device
 * (the HL7 ACK) does so through its reply() hook, and the driver writes what it returns.
 */
export interface SerialPortConfig {
  deviceId: string;
  /** Prefer /dev/serial/by-id/...; or a USB vendor/product id resolved with SerialPort.list(). */
  path: string | UsbSerialId;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits?: 1 | 1.5 | 2;
  /** A registered 'line' or 'bytes' dialect (drivers/serial/dialects.ts). */
  dialect: string;
  /** Longest silence before the device is 'quiet' (the gateway raises "device disconnected"). */
  maxSilenceMs: number;
  /** For framers whose records end at an idle gap (HL7 without MLLP): the gap, default 300 ms. */
  idleFlushMs?: number;
  /**
   * Reopen pacing; defaults 500 ms .. 5 s. Opening a missing device path costs next to nothing, and a monitor
   * plugged back in should be seen (and its device-disconnected alarm cleared) within seconds, not half a minute.
   */
  backoffMinMs?: number;
  backoffMaxMs?: number;
}

export interface SerialDriverOptions {
  ports: SerialPortConfig[];
  sink: DriverSink;
  /** Overridable for tests of the resolution path. */
  resolve?: (id: UsbSerialId) => Promise<string>;
}

export interface SerialPortStats {
  opens: number;
  frames: number;
  decodeErrors: number;
  overlong: number;
  /** Replies written back to the device (HL7 ACKs). */
  replies: number;
}

type StreamDialect = LineDialect | ByteDialect;

function streamDialect(name: string): StreamDialect {
  const d = getSerialDialect(name);
  if (!d) throw new Error(`unknown serial dialect '${name}'`);
  if (d.kind === 'session') throw new Error(`serial dialect '${name}' has its own driver, not SerialDriver`);
  return d;
}

export class SerialDriver implements Driver {
  private readonly runners: PortRunner[];

  constructor(opts: SerialDriverOptions) {
    const ids = new Set<string>();
    for (const p of opts.ports) {
      if (ids.has(p.deviceId)) throw new Error(`duplicate serial deviceId ${p.deviceId}`);
      ids.add(p.deviceId);
    }
    this.runners = opts.ports.map((p) => new PortRunner(p, streamDialect(p.dialect), opts.sink, opts.resolve ?? ((id) => resolveSerialPath(id))));
  }

  async start(): Promise<void> {
    for (const r of this.runners) r.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
  }

  stats(deviceId: string): Readonly<SerialPortStats> | undefined {
    return this.runners.find((r) => r.cfg.deviceId === deviceId)?.stats;
  }
}

function openPort(port: SerialPort): Promise<void> {
  return new Promise((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
}

function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}

class PortRunner {
  readonly stats: SerialPortStats = { opens: 0, frames: 0, decodeErrors: 0, overlong: 0, replies: 0 };
  private readonly conn: DeviceConnection;
  private readonly backoff: Backoff;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private port: SerialPort | undefined;
  private wake: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lineFramer: LineFramer | undefined;
  private byteFramer: ByteFramer | undefined;
  /** The device's own alarms across reconnects (a reconnect must not forget an alert the device still has). */
  private readonly alarms = new DeviceAlertList();
  /** The alarm list last passed on from a line dialect (deliverLine), as a comparable key. */
  private lastLineAlarms: string | undefined;

  constructor(
    readonly cfg: SerialPortConfig,
    private readonly dialect: StreamDialect,
    private readonly sink: DriverSink,
    private readonly resolve: (id: UsbSerialId) => Promise<string>,
  ) {
    this.conn = new DeviceConnection({ deviceId: cfg.deviceId, sink, maxSilenceMs: cfg.maxSilenceMs });
    this.backoff = new Backoff(cfg.backoffMinMs ?? 500, cfg.backoffMaxMs ?? 5_000);
  }

  start(): void {
    if (this.loop) return;
    this.stopped = false;
    this.loop = this.run().catch((e: unknown) => {
      // run() handles its own errors; this is a last resort so one port can never crash the process.
      this.safe(() => this.sink.decodeError(this.cfg.dialect, this.cfg.deviceId, `serial driver loop failed: ${String(e)}`));
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wake?.();
    const port = this.port;
    if (port) await closePort(port);
    await this.loop;
    this.loop = undefined;
    this.clearIdle();
    this.conn.stop();
  }

  private describe(): string {
    return typeof this.cfg.path === 'string' ? this.cfg.path : describeUsbId(this.cfg.path);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.conn.connecting(`opening ${this.describe()}`);
      let reason: string;
      try {
        const path = typeof this.cfg.path === 'string' ? this.cfg.path : await this.resolve(this.cfg.path);
        const port = new SerialPort({
          path,
          baudRate: this.cfg.baudRate,
          dataBits: this.cfg.dataBits ?? 8,
          parity: this.cfg.parity ?? 'none',
          stopBits: this.cfg.stopBits ?? 1,
          autoOpen: false,
        });
        const ended = this.watch(port);
        await openPort(port);
        if (this.stopped) {
          await closePort(port);
          break;
        }
        this.port = port;
        this.stats.opens++;
        this.resetFramers();
        this.conn.opened(`port ${path} open at ${this.cfg.baudRate} baud`);
        reason = await ended;
        this.port = undefined;
        port.removeAllListeners('data');
        await closePort(port); // always closed and awaited before any reopen
        this.clearIdle();
      } catch (e) {
        reason = `open failed: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (this.stopped) break;
      this.conn.disconnected(reason);
      await this.sleep(this.backoff.next());
    }
    this.conn.disconnected('driver stopped');
  }

  /** Resolves with the reason when the port closes or errors. */
  private watch(port: SerialPort): Promise<string> {
    return new Promise((resolve) => {
      port.on('data', (chunk: Buffer) => this.onBytes(port, chunk));
      port.once('close', (err?: Error & { disconnected?: boolean }) => {
        resolve(err?.disconnected ? `port disappeared (${err.message})` : 'port closed');
      });
      port.on('error', (err: Error) => {
        resolve(`port error: ${err.message}`);
        void closePort(port);
      });
    });
  }

  private resetFramers(): void {
    this.lineFramer = this.dialect.kind === 'line' ? this.dialect.createFramer() : undefined;
    this.byteFramer = this.dialect.kind === 'bytes' ? this.dialect.createFramer() : undefined;
  }

  private onBytes(port: SerialPort, chunk: Buffer): void {
    const d = this.dialect;
    if (d.kind === 'line' && this.lineFramer) {
      const before = this.lineFramer.stats.overlong;
      const lines = this.lineFramer.push(chunk);
      const overlong = this.lineFramer.stats.overlong - before;
      if (overlong > 0) {
        this.stats.overlong += overlong;
        this.safe(() => this.sink.decodeError(d.name, this.cfg.deviceId, `${overlong} line(s) longer than ${d.maxLineBytes} bytes dropped`));
      }
      for (const line of lines) this.deliverLine(d, d.decodeLine(line));
    } else if (d.kind === 'bytes' && this.byteFramer) {
      this.handleFrames(port, d, this.byteFramer, this.byteFramer.push(chunk));
      if (this.byteFramer.endsAtIdle) this.armIdle(port, d, this.byteFramer);
    }
  }

  private handleFrames(port: SerialPort, d: ByteDialect, framer: ByteFramer, frames: Buffer[]): void {
    for (const frame of frames) {
      if (!d.reply) {
        this.deliver(d.name, d.decodeFrame(frame));
        continue;
      }
      const { result, reply, rejected, deviceAlarms, alertEvents } = d.reply(frame, framer);
      for (const r of rejected ?? []) this.safe(() => this.sink.rejected?.(d.name, this.cfg.deviceId, r.reason, r.text));
      const alarms = result.error === undefined ? this.alarms.apply({ ...(deviceAlarms ? { deviceAlarms } : {}), ...(alertEvents ? { alertEvents } : {}) }) : undefined;
      if (alarms) this.safe(() => this.sink.deviceAlarms?.(this.cfg.deviceId, alarms));
      this.deliver(d.name, result);
      if (reply && port.isOpen) {
        port.write(reply, (err) => {
          if (err) this.safe(() => this.sink.decodeError(d.name, this.cfg.deviceId, `reply write failed: ${err.message}`));
        });
        this.stats.replies++;
      }
    }
  }

  /**
   * A line dialect's result, with the device's alarm list when the line carries one. Such a device repeats its whole
   * state every line (a Masimo once a second), so the list goes to the sink only when it changed (the first one
   * always: it clears what a restart restored but the device no longer has).
   */
  private deliverLine(d: LineDialect, result: ReturnType<LineDialect['decodeLine']>): void {
    const alarms = result.error === undefined && result.deviceAlarms ? this.alarms.apply({ deviceAlarms: result.deviceAlarms }) : undefined;
    if (alarms) {
      const key = alarms.map((a) => `${a.kind}\u0000${a.priority}\u0000${a.text}`).join('\u0001');
      if (key !== this.lastLineAlarms) {
        this.lastLineAlarms = key;
        this.safe(() => this.sink.deviceAlarms?.(this.cfg.deviceId, alarms));
      }
    }
    this.deliver(d.name, result);
  }

  private armIdle(port: SerialPort, d: ByteDialect, framer: ByteFramer): void {
    this.clearIdle();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.byteFramer === framer) this.handleFrames(port, d, framer, framer.flush());
    }, this.cfg.idleFlushMs ?? 300);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private deliver(codec: string, result: DecodeResult): void {
    const id = this.cfg.deviceId;
    if (result.error !== undefined) {
      this.stats.decodeErrors++;
      this.safe(() => this.sink.decodeError(codec, id, result.error!));
      return;
    }
    this.stats.frames++;
    this.conn.dataReceived();
    this.backoff.reset();
    for (const item of result.items) {
      if (item.kind === 'reading') {
        const { kind: _k, ...reading } = item;
        this.safe(() => this.sink.reading(id, reading));
      } else if (item.kind === 'condition') {
        const { kind: _k, ...report } = item;
        this.safe(() => this.sink.condition(id, report));
      } else if (item.kind === 'unmapped') {
        const { kind: _k, ...unmapped } = item;
        this.safe(() => this.sink.unmapped?.(id, unmapped));
      } else {
        const { kind: _k, ...event } = item;
        this.safe(() => this.sink.event(id, event));
      }
    }
  }

  /** A throwing sink must not break the port's reader. */
  private safe(fn: () => void): void {
    try {
      fn();
    } catch {
      // the gateway's sink logs its own failures
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
      this.sleepTimer = setTimeout(() => this.wake?.(), ms);
    });
  }
}
