#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PatientModel, NORMAL_ADULT, seededRandom } from './mqtt/vitals-model.js';
import { formatReport } from './scenario/expectations.js';
import { progressLine, summaryTable } from './scenario/live-view.js';
import { hash32 } from './scenario/plan.js';
import { runScenario } from './scenario/runner.js';
import { parseScenarioText, type Scenario } from './scenario/schema.js';
import { PtyLink } from './serial/pty.js';
import { encodedDialects } from './serial/encoders.js';
import { SerialSimDevice } from './serial/serial-device.js';
import { MqttSimDevice } from './transports/mqtt-device.js';
import type { SimDevice } from './transports/sim-device.js';
import { cmdAlarmManager, cmdEhr, IHE_USAGE } from './ihe/commands.js';

/** Sample-stream dialects the simulator encodes, plus the IntelliVue emulator. */
const SIM_SERIAL_DIALECTS: readonly string[] = [...encodedDialects(), 'intellivue'];

const USAGE = `wardgate-sim: drive a wardgate gateway the way a ward does

  wardgate-sim run SCENARIO [--expect] [--speed X] [--quiet]
        [--broker URL --observer USER:PASSWORD]   target a running gateway instead of spawning one
  wardgate-sim check SCENARIO                     validate a scenario file (errors name the field)
  wardgate-sim mqtt [--url mqtt://127.0.0.1:1883] [--count 4] [--prefix wearable-] [--password demo-{id}]
        [--format json|senml] [--interval 1] [--battery 80] [--fall-after S] [--seed 1] [--duration S]
  wardgate-sim serial --dialect ${SIM_SERIAL_DIALECTS.join('|')} (--port PATH | --pty [--dir DIR]) [--demo]
        [--interval 1] [--bed bed-01] [--device-id monitor-01] [--seed 1] [--duration S]
  wardgate-sim ble [--bus unix:path=...]             fake BlueZ: HR strap, oximeter, thermometer, cuff
  wardgate-sim central [--port 1884] [--username central] [--password PW] [--gateway ID:PASSWORD] [--db FILE]
${IHE_USAGE}

Shipped scenarios: simulator/scenarios/*.yaml. Exit codes: 0 ok, 1 expectations not met, 2 usage or scenario error.`;

function fail(msg: string, code = 2): never {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
}

function num(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name}: must be a positive number`);
  return n;
}

function loadScenario(path: string | undefined): Scenario {
  if (!path) fail(`a scenario file is required\n\n${USAGE}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    fail(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = parseScenarioText(text);
  if (!r.ok) fail(`invalid scenario ${path}:\n  ${r.errors.join('\n  ')}`);
  return r.scenario;
}

/** Waits for SIGINT/SIGTERM or `durationS`, whichever is first. */
function untilStopped(durationS?: number): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    if (durationS) setTimeout(resolve, durationS * 1000);
  });
}

async function cmdRun(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { expect: { type: 'boolean' }, speed: { type: 'string' }, broker: { type: 'string' }, observer: { type: 'string' }, quiet: { type: 'boolean' } },
  });
  const scenario = loadScenario(positionals[0]);
  const speed = values.speed !== undefined ? num(values.speed, 'speed', 1) : undefined;
  let target;
  if (values.broker) {
    const [username, ...rest] = (values.observer ?? '').split(':');
    if (!username || rest.length === 0) fail('--observer USER:PASSWORD is required with --broker (an account that may subscribe to alarms/#)');
    target = { brokerUrl: values.broker, observer: { username, password: rest.join(':') } };
  }
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  const result = await runScenario({
    scenario,
    speed,
    expect: values.expect === true,
    target,
    log: (line) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`),
    onProgress: values.quiet
      ? undefined
      : (p) => {
          if (tty) process.stderr.write(`\r\x1b[K${progressLine(p, process.stderr.columns ?? 160)}`);
          else if (Date.now() - lastPrinted > 5000) {
            lastPrinted = Date.now();
            process.stderr.write(`${progressLine(p)}\n`);
          }
        },
  });
  if (tty && !values.quiet) process.stderr.write('\n');
  const out = process.stdout;
  out.write(`\n${scenario.name}: ${result.sent} messages sent in ${result.realSeconds.toFixed(1)} s real (${result.scenario.speed}x), ${result.alarms.filter((a) => a.transition === 'raised').length} alarms raised, ${result.incidents.length} incident events at the central\n\n`);
  out.write(`${summaryTable(scenario.beds.map((b) => b.id), result.alarms, result.incidents, result.sentByBed)}\n`);
  if (result.report) {
    out.write(`\nexpectations (+ met, - missed):\n${formatReport(result.report)}\n`);
    if (!result.report.passed) {
      if (result.gatewayTail) process.stderr.write(`\nlast gateway log lines:\n${result.gatewayTail.split('\n').slice(-15).join('\n')}\n`);
      return 1;
    }
  }
  return 0;
}

async function cmdMqtt(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      count: { type: 'string', default: '4' },
      prefix: { type: 'string', default: 'wearable-' },
      password: { type: 'string', default: 'demo-{id}' },
      format: { type: 'string', default: 'json' },
      interval: { type: 'string' },
      battery: { type: 'string' },
      'fall-after': { type: 'string' },
      seed: { type: 'string', default: '1' },
      duration: { type: 'string' },
    },
  });
  if (values.format !== 'json' && values.format !== 'senml') fail('--format: json or senml');
  const format = values.format;
  const count = Math.floor(num(values.count, 'count', 4));
  const intervalMs = num(values.interval, 'interval', 1) * 1000;
  const battery = values.battery !== undefined ? Number(values.battery) : undefined;
  const seed = Number(values.seed);
  const ids = Array.from({ length: count }, (_, i) => `${values.prefix}${String(i + 1).padStart(2, '0')}`);
  const devices = ids.map((id) => new MqttSimDevice({ url: values.url, deviceId: id, password: values.password.replaceAll('{id}', id), format, onError: (e) => process.stderr.write(`${id}: ${e.message}\n`) }));
  await Promise.all(devices.map((d) => d.start())).catch((e: unknown) => fail(`cannot connect to ${values.url}: ${e instanceof Error ? e.message : String(e)}`));
  const models = ids.map((id) => new PatientModel(NORMAL_ADULT, seededRandom(hash32(`${seed}:${id}`))));
  let sent = 0;
  let seq = 0;
  const timer = setInterval(() => {
    devices.forEach((d, i) => {
      seq += 1;
      if (d.sample({ kind: 'sample', at: 0, device: d.id, seq, vitals: models[i]!.sample(), clockOffsetMs: 0, sensorOff: false, ...(battery !== undefined ? { battery } : {}) })) sent += 1;
    });
    process.stderr.write(`\r${count} wearables -> ${values.url}: ${sent} sent`);
  }, intervalMs);
  const fallAfter = values['fall-after'] !== undefined ? num(values['fall-after'], 'fall-after', 1) : undefined;
  const fallTimer = fallAfter ? setTimeout(() => devices[0]?.fall(0) && process.stderr.write(`\n${devices[0]!.id}: fall event sent\n`), fallAfter * 1000) : undefined;
  await untilStopped(values.duration ? num(values.duration, 'duration', 1) : undefined);
  clearInterval(timer);
  if (fallTimer) clearTimeout(fallTimer);
  await Promise.all(devices.map((d) => d.stop()));
  process.stderr.write(`\nstopped after ${sent} messages\n`);
  return 0;
}

async function cmdSerial(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dialect: { type: 'string' },
      port: { type: 'string' },
      pty: { type: 'boolean' },
      dir: { type: 'string' },
      interval: { type: 'string' },
      bed: { type: 'string', default: 'bed-01' },
      'device-id': { type: 'string', default: 'monitor-01' },
      seed: { type: 'string', default: '1' },
      duration: { type: 'string' },
      demo: { type: 'boolean' },
    },
  });
  const dialect = values.dialect;
  if (dialect === undefined || !SIM_SERIAL_DIALECTS.includes(dialect)) fail(`--dialect: one of ${SIM_SERIAL_DIALECTS.join(', ')}`);
  const streamDialect = encodedDialects().find((n) => n === dialect);
  if (!values.port && !values.pty) fail('--port PATH or --pty is required');
  let path = values.port;
  let pty: PtyLink | undefined;
  if (values.pty) {
    const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'wardgate-sim-serial-'));
    pty = new PtyLink(join(dir, 'monitor.sim'), join(dir, 'monitor.tty'));
    await pty.start();
    path = pty.simPath;
    process.stdout.write(`${pty.gatewayPath}\n`);
    process.stderr.write(`gateway side: ${pty.gatewayPath} (configure the device with serial.path: ${pty.gatewayPath}, dialect: ${dialect})\n`);
  }
  if (dialect === 'intellivue') {
    const code = await runIntellivue(path!, values);
    await pty?.stop();
    return code;
  }
  if (!streamDialect) fail(`--dialect: one of ${SIM_SERIAL_DIALECTS.join(', ')}`);
  const device: SimDevice = new SerialSimDevice({ deviceId: values['device-id'], bed: values.bed, dialect: streamDialect, path: path!, onError: (e) => process.stderr.write(`serial: ${e.message}\n`) });
  await device.start();
  const model = new PatientModel(NORMAL_ADULT, seededRandom(hash32(`${values.seed}:${values['device-id']}`)));
  let seq = 0;
  const timer = setInterval(() => {
    seq += 1;
    device.sample({ kind: 'sample', at: 0, device: device.id, seq, vitals: model.sample(), clockOffsetMs: 0, sensorOff: false });
  }, num(values.interval, 'interval', 1) * 1000);
  await untilStopped(values.duration ? num(values.duration, 'duration', 1) : undefined);
  clearInterval(timer);
  await device.stop();
  await pty?.stop();
  process.stderr.write(`stopped after ${seq} samples\n`);
  return 0;
}

async function cmdBle(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { bus: { type: 'string' }, duration: { type: 'string' } } });
  const { runFakeBluez } = await import('./ble/run-fake-bluez.js');
  // A private dbus-daemon (unless --bus) serving org.bluez with a heart-rate strap, an oximeter, a thermometer and
  // a cuff streaming plausible frames; steer it through org.wardgate.BleSim1 at /org/wardgate/blesim.
  const sim = await runFakeBluez(values.bus ? { bus: values.bus } : {});
  await untilStopped(values.duration ? num(values.duration, 'duration', 1) : undefined);
  await sim.stop();
  return 0;
}

/** An emulated Philips IntelliVue on a port or PTY: association, MDS Create, polls answered from a patient model. */
async function runIntellivue(path: string, values: { interval?: string; seed: string; 'device-id': string; duration?: string; demo?: boolean }): Promise<number> {
  const { IntellivueEmulator } = await import('./intellivue/emulator.js');
  const model = new PatientModel(NORMAL_ADULT, seededRandom(hash32(`${values.seed}:${values['device-id']}`)));
  const sample = () => {
    const v = model.sample();
    return { hr: v.hr, spo2: v.spo2, pr: v.hr, rr: v.rr, temp: v.temp, nbp: { sys: v.sbp, dia: v.dbp, mean: Math.round((v.sbp + 2 * v.dbp) / 3), at: new Date() } };
  };
  const emulator = new IntellivueEmulator({ path, values: sample() });
  emulator.demo = values.demo === true;
  await emulator.start();
  const timer = setInterval(() => (emulator.values = sample()), num(values.interval, 'interval', 1) * 1000);
  await untilStopped(values.duration ? num(values.duration, 'duration', 1) : undefined);
  clearInterval(timer);
  await emulator.stop();
  process.stderr.write(`stopped: ${JSON.stringify(emulator.stats)}\n`);
  return 0;
}

async function cmdCentral(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '1884' },
      username: { type: 'string', default: 'central' },
      password: { type: 'string', default: 'demo-central' },
      gateway: { type: 'string', multiple: true, default: ['demo-gw-1:demo-central'] },
      db: { type: 'string' },
    },
  });
  const { Central } = await import('./central/central.js');
  const accounts: Record<string, string> = {};
  for (const g of values.gateway) {
    const [id, ...pw] = g.split(':');
    if (!id || pw.length === 0) fail('--gateway ID:PASSWORD');
    accounts[id] = pw.join(':');
  }
  const central = new Central({
    embeddedPort: Number(values.port),
    username: values.username,
    password: values.password,
    accounts,
    dbPath: values.db ?? join(mkdtempSync(join(tmpdir(), 'wardgate-central-')), 'central.db'),
    log: (msg, obj) => process.stdout.write(`${msg} ${JSON.stringify(obj ?? {})}\n`),
  });
  await central.start();
  process.stderr.write(`stand-in central on mqtt://127.0.0.1:${central.port} (gateways: ${Object.keys(accounts).join(', ')})\n`);
  await untilStopped();
  await central.stop();
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'run':
      return cmdRun(rest);
    case 'check': {
      const s = loadScenario(rest[0]);
      process.stdout.write(`${rest[0]}: ok (${s.beds.length} beds, ${s.beds.reduce((n, b) => n + b.devices.length, 0)} devices, ${s.events.length} events, ${s.durationSeconds} s at ${s.speed}x)\n`);
      return 0;
    }
    case 'mqtt':
      return cmdMqtt(rest);
    case 'serial':
      return cmdSerial(rest);
    case 'ble':
      return cmdBle(rest);
    case 'central':
      return cmdCentral(rest);
    case 'alarm-manager':
      return cmdAlarmManager(rest, fail);
    case 'ehr':
      return cmdEhr(rest, fail);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return cmd === undefined ? 2 : 0;
    default:
      fail(`unknown command '${cmd}'\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`wardgate-sim: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
