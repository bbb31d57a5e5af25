import type NodeBle from 'node-ble';
import type { DriverSink } from '../core/driver.js';
import type { DecodeResult } from '../core/observation.js';
import { DeviceConnection } from '../core/connection.js';
import { Backoff } from '../core/backoff.js';
import { GATT_CODECS, uuid128, type GattCodecId } from './gatt/index.js';
import { decodeBatteryLevel } from './gatt/battery-level.js';
import { getBleProfile, type BleProfile } from './profiles.js';
import { withTimeout } from './with-timeout.js';
import type { BluezSession } from './bluez-session.js';

export interface BleDeviceConfig {
  deviceId: string;
  /** `AA:BB:CC:DD:EE:FF`; the only device this entry may ever connect to. */
  address: string;
  profiles: BleProfile[];
  /** Longest quiet time before the link counts as lost (spot-check devices need a long one). */
  maxSilenceMs: number;
  /** Battery below this percentage raises 'low-battery' (default 20). */
  lowBatteryPct?: number;
}

export interface DeviceLinkTiming {
  adapter: string;
  callTimeoutMs: number;
  /** Connect() and service resolution (node-ble's gatt(), which has no timeout of its own). */
  connectTimeoutMs: number;
  batteryReadIntervalMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
}

interface Subscription {
  codec: GattCodecId;
  characteristic: NodeBle.GattCharacteristic;
}

/** node-ble keeps D-Bus signal listeners in each object's private `helper`; drop them when we drop the object. */
function releaseNodeBleObject(obj: unknown): void {
  const helper = (obj as { helper?: { removeListeners?: () => void } } | null)?.helper;
  try {
    helper?.removeListeners?.();
  } catch {
    /* best effort */
  }
}

/**
 * Keeps one configured device connected: connect, resolve services, subscribe, read battery; on link loss or
 * silence report it, back off, and start over with fresh node-ble objects (node-ble's connect() and
 * startNotifications() add a listener per call, so objects are never reused across links).
 */
export class DeviceLink {
  private stopped = false;
  private running: Promise<void> | undefined;
  private endLink: ((reason: string) => void) | undefined;
  private wakeSleep: (() => void) | undefined;
  private readonly conn: DeviceConnection;
  private readonly backoff: Backoff;
  private readonly address: string;

  constructor(
    private readonly cfg: BleDeviceConfig,
    private readonly timing: DeviceLinkTiming,
    private readonly session: BluezSession,
    private readonly sink: DriverSink,
  ) {
    this.address = cfg.address.toUpperCase();
    this.backoff = new Backoff(timing.backoffMinMs, timing.backoffMaxMs);
    this.conn = new DeviceConnection({
      deviceId: cfg.deviceId,
      maxSilenceMs: cfg.maxSilenceMs,
      sink: {
        connection: (id, state, reason) => {
          this.safe(() => this.sink.connection(id, state, reason));
          if (state === 'quiet') this.endLink?.(`silent for ${cfg.maxSilenceMs} ms`);
        },
      },
    });
  }

  get state(): DeviceConnection['state'] {
    return this.conn.state;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.endLink?.('driver stopping');
    this.wakeSleep?.();
    await this.running;
    this.conn.stop();
  }

  private async loop(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      attempt++;
      this.conn.connecting(attempt === 1 ? 'starting' : `reconnect attempt ${attempt}`);
      const reason = await this.oneLink().catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
      if (this.stopped) {
        this.conn.disconnected('driver stopped');
        break;
      }
      this.conn.disconnected(reason);
      await this.sleep(this.backoff.next());
    }
  }

  /** One connection's life; resolves with why it ended. Everything it opened is released before it returns. */
  private async oneLink(): Promise<string> {
    const t = this.timing;
    const call = <T>(p: Promise<T>, what: string, ms = t.callTimeoutMs): Promise<T> =>
      withTimeout(p, ms, `${what} (${this.address})`);
    const subs: Subscription[] = [];
    const held: unknown[] = [];
    let device: NodeBle.Device | undefined;
    let batteryTimer: NodeJS.Timeout | undefined;
    const ended = new Promise<string>((resolve) => (this.endLink = resolve));
    try {
      const bluetooth = this.session.get();
      const adapter = await call(bluetooth.getAdapter(t.adapter), `adapter ${t.adapter}`);
      held.push(adapter);
      if (!(await call(adapter.isPowered(), 'adapter Powered'))) throw new Error(`adapter ${t.adapter} is powered off`);
      // Allowlist: only the configured address is ever looked up; nothing is discovered or connected otherwise.
      device = await call(adapter.getDevice(this.address), 'getDevice');
      held.push(device);
      const actual = (await call(device.getAddress(), 'device Address')).toUpperCase();
      if (actual !== this.address) throw new Error(`BlueZ object for ${this.address} reports address ${actual}`);
      device.on('disconnect', () => this.endLink?.('link lost (Connected=false)'));
      if (this.stopped) return 'driver stopping';
      await call(device.connect(), 'Connect', t.connectTimeoutMs);
      await this.waitServicesResolved(device, t.connectTimeoutMs, call);
      const gatt = await call(device.gatt(), 'GATT service listing');

      for (const profile of this.cfg.profiles) {
        const spec = getBleProfile(profile);
        if (!spec) throw new Error(`unknown BLE profile '${profile}'`);
        const service = await call(gatt.getPrimaryService(uuid128(spec.service16)), `${profile} service 0x${spec.service16}`).catch(
          (e: unknown) => {
            throw new Error(`${profile}: service 0x${spec.service16} not found (${e instanceof Error ? e.message : String(e)})`);
          },
        );
        held.push(service);
        let present = 0;
        for (const c of spec.characteristics) {
          const ch = await service.getCharacteristic(uuid128(c.uuid16)).catch(() => undefined);
          if (!ch) continue;
          present++;
          held.push(ch);
          if (c.access === 'subscribe') {
            ch.on('valuechanged', (buf: Buffer) => this.onValue(c.uuid16, buf, true));
            subs.push({ codec: c.uuid16, characteristic: ch });
            await call(ch.startNotifications(), `StartNotify 0x${c.uuid16}`);
          } else {
            await this.read(ch, c.uuid16, call);
            batteryTimer ??= setInterval(() => {
              void this.read(ch, c.uuid16, call).catch(() => undefined);
            }, t.batteryReadIntervalMs);
            batteryTimer.unref?.();
          }
        }
        if (present < spec.minPresent) throw new Error(`${profile}: none of its characteristics found`);
      }
      if (this.stopped) return 'driver stopping';
      this.conn.opened(`connected; subscribed to ${subs.map((s) => '0x' + s.codec).join(', ') || 'nothing'}`);
      this.backoff.reset();
      return await ended;
    } finally {
      this.endLink = undefined;
      if (batteryTimer) clearInterval(batteryTimer);
      for (const s of subs) s.characteristic.removeAllListeners('valuechanged');
      if (device) {
        device.removeAllListeners();
        const connected = await call(device.isConnected(), 'device Connected').catch(() => false);
        if (connected) {
          for (const s of subs) await call(s.characteristic.stopNotifications(), 'StopNotify').catch(() => undefined);
          await call(device.disconnect(), 'Disconnect').catch(() => undefined);
        }
      }
      for (const o of held) releaseNodeBleObject(o);
    }
  }

  /**
   * node-ble's gatt() reads ServicesResolved and, if false, only then subscribes to its change: a change that
   * lands between the two (dbus-next registers the signal match asynchronously) is missed and gatt() waits
   * forever. Seen with the fake under load and possible with BlueZ's cached GATT database. So poll the
   * property ourselves and call gatt() only once it is true, when gatt() does not wait.
   */
  private async waitServicesResolved(
    device: NodeBle.Device,
    timeoutMs: number,
    call: <T>(p: Promise<T>, what: string) => Promise<T>,
  ): Promise<void> {
    const helper = (device as unknown as { helper?: { prop?: (name: string) => Promise<unknown> } }).helper;
    const prop = helper?.prop;
    if (typeof prop !== 'function') return; // node-ble changed shape: fall back on gatt()'s own wait
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await call(prop.call(helper, 'ServicesResolved'), 'ServicesResolved')) === true) return;
      if (this.stopped) throw new Error('driver stopping');
      if (Date.now() > deadline) throw new Error(`services not resolved within ${timeoutMs} ms (${this.address})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async read(
    ch: NodeBle.GattCharacteristic,
    codec: GattCodecId,
    call: <T>(p: Promise<T>, what: string) => Promise<T>,
  ): Promise<void> {
    const buf = await call(ch.readValue(), `ReadValue 0x${codec}`);
    this.onValue(codec, buf, false);
  }

  private decode(codec: GattCodecId, bytes: Uint8Array): DecodeResult {
    if (codec === '2a19') return decodeBatteryLevel(bytes, this.cfg.lowBatteryPct);
    return GATT_CODECS[codec](bytes);
  }

  private onValue(codec: GattCodecId, buf: Buffer, isMeasurement: boolean): void {
    if (isMeasurement) this.conn.dataReceived();
    const id = this.cfg.deviceId;
    const result = this.decode(codec, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    if (result.error !== undefined) {
      const error = result.error;
      this.safe(() => this.sink.decodeError(`gatt:${codec}`, id, error));
      return;
    }
    for (const item of result.items) {
      this.safe(() => {
        if (item.kind === 'reading') {
          const { kind: _k, ...reading } = item;
          this.sink.reading(id, reading);
        } else if (item.kind === 'condition') {
          const { kind: _k, ...report } = item;
          this.sink.condition(id, report);
        } else if (item.kind === 'event') {
          const { kind: _k, ...event } = item;
          this.sink.event(id, event);
        }
      });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeSleep = undefined;
        resolve();
      }, ms);
      this.wakeSleep = () => {
        clearTimeout(timer);
        this.wakeSleep = undefined;
        resolve();
      };
    });
  }

  /** A throwing sink must not break the device's loop or node-ble's event dispatch. */
  private safe(fn: () => void): void {
    try {
      fn();
    } catch {
      /* the gateway's sink logs its own failures */
    }
  }
}
