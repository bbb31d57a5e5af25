import { ConfigError } from '../config/load.js';
import type { DeviceConfig, GatewayConfig } from '../config/schema.js';
import type { Driver, DriverSink } from '../drivers/core/driver.js';
import type { Logger } from './log.js';

/** Builds the drivers of one family for the configured devices (none when the family has no device). */
export type DriverFactory = (devices: DeviceConfig[], sink: DriverSink, log: Logger, config: GatewayConfig) => Driver[] | Promise<Driver[]>;

export interface DriverFamily {
  /** Named in logs, on /readyz and as the device of the `driver-degraded` alarm: serial, ble, hl7-listener ... */
  name: string;
  build: DriverFactory;
  /**
   * What the family needs from the system at run time, checked while its drivers run (the drivers themselves retry
   * quietly): resolves undefined when present, else the reason the family cannot work.
   */
  probe?: (devices: DeviceConfig[], config: GatewayConfig) => Promise<string | undefined>;
}

export interface DegradedFamily {
  family: string;
  detail: string;
}

export interface DriverFamiliesOptions {
  families: DriverFamily[];
  sink: DriverSink;
  log: Logger;
  /** A family became degraded, or works again. */
  onChange: (family: string, degraded: boolean, detail: string) => void;
  /** How often a degraded family is tried again. Default 30 s. */
  retryMs?: number;
}

interface Running {
  family: DriverFamily;
  drivers: Driver[];
  /** Why it is degraded, if it is. */
  degraded?: string;
  /** Its drivers did not start: the whole family is retried. */
  failed: boolean;
}

/**
 * Starts each driver family on its own: a family that fails at run time (its listener port in use, the system bus
 * missing, a native module that does not load) is logged, reported and retried, while the other families, MQTT
 * ingest and the alarms run on. A configuration error is not a run-time failure: it is thrown (exit 78).
 */
export class DriverFamilies {
  private running: Running[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private devices: DeviceConfig[] = [];
  private config: GatewayConfig | undefined;
  private stopped = false;

  constructor(private readonly opts: DriverFamiliesOptions) {}

  /** SIGHUP: drivers that listen with TLS (the HL7 listener) take their new certificate. */
  reloadTls(): void {
    for (const r of this.running) for (const d of r.drivers) d.reloadTls?.();
  }

  get driverCount(): number {
    return this.running.reduce((n, r) => n + r.drivers.length, 0);
  }

  degraded(): DegradedFamily[] {
    return this.running.filter((r) => r.degraded !== undefined).map((r) => ({ family: r.family.name, detail: r.degraded! }));
  }

  async start(devices: DeviceConfig[], config: GatewayConfig): Promise<void> {
    this.devices = devices;
    this.config = config;
    this.stopped = false;
    // A restart keeps what was degraded, so a family that works again is reported as such.
    const before = new Map(this.running.map((r) => [r.family.name, r.degraded]));
    this.running = this.opts.families.map((family) => ({ family, drivers: [], failed: false, degraded: before.get(family.name) }));
    await Promise.all(this.running.map((r) => this.startOne(r)));
    this.retryTimer = setInterval(() => void this.retry(), this.opts.retryMs ?? 30_000);
    this.retryTimer.unref();
  }

  /** Stops every driver (in the reverse order of the families' start). Never throws. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    for (const r of [...this.running].reverse()) await this.stopDrivers(r);
  }

  /** A reload that changed serial, BLE or HL7 devices: every family is stopped and started on the new list. */
  async restart(devices: DeviceConfig[], config: GatewayConfig): Promise<void> {
    await this.stop();
    await this.start(devices, config);
  }

  private async startOne(r: Running): Promise<void> {
    const { log } = this.opts;
    try {
      r.drivers = await r.family.build(this.devices, this.opts.sink, log, this.config!);
      const started: Driver[] = [];
      try {
        for (const d of r.drivers) {
          await d.start();
          started.push(d);
        }
      } catch (err) {
        await Promise.allSettled(started.map((d) => d.stop()));
        throw err;
      }
      r.failed = false;
      if (this.stopped) {
        // a retry that finished while the families were being stopped
        await this.stopDrivers(r);
        return;
      }
      if (r.drivers.length > 0 && r.family.probe) this.mark(r, await r.family.probe(this.devices, this.config!));
      else this.mark(r, undefined);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      r.drivers = [];
      r.failed = true;
      this.mark(r, `did not start: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private mark(r: Running, degraded: string | undefined): void {
    if (degraded === r.degraded) return;
    const was = r.degraded !== undefined;
    r.degraded = degraded;
    if (degraded !== undefined) this.opts.log.error({ family: r.family.name, detail: degraded }, 'driver family degraded; the other families and MQTT ingest keep running');
    else this.opts.log.info({ family: r.family.name }, 'driver family works again');
    if (was !== (degraded !== undefined)) this.opts.onChange(r.family.name, degraded !== undefined, degraded ?? 'works again');
  }

  private async stopDrivers(r: Running): Promise<void> {
    const results = await Promise.allSettled(r.drivers.map((d) => d.stop()));
    for (const x of results) if (x.status === 'rejected') this.opts.log.error({ family: r.family.name, err: String(x.reason) }, 'driver stop failed');
  }

  private async retry(): Promise<void> {
    for (const r of this.running) {
      if (this.stopped || r.degraded === undefined) continue;
      if (r.failed) await this.startOne(r).catch((err: unknown) => this.opts.log.error({ family: r.family.name, err: String(err) }, 'driver family retry failed'));
      else if (r.family.probe) this.mark(r, await r.family.probe(this.devices, this.config!));
    }
  }
}
