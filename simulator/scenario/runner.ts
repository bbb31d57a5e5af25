import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { Central } from '../central/central.js';
import { PtyLink } from '../serial/pty.js';
import { SerialSimDevice } from '../serial/serial-device.js';
import { MqttSimDevice } from '../transports/mqtt-device.js';
import type { SimDevice } from '../transports/sim-device.js';
import { evaluateExpectations, lastDeadlineMs, type ExpectationReport, type SeenAlarm, type SeenIncident } from './expectations.js';
import { devicePassword, gatewayDelaySeconds, generateGatewayConfig, SIM_GATEWAY } from './gateway-config.js';
import { launchGateway, type LaunchedGateway } from './gateway-launcher.js';
import type { RunProgress } from './live-view.js';
import { planScenario, type PlannedAction } from './plan.js';
import type { Scenario } from './schema.js';

/** A gateway already running: the runner sends to its broker and watches `alarms/#` there; no central is checked. */
export interface TargetGateway {
  brokerUrl: string;
  observer: { username: string; password: string };
}

export interface RunOptions {
  scenario: Scenario;
  /** Overrides the scenario's own speed. */
  speed?: number;
  /** Watch past the scenario's end until every expectation's deadline, then judge. */
  expect?: boolean;
  target?: TargetGateway;
  /** Where the generated config, the gateway's store and the PTY links go (default: a temp dir, removed after). */
  workDir?: string;
  onProgress?: (p: RunProgress) => void;
  progressEveryMs?: number;
  log?: (line: string) => void;
}

export interface RunResult {
  scenario: Scenario;
  sent: number;
  sentByBed: Map<string, number>;
  alarms: SeenAlarm[];
  incidents: SeenIncident[];
  report?: ExpectationReport;
  realSeconds: number;
  /** Last lines the spawned gateway printed (for a failing run). */
  gatewayTail?: string;
}

async function connectObserver(url: string, username: string, password: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { username, password, clientId: `sim-observer-${process.pid}-${randomBytes(3).toString('hex')}`, protocolVersion: 4, reconnectPeriod: 500 });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Runs a scenario against the real gateway: spawns the daemon on a generated config with the simulator's
 * central as its upstream (or targets a running one), plays the plan on real transports at `speed`, watches
 * `alarms/#` and the central, and judges the expectations.
 */
export async function runScenario(o: RunOptions): Promise<RunResult> {
  const scenario: Scenario = { ...o.scenario, speed: o.speed ?? o.scenario.speed };
  const speed = scenario.speed;
  const log = o.log ?? (() => undefined);
  const ownDir = !o.workDir;
  const dir = o.workDir ?? mkdtempSync(join(tmpdir(), `wardgate-sim-${scenario.name}-`));
  mkdirSync(dir, { recursive: true });
  const plan = planScenario(scenario);

  const cleanups: Array<() => Promise<unknown>> = [];
  const alarms: SeenAlarm[] = [];
  const incidents: SeenIncident[] = [];
  const active = new Map<string, string>();
  const sentByBed = new Map<string, number>();
  let sent = 0;
  let skipped = 0;
  let faults = 0;
  let gateway: LaunchedGateway | undefined;
  let central: Central | undefined;
  let t0 = 0;

  try {
    // The central and the serial links come first: the gateway connects to both when it starts.
    let brokerUrl: string;
    let observer: { username: string; password: string };
    const ptys = new Map<string, PtyLink>();
    for (const d of plan.devices) {
      if (d.spec.transport === 'serial') ptys.set(d.id, new PtyLink(join(dir, `${d.id}.sim`), join(dir, `${d.id}.tty`)));
    }
    if (o.target) {
      brokerUrl = o.target.brokerUrl;
      observer = o.target.observer;
    } else {
      const gwPassword = randomBytes(12).toString('hex');
      const centralPassword = randomBytes(12).toString('hex');
      central = new Central({ embeddedPort: 0, username: 'sim-central', password: centralPassword, accounts: { [SIM_GATEWAY.id]: gwPassword }, dbPath: join(dir, 'central.db'), assignDelayMs: 500 });
      await central.start();
      const c = central;
      cleanups.push(() => c.stop());
      observer = { username: 'sim-observer', password: randomBytes(12).toString('hex') };
      for (const p of ptys.values()) {
        await p.start();
        cleanups.push(() => p.stop());
      }
      const config = generateGatewayConfig(scenario, {
        dataDir: join(dir, 'data'),
        central: { url: `mqtt://127.0.0.1:${central.port}`, username: SIM_GATEWAY.id, password: gwPassword },
        observer,
        serialPaths: new Map([...ptys].map(([id, p]) => [id, p.gatewayPath])),
      });
      const configPath = join(dir, 'wardgate.yaml');
      writeFileSync(configPath, stringify(config));
      gateway = await launchGateway(configPath);
      const g = gateway;
      cleanups.push(() => g.stop());
      brokerUrl = `mqtt://127.0.0.1:${gateway.brokerPort}`;
      log(`gateway ready: broker ${brokerUrl}, screen http://127.0.0.1:${gateway.screenPort}/ (config ${configPath})`);
    }

    const watcher = await connectObserver(brokerUrl, observer.username, observer.password);
    cleanups.push(() => watcher.endAsync(true));
    watcher.on('message', (_topic, payload) => {
      let a: Record<string, unknown>;
      try {
        a = JSON.parse(payload.toString()) as Record<string, unknown>;
      } catch {
        return;
      }
      if (t0 === 0 || typeof a.bed !== 'string' || typeof a.condition !== 'string') return;
      const seen: SeenAlarm = { bed: a.bed, condition: a.condition, priority: String(a.priority), transition: String(a.transition), realMs: Date.now() - t0 };
      alarms.push(seen);
      const key = `${seen.bed} ${seen.condition}`;
      if (a.state === 'cleared' || seen.transition === 'cleared') active.delete(key);
      else active.set(key, `${key} ${seen.priority[0]!.toUpperCase()}`);
    });
    await watcher.subscribeAsync('alarms/#', { qos: 1 });

    // Devices: the serial ones write to links that already exist; start() on a PtyLink-backed device
    // would make the link again, so serial devices get their link only for replug.
    const devices = new Map<string, SimDevice>();
    for (const d of plan.devices) {
      const onError = (err: Error) => {
        faults += 1;
        log(`${d.id}: ${err.message}`);
      };
      if (d.spec.transport === 'mqtt') {
        devices.set(d.id, new MqttSimDevice({ url: brokerUrl, deviceId: d.id, password: devicePassword(scenario, d.id), format: d.spec.format, onError }));
      } else {
        const pty = ptys.get(d.id)!;
        if (o.target) {
          await pty.start();
          cleanups.push(() => pty.stop());
          log(`${d.id}: serial ${d.spec.dialect} on ${pty.gatewayPath} (point the gateway's device at this path)`);
        }
        devices.set(d.id, new SerialSimDevice({ deviceId: d.id, bed: d.bed, dialect: d.spec.dialect, path: pty.simPath, onError, replugPty: pty }));
      }
    }
    await Promise.all([...devices.values()].map((d) => d.start()));
    cleanups.push(() => Promise.all([...devices.values()].map((d) => d.stop())));

    const bedOf = new Map(plan.devices.map((d) => [d.id, d.bed]));
    const countSent = (device: string, n = 1) => {
      sent += n;
      const bed = bedOf.get(device)!;
      sentByBed.set(bed, (sentByBed.get(bed) ?? 0) + n);
    };
    const perform = async (a: PlannedAction): Promise<void> => {
      const dev = devices.get(a.device)!;
      switch (a.kind) {
        case 'sample':
          if (dev.sample(a)) countSent(a.device);
          else skipped += 1;
          return;
        case 'burst': {
          let n = 0;
          for (const s of a.samples) if (dev.sample(s)) n += 1;
          countSent(a.device, n);
          return;
        }
        case 'fall':
          if (dev.fall(a.clockOffsetMs)) countSent(a.device);
          return;
        case 'garbage':
          if (dev.garbage(Uint8Array.from(a.bytes))) countSent(a.device);
          return;
        case 'unplug':
          await dev.unplug();
          return;
        case 'replug':
          await dev.replug().catch((err: unknown) => {
            faults += 1;
            log(`${a.device}: replug failed: ${err instanceof Error ? err.message : String(err)}`);
          });
          return;
      }
    };

    // Incidents: the central's store, polled; each event is timed when first seen.
    const seenEvents = new Set<string>();
    const pollCentral = () => {
      if (!central) return;
      for (const e of central.events()) {
        if (seenEvents.has(e.eventId)) continue;
        seenEvents.add(e.eventId);
        incidents.push({ bed: e.bed, condition: e.condition, type: e.type, realMs: Date.now() - t0 });
      }
    };
    const progress = (): RunProgress => ({
      scenario: scenario.name,
      scenarioSeconds: t0 ? ((Date.now() - t0) / 1000) * speed : 0,
      durationSeconds: scenario.durationSeconds,
      sent,
      skipped,
      faults,
      alarms,
      incidents,
      active,
    });

    t0 = Date.now();
    const ticker = setInterval(() => {
      pollCentral();
      o.onProgress?.(progress());
    }, o.progressEveryMs ?? 250);
    cleanups.push(async () => clearInterval(ticker));

    for (const a of plan.actions) {
      const due = t0 + a.at / speed;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      await perform(a);
    }
    const endMs = (scenario.durationSeconds / speed) * 1000;
    const watchUntil = o.expect ? Math.max(endMs, lastDeadlineMs(scenario, (b, c) => gatewayDelaySeconds(scenario, b, c), scenario.gateway.graceSeconds)) : endMs;
    await sleep(t0 + watchUntil - Date.now());
    pollCentral();
    o.onProgress?.(progress());

    const watched: Scenario = o.target ? { ...scenario, expect: { ...scenario.expect, incidents: [] } } : scenario;
    const report = o.expect ? evaluateExpectations(watched, { alarms, incidents }, (b, c) => gatewayDelaySeconds(scenario, b, c)) : undefined;
    return { scenario, sent, sentByBed, alarms, incidents, report, realSeconds: (Date.now() - t0) / 1000, gatewayTail: gateway?.tail() };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  }
}
