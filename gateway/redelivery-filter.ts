/**
 * Samples a device sent again (an MQTT QoS 1 redelivery after a lost acknowledgement): the same device sequence
 * number with the same payload fingerprint within the window. Per device, the last `slots` sequence numbers in a
 * ring indexed by the number itself, held in typed arrays: nothing is allocated per sample and nothing is left
 * for the garbage collector to trace (a map of "device, seq, fingerprint" strings cost a string per sample and a
 * few MB of live keys at a big ward's rate). A redelivered sample is one of the last the device sent before its
 * connection dropped, so `slots` newer numbers in between would mean a device far past any in-flight window.
 */
export class RedeliveryFilter {
  private readonly devices = new Map<string, DeviceSamples>();

  constructor(
    private readonly windowMs: number,
    private readonly slots = 1024,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether this device sent this sequence number with this fingerprint within the window; records it. */
  seen(deviceId: string, seq: number, fingerprint: number): boolean {
    let d = this.devices.get(deviceId);
    if (!d) this.devices.set(deviceId, (d = newDeviceSamples(this.slots)));
    const n = this.slots;
    const slot = ((Math.trunc(seq) % n) + n) % n;
    const t = this.now();
    if (d.seq[slot] === seq && d.fingerprint[slot] === fingerprint && t - (d.at[slot] as number) < this.windowMs) return true;
    d.seq[slot] = seq;
    d.fingerprint[slot] = fingerprint;
    d.at[slot] = t;
    return false;
  }

  /** A device removed from the configuration: its memory goes with it. */
  forget(deviceId: string): void {
    this.devices.delete(deviceId);
  }
}

interface DeviceSamples {
  seq: Float64Array;
  fingerprint: Float64Array;
  at: Float64Array;
}

function newDeviceSamples(slots: number): DeviceSamples {
  return { seq: new Float64Array(slots).fill(NaN), fingerprint: new Float64Array(slots), at: new Float64Array(slots).fill(-Infinity) };
}
