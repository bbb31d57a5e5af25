import { SerialPort } from 'serialport';
import type { SampleAction } from '../scenario/plan.js';
import type { SimDevice } from '../transports/sim-device.js';
import { encodeSample, type SerialDialectName } from './encoders.js';
import type { PtyLink } from './pty.js';

export interface SerialDeviceOptions {
  deviceId: string;
  bed: string;
  dialect: SerialDialectName;
  /** The port the monitor writes to (the simulator's end of a PTY pair, or a real tty). */
  path: string;
  baudRate?: number;
  /** When the simulator made the PTY pair (already started): unplug tears it down, replug makes it again. */
  replugPty?: PtyLink;
  onError?: (err: Error) => void;
}

/** A bedside monitor writing its serial dialect, one sample per interval. */
export class SerialSimDevice implements SimDevice {
  private port: SerialPort | undefined;

  constructor(private readonly o: SerialDeviceOptions) {}

  get id(): string {
    return this.o.deviceId;
  }

  async start(): Promise<void> {
    const port = new SerialPort({ path: this.o.path, baudRate: this.o.baudRate ?? 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('error', (err) => this.o.onError?.(err));
    this.port = port;
  }

  private write(bytes: Buffer): boolean {
    if (!this.port?.isOpen || bytes.length === 0) return false;
    this.port.write(bytes);
    return true;
  }

  sample(s: SampleAction): boolean {
    const bytes = encodeSample(this.o.dialect, { vitals: s.vitals, deviceTime: Date.now() + s.clockOffsetMs, seq: s.seq, sensorOff: s.sensorOff }, { bed: this.o.bed, deviceId: this.o.deviceId });
    return this.write(bytes);
  }

  fall(): boolean {
    return false; // bedside monitors have no fall detector
  }

  garbage(bytes: Uint8Array): boolean {
    return this.write(Buffer.from(bytes));
  }

  async unplug(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    await this.o.replugPty?.stop();
  }

  async replug(): Promise<void> {
    await this.o.replugPty?.start();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.unplug();
  }
}
