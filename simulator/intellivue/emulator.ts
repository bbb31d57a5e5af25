/**
 * Emulated Philips IntelliVue on a serial path (a socat PTY end or a real port). Independent of the driver's code
 * (own framing and messages: monitor-wire.ts, monitor-protocol.ts).
 *
 * Behaviour: accepts (or refuses) associations, sends MDS Create and waits for its result, answers single polls
 * once and extended polls every reportEveryMs until NOM_ATTR_TIME_PD_POLL runs out, enforces the connection
 * timeout (OpenICE rule from the negotiated min_poll_period unless overridden), and injects faults.
 *
 * Run: npx tsx simulator/intellivue/emulator.ts --path /tmp/x/ttyB [--demo] [--bed "Bed 4"]
 */
import { SerialPort } from 'serialport';
import { MonitorFrameSplitter, monitorFrame, type WireFaults } from './monitor-wire.js';
import {
  MONITOR_ABORT, MONITOR_REFUSE, MONITOR_RELEASE_RESULT, monitorAssociationResult, monitorMdsCreate, monitorPollResult,
  readClientRequest, type AlarmSpec, type ClientRequest, type ObjectSpec,
} from './monitor-protocol.js';

export interface MonitorValues {
  hr?: number | 'NaN';
  spo2?: number | 'NaN';
  pr?: number | 'NaN';
  rr?: number | 'NaN';
  temp?: number | 'NaN';
  nbp?: { sys: number; dia: number; mean: number; at: Date };
}

export interface EmulatorOptions {
  path: string;
  bedLabel?: string;
  values?: MonitorValues;
  /** Extended-poll report interval (POLL_EXT_PERIOD_NU_1SEC: about 1 s [JVS]). */
  reportEveryMs?: number;
  /** Connection timeout override; default from min_poll_period: <=3.3 s -> 10 s, <=43 s -> 3x, else 130 s [OI]. */
  keepAliveTimeoutMs?: number;
  /** What the monitor does when the client stays silent too long. */
  onTimeout?: 'silent' | 'abort';
  /** The MTU the monitor grants at most. */
  maxMtu?: number;
}

type Phase = 'idle' | 'wait-mds-result' | 'associated';

export class IntellivueEmulator {
  values: MonitorValues;
  alarms: AlarmSpec[] = [];
  demo = false;
  readonly stats = { associations: 0, refused: 0, mdsCreates: 0, mdsResults: 0, badMdsResults: 0, polls: 0, keepAliveExpiries: 0, badFrames: 0, releases: 0, aborts: 0, pollResultsSent: 0 };
  private port: SerialPort | undefined;
  private splitter = new MonitorFrameSplitter();
  private phase: Phase = 'idle';
  private mdsInvokeId = 0;
  private invokeCounter = 0x100;
  private timeoutMs = 10_000;
  private lastClientRx = 0;
  private ext: { invokeId: number; pollNumber: number; objClass: number; attrGroup: number; until: number; seq: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private silentUntil = 0;
  private readonly bootAt = Date.now();
  private pending: { refuse?: number; badFcs?: number; abortFrames?: number } = {};

  constructor(private readonly opts: EmulatorOptions) {
    this.values = { ...(opts.values ?? { hr: 72, spo2: 97, pr: 71, rr: 15, temp: 37.1 }) };
  }

  get associated(): boolean {
    return this.phase === 'associated';
  }

  async start(): Promise<void> {
    const port = new SerialPort({ path: this.opts.path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
    this.port = port;
    port.on('data', (c: Buffer) => this.onBytes(c));
    this.timer = setInterval(() => this.onTick(), 50);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const p = this.port;
    this.port = undefined;
    if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
  }

  // ---- fault injection
  refuseNext(n = 1): void {
    this.pending.refuse = n;
  }
  corruptNextFrames(n = 1): void {
    this.pending.badFcs = n;
  }
  abortNextFrames(n = 1): void {
    this.pending.abortFrames = n;
  }
  /** Sends an Abort and forgets the association. */
  abortAssociation(): void {
    this.send(MONITOR_ABORT);
    this.drop();
  }
  /** Neither answers nor reports for `ms` (and misses keep-alives meanwhile). */
  goSilent(ms: number): void {
    this.silentUntil = Date.now() + ms;
  }
  /** Restarts: silent for `ms`, then a new MDS Create on the same association (new session for the client). */
  reboot(ms = 500): void {
    this.ext = undefined;
    this.goSilent(ms);
    setTimeout(() => {
      if (this.phase !== 'idle') this.sendMdsCreate();
    }, ms + 10).unref();
  }

  private drop(): void {
    this.phase = 'idle';
    this.ext = undefined;
  }

  private send(userData: Buffer): void {
    if (!this.port?.isOpen) return;
    const faults: WireFaults = {};
    if (this.pending.badFcs) {
      this.pending.badFcs--;
      faults.badFcs = true;
    } else if (this.pending.abortFrames) {
      this.pending.abortFrames--;
      faults.abort = true;
    }
    this.port.write(monitorFrame(userData, faults));
  }

  private onBytes(c: Buffer): void {
    const frames = this.splitter.feed(c);
    this.stats.badFrames = this.splitter.badFrames;
    if (Date.now() < this.silentUntil) return;
    for (const f of frames) this.onRequest(readClientRequest(f));
  }

  private onRequest(r: ClientRequest): void {
    this.lastClientRx = Date.now();
    switch (r.kind) {
      case 'associate': {
        if (this.pending.refuse) {
          this.pending.refuse--;
          this.stats.refused++;
          this.send(MONITOR_REFUSE);
          return;
        }
        const mtu = Math.min(r.mtuRx, this.opts.maxMtu ?? 1000);
        const minPoll = Math.max(r.minPollPeriodTicks, 8000); // this "monitor" reports at most once a second
        this.timeoutMs = this.opts.keepAliveTimeoutMs ?? timeoutFor(minPoll / 8);
        this.stats.associations++;
        this.send(monitorAssociationResult({ minPollPeriodTicks: minPoll, mtuRx: mtu, mtuTx: mtu }));
        this.ext = undefined;
        this.sendMdsCreate();
        return;
      }
      case 'bad-associate':
        this.stats.refused++;
        this.send(MONITOR_REFUSE);
        return;
      case 'mds-create-result':
        if (this.phase === 'wait-mds-result' && r.invokeId === this.mdsInvokeId && r.eventType === 0x0d06) {
          this.stats.mdsResults++;
          this.phase = 'associated';
        } else this.stats.badMdsResults++;
        return;
      case 'poll':
        if (this.phase !== 'associated') return;
        this.stats.polls++;
        if (r.extended && r.objClass === 0x0006) {
          this.ext = { invokeId: r.invokeId, pollNumber: r.pollNumber, objClass: r.objClass, attrGroup: r.attrGroup, until: Date.now() + (r.periodTicks ?? 0) / 8, seq: 0, ...{} };
          this.report();
        } else {
          this.send(monitorPollResult({ invokeId: r.invokeId, extended: r.extended, pollNumber: r.pollNumber, sequenceNo: 0, relTicks: this.relTicks(), objClass: r.objClass, attrGroup: r.attrGroup, objects: this.objectsFor(r.objClass) }));
        }
        return;
      case 'release':
        this.stats.releases++;
        this.send(MONITOR_RELEASE_RESULT);
        this.drop();
        return;
      case 'abort':
        this.stats.aborts++;
        this.drop();
        return;
      default:
        return;
    }
  }

  private sendMdsCreate(): void {
    this.mdsInvokeId = this.invokeCounter = (this.invokeCounter + 1) & 0xffff;
    this.phase = 'wait-mds-result';
    this.stats.mdsCreates++;
    this.send(monitorMdsCreate(this.mdsInvokeId, this.relTicks(), new Date(), this.opts.bedLabel ?? 'Bed 1'));
  }

  private relTicks(): number {
    return ((Date.now() - this.bootAt) * 8) % 2 ** 32;
  }

  private nextReportAt = 0;
  private onTick(): void {
    const now = Date.now();
    if (now < this.silentUntil) return;
    if (this.phase !== 'idle' && now - this.lastClientRx > this.timeoutMs) {
      this.stats.keepAliveExpiries++;
      if (this.opts.onTimeout === 'abort') this.send(MONITOR_ABORT);
      this.drop();
      return;
    }
    if (this.phase === 'associated' && this.ext && now >= this.nextReportAt) {
      if (now > this.ext.until) {
        this.ext = undefined; // the extended poll lapsed: data stops while the association stays up [VSC#10]
        return;
      }
      this.report();
    }
  }

  private report(): void {
    const e = this.ext;
    if (!e) return;
    this.nextReportAt = Date.now() + (this.opts.reportEveryMs ?? 1000);
    this.stats.pollResultsSent++;
    this.send(monitorPollResult({ invokeId: e.invokeId, extended: true, pollNumber: e.pollNumber, sequenceNo: e.seq++ & 0xffff, relTicks: this.relTicks(), objClass: e.objClass, attrGroup: e.attrGroup, objects: this.objectsFor(e.objClass) }));
  }

  private objectsFor(objClass: number): ObjectSpec[] {
    if (objClass === 0x0036) return this.alarms.length ? [{ kind: 'alarms', handle: 100, alarms: this.alarms }] : [];
    if (objClass !== 0x0006) return [];
    const st = this.demo ? 0x0400 : 0;
    const v = this.values;
    const out: ObjectSpec[] = [];
    if (v.hr !== undefined) out.push({ kind: 'numeric', handle: 1, physioId: 0x4182, unit: 0x0aa0, value: v.hr, state: st });
    if (v.spo2 !== undefined) out.push({ kind: 'numeric', handle: 2, physioId: 0x4bb8, unit: 0x0220, value: v.spo2, state: st });
    if (v.pr !== undefined) out.push({ kind: 'numeric', handle: 3, physioId: 0x4822, unit: 0x0aa0, value: v.pr, state: st });
    if (v.rr !== undefined) out.push({ kind: 'numeric', handle: 4, physioId: 0x500a, unit: 0x0ae0, value: v.rr, state: st });
    if (v.temp !== undefined) out.push({ kind: 'numeric', handle: 5, physioId: 0x4b48, unit: 0x17a0, value: v.temp, state: st });
    if (v.nbp) {
      out.push({ kind: 'compound', handle: 6, label: 0x00024a04, unit: 0x0f20, state: st, measuredAt: v.nbp.at, parts: [{ physioId: 0x4a05, value: v.nbp.sys }, { physioId: 0x4a06, value: v.nbp.dia }, { physioId: 0x4a07, value: v.nbp.mean }] });
    }
    return out;
  }
}

function timeoutFor(minPollMs: number): number {
  if (minPollMs <= 3300) return 10_000;
  if (minPollMs <= 43_000) return 3 * minPollMs;
  return 130_000;
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const path = arg('--path');
  if (!path) {
    console.error('usage: emulator.ts --path <tty> [--demo] [--bed <label>]');
    process.exit(2);
  }
  const emu = new IntellivueEmulator({ path, bedLabel: arg('--bed') ?? 'Bed 1' });
  emu.demo = process.argv.includes('--demo');
  await emu.start();
  console.log(`IntelliVue emulator on ${path}`);
  process.on('SIGINT', () => void emu.stop().then(() => process.exit(0)));
}
