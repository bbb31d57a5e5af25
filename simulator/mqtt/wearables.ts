import mqtt, { type MqttClient } from 'mqtt';
import { NORMAL_ADULT, PatientModel, seededRandom, type Vitals } from './vitals-model.js';

export interface WearableSpec {
  deviceId: string;
  password: string;
  baseline?: Vitals;
  /** Offsets applied as a function of elapsed ms (deterioration episodes). */
  episode?: (elapsedMs: number) => Partial<Vitals>;
  format?: 'json' | 'senml';
}

export interface WearablesOptions {
  url: string;
  /** CA certificate(s) for an mqtts:// url. */
  ca?: Buffer;
  devices: WearableSpec[];
  intervalMs: number;
  seed?: number;
  onSent?: (deviceId: string, vitals: Vitals) => void;
  onError?: (deviceId: string, err: Error) => void;
}

/**
 * A demo deterioration: every `periodMs`, a `lengthMs` episode of desaturation with tachycardia that then
 * recovers, so threshold alarms rise and clear on their own.
 */
export function desaturationCycle(periodMs = 120_000, lengthMs = 45_000, startMs = 20_000): (t: number) => Partial<Vitals> {
  return (t) => {
    if (t < startMs) return {};
    const phase = (t - startMs) % periodMs;
    if (phase > lengthMs) return {};
    const depth = Math.sin((Math.PI * phase) / lengthMs);
    return { spo2: -13 * depth, hr: 62 * depth, rr: 10 * depth };
  };
}

/** N wearables publishing to a broker in the gateway's JSON or SenML payloads. */
export class Wearables {
  private clients: MqttClient[] = [];
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  sent = 0;

  constructor(private readonly o: WearablesOptions) {}

  async start(): Promise<void> {
    const random = seededRandom(this.o.seed ?? 1);
    const models = this.o.devices.map((d) => new PatientModel(d.baseline ?? NORMAL_ADULT, random));
    this.clients = await Promise.all(
      this.o.devices.map(
        (d) =>
          new Promise<MqttClient>((resolve) => {
            const c = mqtt.connect(this.o.url, { username: d.deviceId, password: d.password, clientId: `sim-${d.deviceId}`, protocolVersion: 4, reconnectPeriod: 2000, ...(this.o.ca ? { ca: this.o.ca } : {}) });
            c.on('error', (err) => this.o.onError?.(d.deviceId, err));
            c.once('connect', () => resolve(c));
            c.once('error', () => resolve(c));
          }),
      ),
    );
    const started = Date.now();
    this.timer = setInterval(() => {
      const elapsed = Date.now() - started;
      this.o.devices.forEach((d, i) => {
        const client = this.clients[i];
        if (!client?.connected) return;
        const v = models[i]!.sample(d.episode?.(elapsed) ?? {});
        this.seq += 1;
        const payload =
          d.format === 'senml'
            ? JSON.stringify([
                { bn: `urn:dev:${d.deviceId}:`, bt: Date.now() / 1000, n: 'hr', u: 'beat/min', v: v.hr },
                { n: 'spo2', u: '%', v: v.spo2 },
                { n: 'rr', u: '/min', v: v.rr },
                { n: 'temp', u: 'Cel', v: v.temp },
              ])
            : JSON.stringify({ t: Date.now(), seq: this.seq, ...v });
        client.publish(`vitals/${d.deviceId}`, payload, { qos: 0 });
        this.sent += 1;
        this.o.onSent?.(d.deviceId, v);
      });
    }, this.o.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.clients.map((c) => new Promise<void>((resolve) => c.end(true, {}, () => resolve()))));
  }
}
