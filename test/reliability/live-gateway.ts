/**
 * Helpers for the reliability tests that run the real daemon: a config for N MQTT beds, MQTT clients, an
 * alarms/# collector, the daemon's RSS, open file descriptors and event-loop lag; the live ward a hostile test
 * attacks (daemon, observer, a well-behaved wearable).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { startGatewayProcess, writeConfig, type GatewayProcess } from '../helpers/gateway-process.js';

export interface BedSpec {
  bed: string;
  device: string;
  password: string;
}

export const OBSERVER = { username: 'observer', password: 'observer-secret' };

export function beds(n: number, prefix = 'bed'): BedSpec[] {
  return Array.from({ length: n }, (_, i) => {
    const k = String(i + 1).padStart(2, '0');
    return { bed: `${prefix}-${k}`, device: `wear-${k}`, password: `pw-${k}` };
  });
}

/** A gateway config: one MQTT wearable per bed, alarms without delay, sync disabled unless `sync` is given. */
export function gatewayConfig(dir: string, list: BedSpec[], extra: { sync?: Record<string, unknown>; broker?: Record<string, unknown>; maxSilenceSeconds?: number } = {}): Record<string, unknown> {
  return {
    gateway: { id: 'gw-rel', site: 'rel-site', ward: 'rel-ward' },
    dataDir: join(dir, 'data'),
    log: { level: 'info' },
    broker: { host: '127.0.0.1', port: 0, users: [{ username: OBSERVER.username, password: OBSERVER.password, subscribe: ['alarms/#'] }], ...extra.broker },
    screen: { host: '127.0.0.1', port: 0, staff: [{ id: 'n1', name: 'Nurse One', pin: '2468' }] },
    beds: list.map((b) => ({ id: b.bed, profile: 'adult', overrides: { hr: { delaySeconds: 0 }, spo2: { delaySeconds: 0 } } })),
    devices: list.map((b) => ({ id: b.device, bed: b.bed, transport: 'mqtt', password: b.password, maxSilenceSeconds: extra.maxSilenceSeconds ?? 600 })),
    sync: extra.sync ?? { enabled: false },
    buzzer: { backend: 'none' },
  };
}

export async function connectMqtt(port: number, opts: IClientOptions): Promise<MqttClient> {
  const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, reconnectPeriod: 200, connectTimeout: 5000, ...opts });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('mqtt connect timed out')), 8000);
    c.once('connect', () => {
      clearTimeout(t);
      resolve();
    });
    c.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
  return c;
}

export interface AlarmMessage {
  id: string;
  bed: string;
  condition: string;
  state: string;
  transition: string;
  incidentId: string;
  /** Gateway observation sequence of the sample that caused it (rules/types.ts). */
  sourceSeq?: number;
  /** The causing sample's device timestamp (epoch ms), when it carried one. */
  sourceTs?: number;
  receivedAtMs: number;
  receivedAtWallMs: number;
}

/** Subscribes to alarms/# as the observer and collects every alarm message with its arrival time. */
export async function collectAlarms(port: number): Promise<{ client: MqttClient; alarms: AlarmMessage[] }> {
  const alarms: AlarmMessage[] = [];
  const client = await connectMqtt(port, { ...OBSERVER, clientId: `observer-${process.pid}-${Math.random().toString(16).slice(2, 8)}` });
  client.on('message', (_t, p) => {
    try {
      alarms.push({ ...(JSON.parse(p.toString()) as Omit<AlarmMessage, 'receivedAtMs' | 'receivedAtWallMs'>), receivedAtMs: performance.now(), receivedAtWallMs: Date.now() });
    } catch {
      // not an alarm message
    }
  });
  await client.subscribeAsync('alarms/#', { qos: 1 });
  return { client, alarms };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Resident set size of a process in MB (from /proc/<pid>/status VmRSS). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** One gauge or counter value from the gateway's /metrics (Prometheus text), summed over its label sets. */
export async function scrapeMetric(screenPort: number, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${screenPort}/metrics`)).text();
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (m) sum = (sum ?? 0) + Number(m[2]);
  }
  return sum;
}

/** The nurse of gatewayConfig's screen (staff n1) logs in; returns the session cookie. */
async function nurseLogin(base: string): Promise<string> {
  const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'n1', pin: '2468' }) });
  if (login.status !== 200) throw new Error(`screen login: HTTP ${login.status}`);
  return login.headers.get('set-cookie')!.split(';')[0]!;
}

/**
 * The nurse's admission round: ACVPU alert and breathing air on every bed, so that NEWS2 is complete and a NEWS2
 * alarm can clear once the vitals are back (an incomplete score never clears one).
 */
export async function enterManualInputs(screenPort: number, bedIds: string[]): Promise<void> {
  const base = `http://127.0.0.1:${screenPort}`;
  const cookie = await nurseLogin(base);
  for (const bed of bedIds) {
    const r = await fetch(`${base}/api/beds/${encodeURIComponent(bed)}/manual`, { method: 'POST', headers: { 'Content-Type': 'application/json', cookie }, body: JSON.stringify({ acvpu: 'A', o2: false }) });
    if (r.status !== 200) throw new Error(`manual inputs for ${bed}: HTTP ${r.status} ${await r.text()}`);
  }
}

/** Acknowledges every active alarm on the screen as nurse n1; returns how many. */
export async function acknowledgeEverything(screenPort: number): Promise<number> {
  const base = `http://127.0.0.1:${screenPort}`;
  const cookie = await nurseLogin(base);
  const state = (await (await fetch(`${base}/api/state`, { headers: { cookie } })).json()) as { alarms: Array<{ id: string; state: string }> };
  let n = 0;
  for (const a of state.alarms.filter((x) => x.state === 'active')) {
    const r = await fetch(`${base}/api/alarms/${encodeURIComponent(a.id)}/ack`, { method: 'POST', headers: { 'Content-Type': 'application/json', cookie }, body: '{}' });
    if (r.status === 200) n += 1;
  }
  return n;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


/**
 * The well-behaved wearable of a hostile test: one sample every 100 ms on its bed, each with a device timestamp that
 * its alarms carry back as sourceTs, the heart rate high (150) on every `highEvery`-th sample and normal (80) on the
 * others, so that alarms raise and clear all along.
 */
export class GoodWearable {
  /** Device timestamp (epoch ms) of every sample sent. */
  readonly sentTs = new Set<number>();
  /** Those of the high samples. */
  readonly highTs = new Set<number>();
  private seq = 0;
  private lastTs = 0;
  private running = true;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly client: MqttClient,
    readonly spec: BedSpec,
    private readonly o: { highEvery: number; qos: 0 | 1 },
  ) {
    this.loop = this.run();
  }

  static async start(brokerPort: number, spec: BedSpec, o: { highEvery: number; qos: 0 | 1 }): Promise<GoodWearable> {
    const client = await connectMqtt(brokerPort, { username: spec.device, password: spec.password, clientId: 'good' });
    return new GoodWearable(client, spec, o);
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.seq += 1;
      const high = this.seq % this.o.highEvery === 1;
      const t = (this.lastTs = Math.max(Date.now(), this.lastTs + 1));
      this.sentTs.add(t);
      if (high) this.highTs.add(t);
      this.client.publish(`vitals/${this.spec.device}`, JSON.stringify({ t, seq: this.seq, hr: high ? 150 : 80 }), { qos: this.o.qos });
      await sleep(100);
    }
  }

  /** Latencies (ms) of this bed's alarms (of `condition`, when given) caused by samples sent in [fromTs, toTs). */
  latencies(alarms: AlarmMessage[], fromTs: number, toTs: number, condition?: string): number[] {
    return alarms
      .filter((a) => a.bed === this.spec.bed && (condition === undefined || a.condition === condition) && a.sourceTs !== undefined && a.sourceTs >= fromTs && a.sourceTs < toTs && this.sentTs.has(a.sourceTs))
      .map((a) => a.receivedAtWallMs - a.sourceTs!);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.client.end(true);
  }
}

/** A live ward under attack: the daemon on `config`, the alarms/# observer, and the good wearable sending. */
export interface LiveWard {
  gw: GatewayProcess;
  alarms: AlarmMessage[];
  wearable: GoodWearable;
  /** Stops the wearable and the observer, kills the daemon and removes `dir`. */
  stop(): Promise<void>;
}

export async function startLiveWard(dir: string, config: Record<string, unknown>, good: BedSpec, probe: { highEvery: number; qos: 0 | 1 }): Promise<LiveWard> {
  const gw = await startGatewayProcess(writeConfig(dir, config));
  const { client: observer, alarms } = await collectAlarms(gw.brokerPort);
  const wearable = await GoodWearable.start(gw.brokerPort, good, probe);
  return {
    gw,
    alarms,
    wearable,
    async stop() {
      await wearable.stop();
      observer.end(true);
      await gw.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
