/**
 * The load generator: B wearables publishing `vitals/<deviceId>` JSON ({"t", "seq", "hr"}) to the broker under test,
 * and a service account subscribed to `alarms/#` that matches every alarm to the sample that caused it.
 *
 * Every `abnormalEvery`-th sample of a bed is abnormal (hr 125-130: above the adult profile's medium limit of 120,
 * below the high band at 140 so nothing latches, and a NEWS2 pulse score of 2 so no NEWS2 alarm joins in); all the
 * others are normal (hr 70-90, at or below 120 - hysteresis 5). With no condition delay, each abnormal sample raises
 * `hr-high` and the bed's next sample clears it: the alarms expected are known exactly. `t` is the send time
 * (epoch ms, sub-millisecond), echoed back by the gateway in the alarm's `sourceTs`; latency = receipt - t.
 *
 * Modes: `rate` sends N samples/s round-robin over the beds (QoS 1; a sample is not sent, and counted, when its
 * device already has `maxInFlight` unacknowledged); `saturate` keeps `window` QoS 1 publishes in flight per device
 * (bounded in-flight, as fast as the broker acknowledges); `flood` sends N samples/s at QoS 0 and drops, device-side,
 * what the socket will not take (over `maxBacklog` bytes queued).
 */
import mqtt from 'mqtt';
import { RawPublisher } from './mqtt-wire.js';
import { percentile } from './procfs.js';

export type LoadMode =
  | { kind: 'rate'; perSecond: number; maxInFlight: number }
  | { kind: 'saturate'; window: number }
  /**
   * QoS 0 as fast as the whole path keeps up, paced end to end by the alarms: a device sends while it is fewer than
   * `window` samples ahead of its last sample confirmed by an alarm (a raise or clear carries the sample's time), so
   * the rate is what the processing behind the broker sustains, not what a broker acknowledges. Works the same for
   * every variant (ceiling, gateway, Node-RED behind mosquitto). `window` must exceed `abnormalEvery`.
   */
  | { kind: 'paced'; window: number }
  | { kind: 'flood'; perSecond: number; maxBacklog: number };

export interface Target {
  host: string;
  port: number;
  devices: Array<{ id: string; bed: string; password: string }>;
  subscriber?: { username: string; password: string };
}

/** What one sample carries: all six vitals of a wearable in one message, or the heart rate alone. */
export type Vitals = 'six' | 'hr';

export interface PhaseOptions {
  mode: LoadMode;
  /** Default 'six'. */
  vitals?: Vitals;
  /** QoS of the samples in `rate` mode (default 1; `flood` is always 0, `saturate` always 1). */
  qos?: 0 | 1;
  durationMs: number;
  /** Samples before this are sent but not measured (JIT warm-up, caches). */
  warmupMs: number;
  abnormalEvery: number;
  /** How long to wait after the last sample for outstanding alarms. */
  drainMs?: number;
  /** Called at the start and the end of the measured window (after warm-up). */
  onWindow?: (edge: 'start' | 'end') => void;
}

export interface PhaseResult {
  windowS: number;
  /** Samples sent in the measured window. */
  sent: number;
  /** Samples acknowledged (QoS 1) in the measured window; for QoS 0 equal to `sent`. */
  acked: number;
  samplesPerS: number;
  /** Samples the devices could not send (in-flight bound or socket backlog), whole phase. */
  notSent: number;
  /** Samples over the whole phase, warm-up included. */
  totalSent: number;
  abnormal: number;
  alarmsExpected: number;
  alarmsReceived: number;
  /** Expected alarms that never came. */
  alarmsMissing: number;
  /** hr-high alarms that matched no expectation, or came twice. */
  alarmsUnexpected: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; n: number };
}

const nowMs = (): number => performance.timeOrigin + performance.now();

/**
 * A wearable's whole message. Apart from hr, every value stays inside the adult profile's limits and scores 0 in
 * NEWS2 (RCP 2017, Chart 1: SpO2 >= 96, RR 12-20, temperature 36.1-38.0, systolic 111-219), so hr alone decides.
 */
function sixVitals(t: number, seq: number, hr: number): string {
  const k = seq % 5;
  return `{"t":${t},"seq":${seq},"hr":${hr},"spo2":${96 + (k % 3)},"rr":${14 + k},"temp":${(36.6 + k / 10).toFixed(1)},"sbp":${118 + k},"dbp":${72 + k}}`;
}

interface Bed {
  pub: RawPublisher;
  bed: string;
  seq: number;
  /** The newest of its samples an alarm has confirmed (paced mode). */
  confirmed: number;
  lastAbnormal: boolean;
  offset: number;
}

export class LoadGenerator {
  private beds: Bed[] = [];
  private sub: mqtt.MqttClient | undefined;
  /** `<bed>|<t>` -> send time of an expected alarm not yet received. */
  private expected = new Map<string, { t: number; measured: boolean; seq: number; bed: Bed }>();
  /** Called when an alarm confirms a sample (paced mode sends more). */
  private onConfirm: (() => void) | undefined;
  private latencies: number[] = [];
  private received = 0;
  private unexpected = 0;

  /** `abnormalEvery` spreads the beds' first abnormal samples evenly over the first `abnormalEvery` samples. */
  static async connect(target: Target, abnormalEvery: number): Promise<LoadGenerator> {
    const g = new LoadGenerator();
    if (target.subscriber) {
      const sub = mqtt.connect(`mqtt://${target.host}:${target.port}`, { ...target.subscriber, protocolVersion: 4, reconnectPeriod: 0, clientId: `bench-sub-${process.pid}` });
      await new Promise<void>((resolve, reject) => {
        sub.once('connect', () => resolve());
        sub.once('error', reject);
      });
      sub.on('message', (_topic, payload) => g.onAlarm(payload));
      await sub.subscribeAsync('alarms/#', { qos: 1 });
      g.sub = sub;
    } else {
      throw new Error('a subscriber is required');
    }
    let i = 0;
    for (const d of target.devices) {
      const pub = await RawPublisher.open({ host: target.host, port: target.port, clientId: d.id, username: d.id, password: d.password }, `vitals/${d.id}`);
      g.beds.push({ pub, bed: d.bed, seq: 0, confirmed: 0, lastAbnormal: false, offset: Math.floor((i++ * abnormalEvery) / target.devices.length) });
    }
    return g;
  }

  private onAlarm(payload: Buffer): void {
    const at = nowMs();
    let a: { bed?: string; condition?: string; transition?: string; sourceTs?: number };
    try {
      a = JSON.parse(payload.toString()) as typeof a;
    } catch {
      return;
    }
    if (a.condition !== 'hr-high' || (a.transition !== 'raised' && a.transition !== 'cleared')) return;
    const key = `${a.bed}|${a.transition}|${a.sourceTs}`;
    const e = this.expected.get(key);
    if (!e) {
      this.unexpected += 1;
      return;
    }
    this.expected.delete(key);
    this.received += 1;
    if (e.measured) this.latencies.push(at - e.t);
    if (e.seq > e.bed.confirmed) {
      e.bed.confirmed = e.seq;
      this.onConfirm?.();
    }
  }

  /** Sends one sample on bed `b`; returns false when it was not sent. */
  private send(b: Bed, qos: 0 | 1, abnormalEvery: number, measured: boolean, forceNormal = false, vitals: Vitals = 'six'): { abnormal: boolean; expects: number } {
    b.seq += 1;
    const abnormal = !forceNormal && abnormalEvery > 1 && (b.seq + b.offset) % abnormalEvery === 0;
    const hr = abnormal ? 125 + (b.seq % 6) : 70 + (b.seq % 21);
    const t = nowMs();
    b.pub.publish(vitals === 'six' ? sixVitals(t, b.seq, hr) : `{"t":${t},"seq":${b.seq},"hr":${hr}}`, qos);
    let expects = 0;
    if (abnormal) {
      this.expected.set(`${b.bed}|raised|${t}`, { t, measured, seq: b.seq, bed: b });
      expects = 1;
    } else if (b.lastAbnormal) {
      this.expected.set(`${b.bed}|cleared|${t}`, { t, measured, seq: b.seq, bed: b });
      expects = 1;
    }
    b.lastAbnormal = abnormal;
    return { abnormal, expects };
  }

  async run(o: PhaseOptions): Promise<PhaseResult> {
    this.latencies = [];
    this.received = 0;
    this.unexpected = 0;
    this.expected.clear();
    const qos: 0 | 1 = o.mode.kind === 'flood' || o.mode.kind === 'paced' ? 0 : o.mode.kind === 'rate' ? (o.qos ?? 1) : 1;
    // Spread the beds' next abnormal samples evenly over the next `abnormalEvery` samples, whatever the previous
    // phase left (paced saturation leaves every bed just past its last abnormal sample).
    this.beds.forEach((b, i) => {
      b.confirmed = b.seq;
      const next = 1 + Math.floor((i * o.abnormalEvery) / this.beds.length);
      b.offset = (((o.abnormalEvery - ((b.seq + next) % o.abnormalEvery)) % o.abnormalEvery) + o.abnormalEvery) % o.abnormalEvery;
    });
    const vitals = o.vitals ?? 'six';
    let measuring = false;
    let sent = 0;
    let totalSent = 0;
    let notSent = 0;
    let abnormal = 0;
    let expectedTotal = 0;
    let ackedAtStart = 0;
    let windowStart = 0;
    const ackedNow = () => this.beds.reduce((s, b) => s + b.pub.acked, 0);
    const t0 = performance.now();
    const sendOne = (b: Bed) => {
      const r = this.send(b, qos, o.abnormalEvery, measuring, false, vitals);
      totalSent += 1;
      if (measuring) sent += 1;
      if (r.abnormal) abnormal += 1;
      expectedTotal += r.expects;
    };

    const warm = setTimeout(() => {
      measuring = true;
      windowStart = performance.now();
      ackedAtStart = ackedNow();
      o.onWindow?.('start');
    }, o.warmupMs);
    let stopped = false;
    const mode = o.mode;
    let timer: NodeJS.Timeout | undefined;
    if (mode.kind === 'saturate') {
      for (const b of this.beds) {
        b.pub.onAck = () => {
          if (!stopped) sendOne(b);
        };
        for (let i = 0; i < mode.window; i++) sendOne(b);
      }
    } else if (mode.kind === 'paced') {
      let pumping = false;
      const pump = () => {
        pumping = false;
        if (stopped) return;
        for (const b of this.beds) {
          // A bounded burst per device per pass, so alarms are read in between; the socket backlog stays small.
          for (let i = 0; i < 16 && b.seq < b.confirmed + mode.window && b.pub.backlog < 64 * 1024; i++) sendOne(b);
        }
        if (this.beds.some((b) => b.seq < b.confirmed + mode.window)) schedule();
      };
      const schedule = () => {
        if (!pumping) {
          pumping = true;
          setImmediate(pump);
        }
      };
      this.onConfirm = schedule;
      timer = setInterval(schedule, 5);
      schedule();
    } else {
      let rr = 0;
      timer = setInterval(() => {
        const due = Math.floor((mode.perSecond * (performance.now() - t0)) / 1000) - totalSent - notSent;
        for (let i = 0; i < due; i++) {
          const b = this.beds[rr]!;
          rr = (rr + 1) % this.beds.length;
          const blocked = mode.kind === 'rate' ? b.pub.inFlight >= mode.maxInFlight : b.pub.backlog > mode.maxBacklog;
          if (blocked) notSent += 1;
          else sendOne(b);
        }
      }, 1);
    }
    await new Promise((r) => setTimeout(r, o.durationMs));
    stopped = true;
    if (timer) clearInterval(timer);
    clearTimeout(warm);
    const windowEnd = performance.now();
    // At QoS 0 there is no acknowledgement: what was sent counts. Paced, the devices send only as fast as alarms
    // confirm processing and the in-flight window is full at both edges, so samples sent in the window are those
    // processed in it (the confirmed count moves in steps of abnormalEvery, too coarse to count with).
    const acked = qos === 0 ? sent : ackedNow() - ackedAtStart;
    o.onWindow?.('end');
    this.onConfirm = undefined;
    for (const b of this.beds) b.pub.onAck = undefined;
    // Leave every bed on a normal value so each raise has its clear.
    for (const b of this.beds) {
      if (b.lastAbnormal) {
        const r = this.send(b, qos, o.abnormalEvery, false, true, vitals);
        totalSent += 1;
        expectedTotal += r.expects;
      }
    }
    const drainUntil = performance.now() + (o.drainMs ?? 10_000);
    while (this.expected.size > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200)); // late duplicates, if any
    const windowS = (windowEnd - windowStart) / 1000;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      windowS,
      sent,
      acked,
      samplesPerS: acked / windowS,
      notSent,
      totalSent,
      abnormal,
      alarmsExpected: expectedTotal,
      alarmsReceived: this.received,
      alarmsMissing: this.expected.size,
      alarmsUnexpected: this.unexpected,
      latencyMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN, n: sorted.length },
    };
  }

  async close(): Promise<void> {
    for (const b of this.beds) b.pub.close();
    await this.sub?.endAsync();
  }
}
