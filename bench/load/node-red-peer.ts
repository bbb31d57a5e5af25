/**
 * The peer a user might pick instead of wardgate: Node-RED 4 with Debian's mosquitto as the broker, doing the same
 * thresholds as the ceiling (the built-in `adult` profile's bands and hysteresis, no delay) in one function node and
 * publishing raises and clears on `alarms/<bed>` at QoS 1. Every wearable logs in to mosquitto with its own account
 * (password file, ACL per device), as on the gateway. No storage.
 *
 * Node-RED is installed into bench/node-red/ (its own package.json, not wardgate's dependencies) on first use.
 * Its CPU is the sum of both processes (Node-RED and mosquitto).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadBuiltinProfile } from '../../rules/profiles.js';
import { REPO } from './processes.js';
import { SUBSCRIBER } from './bench-config.js';

const NODE_RED_DIR = join(REPO, 'bench/node-red');
const RED_JS = join(NODE_RED_DIR, 'node_modules/node-red/red.js');
const NODE_RED_USER = { username: 'node-red', password: 'bench-node-red-secret' };

export interface PeerProcess {
  /** Node-RED's pid and mosquitto's: CPU and RSS are summed over both. */
  pids: number[];
  brokerPort: number;
  startMs: number;
  stop(): Promise<void>;
}

/** Installs Node-RED into bench/node-red/ when it is not there yet (npm install, once). */
export function ensureNodeRed(log: (l: string) => void): void {
  if (existsSync(RED_JS)) return;
  log('node-red: installing into bench/node-red/ (first run only)');
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: NODE_RED_DIR, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(RED_JS)) throw new Error('npm install of node-red in bench/node-red failed');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

async function stopChild(child: ChildProcess): Promise<void> {
  const done = exited(child);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 8000);
  await done;
  clearTimeout(t);
}

/** The function node's body: thresholds per parameter, active alarms in the node's context. */
function functionBody(bedOf: Record<string, string>): string {
  const profile = loadBuiltinProfile('adult');
  const thresholds: Record<string, { high?: number; low?: number; hysteresis: number }> = {};
  for (const [param, p] of Object.entries(profile.params)) {
    if (!p) continue;
    thresholds[param] = {
      ...(p.high.length ? { high: Math.min(...p.high.map((b) => b.above)) } : {}),
      ...(p.low.length ? { low: Math.max(...p.low.map((b) => b.below)) } : {}),
      hysteresis: p.hysteresis,
    };
  }
  return `
const BED = ${JSON.stringify(bedOf)};
const T = ${JSON.stringify(thresholds)};
const active = context.get('active') || new Set();
context.set('active', active);
const bed = BED[msg.topic.slice(7)];
const v = msg.payload;
if (!bed || !v || typeof v !== 'object') return null;
const out = [];
const alarm = (cond, transition, value) => out.push({ topic: 'alarms/' + bed, payload: JSON.stringify({ bed, condition: cond, transition, state: transition === 'raised' ? 'active' : 'cleared', value, sourceTs: v.t, sourceSeq: v.seq }) });
for (const param in v) {
  const t = T[param];
  const value = v[param];
  if (!t || typeof value !== 'number') continue;
  if (t.high !== undefined) {
    const key = bed + '|' + param + '-high';
    const on = active.has(key);
    if (!on && value > t.high) { active.add(key); alarm(param + '-high', 'raised', value); }
    else if (on && value <= t.high - t.hysteresis) { active.delete(key); alarm(param + '-high', 'cleared', value); }
  }
  if (t.low !== undefined) {
    const key = bed + '|' + param + '-low';
    const on = active.has(key);
    if (!on && value < t.low) { active.add(key); alarm(param + '-low', 'raised', value); }
    else if (on && value >= t.low + t.hysteresis) { active.delete(key); alarm(param + '-low', 'cleared', value); }
  }
}
return [out];
`;
}

/** Starts mosquitto and Node-RED for the devices and beds of a bench gateway config; resolves when the flow is connected. */
export async function startNodeRedPeer(configPath: string, workDir: string, log: (l: string) => void, timeoutMs = 60_000): Promise<PeerProcess> {
  ensureNodeRed(log);
  const t0 = performance.now();
  const config = parse(readFileSync(configPath, 'utf8')) as { devices: Array<{ id: string; bed: string; password: string }> };
  mkdirSync(workDir, { recursive: true });

  // mosquitto: one account per wearable, an ACL that lets each publish only its own topic.
  const brokerPort = await freePort();
  const passwd = join(workDir, 'passwd');
  writeFileSync(passwd, '');
  const users: Record<string, string> = { [SUBSCRIBER.username]: SUBSCRIBER.password, [NODE_RED_USER.username]: NODE_RED_USER.password };
  for (const d of config.devices) users[d.id] = d.password;
  for (const [u, p] of Object.entries(users)) {
    const r = spawnSync('mosquitto_passwd', ['-b', passwd, u, p]);
    if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr.toString()}`);
  }
  const acl = join(workDir, 'acl');
  writeFileSync(acl, [
    `user ${SUBSCRIBER.username}`, 'topic read alarms/#',
    `user ${NODE_RED_USER.username}`, 'topic read vitals/+', 'topic write alarms/#',
    'pattern write vitals/%u',
  ].join('\n') + '\n');
  const conf = join(workDir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${brokerPort} 127.0.0.1`, 'allow_anonymous false', `password_file ${passwd}`, `acl_file ${acl}`,
    'persistence false', 'max_queued_messages 0', 'max_inflight_messages 0', 'log_dest stderr', 'log_type error',
    process.getuid?.() === 0 ? 'user root' : '',
  ].join('\n') + '\n');
  const mosquitto = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  mosquitto.stderr!.on('data', () => undefined);

  // Node-RED: mqtt in (vitals/+, QoS 0, parsed JSON) -> function (thresholds) -> mqtt out (QoS 1).
  const userDir = join(workDir, 'node-red');
  mkdirSync(userDir, { recursive: true });
  const bedOf = Object.fromEntries(config.devices.map((d) => [d.id, d.bed]));
  const flows = [
    { id: 'tab', type: 'tab', label: 'ward thresholds' },
    { id: 'broker', type: 'mqtt-broker', name: 'mosquitto', broker: '127.0.0.1', port: String(brokerPort), clientid: 'node-red-bench', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
    { id: 'in', type: 'mqtt in', z: 'tab', name: 'vitals', topic: 'vitals/+', qos: '0', datatype: 'json', broker: 'broker', nl: false, rap: true, rh: 0, inputs: 0, wires: [['fn']] },
    { id: 'fn', type: 'function', z: 'tab', name: 'thresholds', func: functionBody(bedOf), outputs: 1, wires: [['out']] },
    { id: 'out', type: 'mqtt out', z: 'tab', name: 'alarms', topic: '', qos: '1', retain: 'false', broker: 'broker', wires: [] },
  ];
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flows));
  writeFileSync(join(userDir, 'flows_cred.json'), JSON.stringify({ broker: { user: NODE_RED_USER.username, password: NODE_RED_USER.password } }));
  const uiPort = await freePort();
  writeFileSync(join(userDir, 'settings.js'), `module.exports = { flowFile: 'flows.json', credentialSecret: false, uiHost: '127.0.0.1', uiPort: ${uiPort}, httpAdminRoot: false, httpNodeRoot: false, logging: { console: { level: 'info', metrics: false, audit: false } }, editorTheme: { tours: false } };\n`);
  const red = spawn(process.execPath, [RED_JS, '--userDir', userDir, '--settings', join(userDir, 'settings.js')], { cwd: userDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const stop = async () => {
    await stopChild(red);
    await stopChild(mosquitto);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node-red not connected in ${timeoutMs} ms: ${output.join('').slice(-2000)}`)), timeoutMs);
      const onData = (c: Buffer) => {
        output.push(c.toString());
        if (/Connected to broker/.test(output.join(''))) {
          clearTimeout(timer);
          resolve();
        }
      };
      red.stdout!.on('data', onData);
      red.stderr!.on('data', onData);
      red.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`node-red exited (${String(code)}): ${output.join('').slice(-2000)}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  red.stdout!.removeAllListeners('data').resume();
  red.stderr!.removeAllListeners('data').resume();
  return { pids: [red.pid!, mosquitto.pid!], brokerPort, startMs: performance.now() - t0, stop };
}
