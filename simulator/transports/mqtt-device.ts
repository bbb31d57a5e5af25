import mqtt, { type MqttClient } from 'mqtt';
import type { SampleAction } from '../scenario/plan.js';
import type { SimDevice } from './sim-device.js';

export interface MqttDeviceOptions {
  url: string;
  deviceId: string;
  password: string;
  format: 'json' | 'senml';
  onError?: (err: Error) => void;
}

/** The wearable's `vitals/<id>` payload: JSON object with `t`, `seq` and vitals, or a SenML (RFC 8428) pack. */
export function wearablePayload(format: 'json' | 'senml', deviceId: string, s: SampleAction): string {
  const t = Date.now() + s.clockOffsetMs;
  const v = s.vitals;
  if (format === 'senml') {
    // RFC 8428: base name + base time (seconds); units from the SenML registry (beat/min, %, /min, Cel).
    return JSON.stringify([
      { bn: `urn:dev:${deviceId}:`, bt: t / 1000, n: 'hr', u: 'beat/min', v: v.hr },
      { n: 'spo2', u: '%', v: v.spo2 },
      { n: 'rr', u: '/min', v: v.rr },
      { n: 'temp', u: 'Cel', v: v.temp },
    ]);
  }
  return JSON.stringify({ t, seq: s.seq, ...v, ...(s.battery !== undefined ? { battery: s.battery } : {}) });
}

/** A wearable: an MQTT 3.1.1 client with the device's credentials, publishing vitals and fall events. */
export class MqttSimDevice implements SimDevice {
  private client: MqttClient | undefined;

  constructor(private readonly o: MqttDeviceOptions) {}

  get id(): string {
    return this.o.deviceId;
  }

  async start(): Promise<void> {
    const c = mqtt.connect(this.o.url, { username: this.o.deviceId, password: this.o.password, clientId: `sim-${this.o.deviceId}`, protocolVersion: 4, reconnectPeriod: 500, connectTimeout: 5000 });
    this.client = c;
    c.on('error', (err) => this.o.onError?.(err));
    await new Promise<void>((resolve, reject) => {
      c.once('connect', () => resolve());
      c.once('error', reject);
    });
  }

  private publish(topic: string, payload: string | Buffer): boolean {
    if (!this.client?.connected) return false;
    this.client.publish(topic, payload, { qos: 0 });
    return true;
  }

  sample(s: SampleAction): boolean {
    if (s.sensorOff) return false; // a wearable off the skin has nothing to publish
    return this.publish(`vitals/${this.o.deviceId}`, wearablePayload(this.o.format, this.o.deviceId, s));
  }

  fall(clockOffsetMs: number): boolean {
    return this.publish(`events/${this.o.deviceId}`, JSON.stringify({ event: 'fall', t: Date.now() + clockOffsetMs }));
  }

  garbage(bytes: Uint8Array): boolean {
    return this.publish(`vitals/${this.o.deviceId}`, Buffer.from(bytes));
  }

  async unplug(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await new Promise<void>((resolve) => c.end(true, {}, () => resolve()));
  }

  async replug(): Promise<void> {
    await this.start();
  }

  async stop(): Promise<void> {
    await this.unplug();
  }
}
