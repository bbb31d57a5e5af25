import type { DeviceConfig } from '../config/schema.js';
import { DeviceConnection, type ConnectionState } from '../drivers/core/connection.js';

/** What presence tells the gateway: a state for the screen and store, and a serial or BLE link's loss to raise or clear. */
export interface PresenceOutput {
  state(deviceId: string, state: ConnectionState, reason: string): void;
  condition(deviceId: string, condition: 'device-disconnected', active: boolean, detail?: string): void;
}

export interface PresenceOptions {
  out: PresenceOutput;
  /** Monotonic ms for the start-up grace (tests with fake timers pass their clock). */
  now?: () => number;
}

/**
 * When a device counts as lost, by what its transport can tell.
 *
 * MQTT and HL7-over-TCP devices: a connection says nothing (wearables publish and sleep, many HL7 senders open a
 * connection per message), so the only rule is data: silent for `maxSilenceSeconds` the device is shown `quiet`
 * (its live values withdrawn), data shows it connected again. The `no-data` alarm for the same silence is the rules
 * engine's, with the same bound (gateway/rules-config.ts), so one rule raises and clears it. Opening and closing
 * connections never raises anything, so whoever holds a device's credentials cannot make its bed's alarms flap by
 * connecting and disconnecting.
 *
 * Serial and BLE devices: the link is the device. A link down for `disconnectGraceSeconds` raises
 * `device-disconnected` (a USB re-enumeration or a BLE reconnect inside the grace is not an alarm); a link open but
 * silent for `maxSilenceSeconds` (the driver's 'quiet') raises it at once; the link back clears it.
 *
 * At start-up every configured device has a grace of its `maxSilenceSeconds` before `device-disconnected` (and before
 * the engine's `no-data`, whose silence clock starts with it).
 */
export class DevicePresence {
  private readonly devices = new Map<string, DeviceConfig>();
  private readonly watchdogs = new Map<string, DeviceConnection>();
  private readonly linkTimers = new Map<string, NodeJS.Timeout>();
  private readonly linkState = new Map<string, ConnectionState>();
  private readonly raised = new Set<string>();
  /** Data-only devices whose data is flowing (shown as connected). */
  private readonly live = new Set<string>();
  private readonly now: () => number;
  private startedAt = 0;

  constructor(private readonly opts: PresenceOptions) {
    this.now = opts.now ?? (() => performance.now());
  }

  start(devices: DeviceConfig[]): void {
    this.startedAt = this.now();
    for (const d of devices) this.add(d);
  }

  stop(): void {
    for (const w of this.watchdogs.values()) w.stop();
    for (const t of this.linkTimers.values()) clearTimeout(t);
    this.linkTimers.clear();
  }

  /** A new or changed device: watched afresh, with a grace of its maxSilenceSeconds. */
  add(d: DeviceConfig): void {
    this.remove(d.id);
    this.devices.set(d.id, d);
    if (!linkIsDevice(d)) {
      const w = new DeviceConnection({
        deviceId: d.id,
        maxSilenceMs: d.maxSilenceSeconds * 1000,
        now: this.now,
        sink: { connection: (id, state, reason) => this.silence(id, state, reason) },
      });
      this.watchdogs.set(d.id, w);
      // Armed now: a device that never sends is shown quiet after its maxSilenceSeconds, not before.
      w.opened('watching for data');
    }
  }

  remove(id: string): void {
    this.watchdogs.get(id)?.stop();
    this.watchdogs.delete(id);
    const t = this.linkTimers.get(id);
    if (t) clearTimeout(t);
    this.linkTimers.delete(id);
    this.linkState.delete(id);
    this.raised.delete(id);
    this.live.delete(id);
    this.devices.delete(id);
  }

  /** Any data from the device (a frame, a publish, a reading). */
  data(id: string): void {
    const w = this.watchdogs.get(id);
    if (!w) return;
    w.dataReceived();
    if (!this.live.has(id)) {
      this.live.add(id);
      this.opts.out.state(id, 'connected', 'data received');
    }
  }

  /** A link state a driver reported. Ignored for MQTT and HL7-over-TCP devices (see the class comment). */
  link(id: string, state: ConnectionState, reason: string): boolean {
    const d = this.devices.get(id);
    if (!d || !linkIsDevice(d)) return false;
    this.linkState.set(id, state);
    this.opts.out.state(id, state, reason);
    if (state === 'connected') {
      this.cancel(id);
      this.raised.delete(id);
      this.opts.out.condition(id, 'device-disconnected', false);
    } else if (state === 'quiet') {
      this.cancel(id);
      this.raise(id, reason);
    } else if (!this.linkTimers.has(id) && !this.raised.has(id)) {
      // disconnected or connecting: the link is down; the grace starts at its first report.
      const startupLeft = this.startedAt + d.maxSilenceSeconds * 1000 - this.now();
      const wait = Math.max(d.disconnectGraceSeconds * 1000, startupLeft);
      const t = setTimeout(() => {
        this.linkTimers.delete(id);
        const s = this.linkState.get(id);
        if (s !== 'connected') this.raise(id, `${reason} (link down for ${Math.round(wait / 100) / 10} s)`);
      }, wait);
      t.unref?.();
      this.linkTimers.set(id, t);
    }
    return true;
  }

  private raise(id: string, detail: string): void {
    this.raised.add(id);
    this.opts.out.condition(id, 'device-disconnected', true, detail);
  }

  private cancel(id: string): void {
    const t = this.linkTimers.get(id);
    if (t) clearTimeout(t);
    this.linkTimers.delete(id);
  }

  private silence(id: string, state: ConnectionState, reason: string): void {
    if (state === 'quiet') {
      this.live.delete(id);
      this.opts.out.state(id, 'quiet', reason);
    } else if (state === 'connected' && reason !== 'watching for data') {
      this.live.add(id);
      this.opts.out.state(id, 'connected', reason);
    }
  }
}

/** Serial and BLE: the link is the device itself. */
function linkIsDevice(d: DeviceConfig): boolean {
  return d.transport === 'serial' || d.transport === 'ble';
}
