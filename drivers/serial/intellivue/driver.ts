/**
 * IntelliVue MIB/RS232 driver: opens the serial port itself (serialport 13; 115200 8N1, no flow control
 * [VSC Class3.cs:223-228; OI RS232Adapter.java:133]), feeds the frame reader and the pure session, writes what
 * the session asks, and reports readings, conditions and connection state to the DriverSink.
 *
 * The monitor's own alarm entries have no place in DriverSink; they go to `onDeviceAlarms` when given.
 */
import { SerialPort } from 'serialport';
import type { Driver, DriverSink } from '../../core/driver.js';
import { DeviceConnection } from '../../core/connection.js';
import { Backoff } from '../../core/backoff.js';
import { FrameReader, encodeFrame } from './framing.js';
import { IntellivueSession, type SessionAction, type SessionOptions } from './session.js';
import type { DeviceAlarm } from './poll-data.js';

export const CODEC_NAME = 'intellivue';

export interface IntellivueDriverOptions {
  deviceId: string;
  path: string;
  sink: DriverSink;
  baudRate?: 115200 | 19200;
  session?: SessionOptions;
  /** How often the session's timers are checked. */
  tickMs?: number;
  /** Backoff for re-opening the port after it closed or failed to open. */
  reopenBackoff?: Backoff;
  onDeviceAlarms?: (deviceId: string, alarms: DeviceAlarm[]) => void;
  now?: () => number;
}

export class IntellivueDriver implements Driver {
  private port: SerialPort | undefined;
  private session: IntellivueSession | undefined;
  private reader = new FrameReader({ maxUserData: 1500 });
  private tickTimer: NodeJS.Timeout | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly conn: DeviceConnection;
  private readonly reopenBackoff: Backoff;
  private readonly now: () => number;

  constructor(private readonly opts: IntellivueDriverOptions) {
    this.conn = new DeviceConnection({ deviceId: opts.deviceId, sink: opts.sink, maxSilenceMs: opts.session?.silenceMs ?? 5000 });
    this.reopenBackoff = opts.reopenBackoff ?? new Backoff(500, 30_000);
    this.now = opts.now ?? Date.now;
  }

  /** Current session state, for tests and status pages. */
  get sessionState(): string {
    return this.session?.state ?? 'CLOSED';
  }
  get frameStats(): FrameReader['stats'] {
    return this.reader.stats;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    const port = this.port;
    const session = this.session;
    if (port?.isOpen && session) {
      // Release politely: the session re-sends and finally aborts within ~1.5 s.
      await new Promise<void>((resolve) => {
        const finish = (): void => resolve();
        this.onClosed = finish;
        this.apply(session.handle({ type: 'stop', now: this.now() }));
        setTimeout(finish, 2000).unref();
      });
    }
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    this.conn.stop();
    await this.closePort();
    this.conn.disconnected('stopped');
  }

  private onClosed: (() => void) | undefined;

  private open(): void {
    if (this.stopped) return;
    this.conn.connecting(`opening ${this.opts.path}`);
    const port = new SerialPort({
      path: this.opts.path,
      baudRate: this.opts.baudRate ?? 115200,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      rtscts: false,
      xon: false,
      xoff: false,
      autoOpen: false,
    });
    this.port = port;
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', (err: Error) => this.opts.sink.decodeError(CODEC_NAME, this.opts.deviceId, `port error: ${err.message}`));
    port.on('close', () => this.onPortClosed('port closed'));
    port.open((err) => {
      if (err) {
        this.port = undefined;
        this.scheduleReopen(`open failed: ${err.message}`);
        return;
      }
      if (this.stopped) {
        void this.closePort();
        return;
      }
      this.reopenBackoff.reset();
      this.reader = new FrameReader({ maxUserData: 1500 });
      this.session = new IntellivueSession(this.opts.session);
      this.apply(this.session.handle({ type: 'start', now: this.now() }));
      this.tickTimer = setInterval(() => {
        if (this.session) this.apply(this.session.handle({ type: 'tick', now: this.now() }));
      }, this.opts.tickMs ?? 100);
      this.tickTimer.unref?.();
    });
  }

  private onData(chunk: Buffer): void {
    const session = this.session;
    if (!session) return;
    for (const ev of this.reader.push(chunk)) {
      if (ev.kind === 'error') {
        this.opts.sink.decodeError(CODEC_NAME, this.opts.deviceId, `frame ${ev.error}`);
        continue;
      }
      this.apply(session.handle({ type: 'frame', userData: ev.userData, now: this.now() }));
    }
  }

  private apply(actions: SessionAction[]): void {
    const { sink, deviceId } = this.opts;
    for (const a of actions) {
      switch (a.type) {
        case 'send':
          if (this.port?.isOpen) this.port.write(encodeFrame(a.bytes));
          break;
        case 'readings':
          this.conn.dataReceived();
          for (const r of a.readings) sink.reading(deviceId, r);
          for (const u of a.unmapped ?? []) sink.unmapped?.(deviceId, u);
          break;
        case 'device-alarms':
          this.opts.onDeviceAlarms?.(deviceId, a.alarms);
          break;
        case 'condition':
          sink.condition(deviceId, a.report);
          break;
        case 'decode-error':
          sink.decodeError(CODEC_NAME, deviceId, a.error);
          break;
        case 'state':
          if (a.state === 'POLLING') this.conn.opened(a.reason);
          else if (a.state === 'ASSOCIATING') this.conn.connecting(a.reason);
          break;
        case 'closed':
          this.onClosed?.();
          break;
      }
    }
  }

  private onPortClosed(reason: string): void {
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    this.session = undefined;
    this.port = undefined;
    if (this.stopped) return;
    this.opts.sink.condition(this.opts.deviceId, { condition: 'device-disconnected', active: true, detail: reason });
    this.scheduleReopen(reason);
  }

  private scheduleReopen(reason: string): void {
    if (this.stopped) return;
    this.conn.disconnected(reason);
    const delay = this.reopenBackoff.next();
    this.reopenTimer = setTimeout(() => this.open(), delay);
    this.reopenTimer.unref?.();
  }

  private closePort(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }
}
