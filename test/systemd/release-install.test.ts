/**
 * From the release tarball alone, in a throwaway Debian 12 root made by debootstrap: install, start, upgrade to a
 * second build (with a schema migration), then an upgrade to a third build that never becomes ready, which
 * install.sh rolls back; the store keeps every alarm and incident each time, and READY=1 is seen at every start.
 *
 * What this covers and what it does not (also in docs/operations.md, "What the install test covers"):
 * - install.sh runs *inside* the root (chroot), so its prerequisite checks, account tools, checksum check, bundle
 *   ABI check and systemctl (offline enable) are Debian 12's own; node_modules come from the offline bundle
 *   (`npm run package -- --with-deps`), made on this machine.
 * - Node: Debian 12's nodejs package is Node 18, too old; the host's own node binary is copied to /usr/bin/node in
 *   the root (same architecture), standing in for NodeSource's package. The `npm ci --omit=dev` path (network) is
 *   not exercised here.
 * - systemd is not PID 1: service-stand-in.ts plays its part (ExecStart= from the installed unit, chroot, the unit's
 *   user, NOTIFY_SOCKET to a real datagram listener). The unit's sandboxing, Restart= and watchdog are not applied;
 *   test/systemd/unit.test.ts checks the unit itself.
 * - The second and third builds are this build with a version bump and one extra migration appended to the compiled
 *   migrations list, as the next release would ship it; the third one's entry point drops NOTIFY_SOCKET so it never
 *   says READY=1 (a forced failure after it has migrated the store).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { parse, stringify } from 'yaml';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../gateway/store/migrations.js';
import { freePort } from '../helpers/ports.js';
import { cachedDebianRoot, debianRootUnavailable, prepareTarget } from './debian-root.js';
import { startServiceStandIn, type ServiceStandIn } from './service-stand-in.js';

const REPO = new URL('../..', import.meta.url).pathname;
const skipReason = debianRootUnavailable();
if (skipReason) console.log(`release-install.test.ts skipped: ${skipReason}`);

interface Build {
  version: string;
  tarball: string; // path on the host
}

function sh(cmd: string, args: string[], opts: { cwd?: string } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function must(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  const r = sh(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.out}`);
  return r.out;
}

/** A derived build: the unpacked release with a new version and one more migration, re-checksummed and re-packed. */
function deriveBuild(base: Build, work: string, version: string, migration: { version: number; sql: string }, neverReady = false): Build {
  const dir = mkdtempSync(join(work, `build-${version}-`));
  must('tar', ['-xzf', base.tarball, '-C', dir]);
  const oldName = readdirSync(dir)[0]!;
  const rel = join(dir, `wardgate-${version}`);
  renameSync(join(dir, oldName), rel);
  const pkgPath = join(rel, 'package.json');
  writeFileSync(pkgPath, readFileSync(pkgPath, 'utf8').replace(/"version": "[^"]+"/, `"version": "${version}"`));
  const migPath = join(rel, 'dist/gateway/store/migrations.js');
  const js = readFileSync(migPath, 'utf8');
  const end = js.lastIndexOf('];', js.indexOf('export const SCHEMA_VERSION'));
  expect(end).toBeGreaterThan(0);
  const entry = `    { version: ${migration.version}, name: 'release-test-${migration.version}', sql: ${JSON.stringify(migration.sql)} },\n`;
  writeFileSync(migPath, js.slice(0, end) + entry + js.slice(end));
  if (neverReady) {
    const cli = join(rel, 'dist/gateway/cli.js');
    renameSync(cli, join(rel, 'dist/gateway/cli-real.js'));
    writeFileSync(cli, '// Forced failure for the rollback test: this build never tells systemd READY=1.\ndelete process.env.NOTIFY_SOCKET;\nawait import("./cli-real.js");\n');
  }
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name !== 'SHA256SUMS' || d !== rel) files.push(relative(rel, p));
    }
  };
  walk(rel);
  files.sort();
  const sum = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
  writeFileSync(join(rel, 'SHA256SUMS'), files.map((f) => `${sum(join(rel, f))}  ${f}\n`).join(''));
  const tarball = join(work, `wardgate-${version}-bundle.tar.gz`);
  must('tar', ['--owner=0', '--group=0', '-czf', tarball, '-C', dir, `wardgate-${version}`]);
  rmSync(dir, { recursive: true, force: true });
  return { version, tarball };
}

describe.skipIf(skipReason !== undefined)('release tarball in a debootstrapped Debian 12 root: install, upgrade, forced rollback', () => {
  const timings: Record<string, number> = {};
  let work: string;
  let root: string;
  let target: ReturnType<typeof prepareTarget> | undefined;
  let central: Mosquitto | undefined;
  let service: ServiceStandIn;
  let screenPort: number;
  let brokerPort: number;
  const builds: Build[] = [];

  beforeAll(async () => {
    let t = Date.now();
    const cached = await cachedDebianRoot((l) => console.log(l));
    timings.debootstrapOrCache = Date.now() - t;
    work = mkdtempSync(join(tmpdir(), 'wg-release-'));

    t = Date.now();
    const packed = must(process.execPath, [join(REPO, 'scripts/package.mjs'), '--with-deps', '--out', join(work, 'out')], { cwd: REPO });
    const a = { version: JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version as string, tarball: packed.trim().split('\n').pop()! };
    builds.push(a);
    builds.push(deriveBuild(a, work, `${a.version}-next.1`, { version: SCHEMA_VERSION + 1, sql: 'ALTER TABLE incidents ADD COLUMN handover_note TEXT; CREATE TABLE release_probe (id INTEGER PRIMARY KEY, note TEXT)' }));
    timings.package = Date.now() - t;

    t = Date.now();
    target = prepareTarget(cached, join(work, 'root'));
    root = target.root;
    timings[`root-${target.how}`] = Date.now() - t;
    service = await startServiceStandIn(root, `wg-release-${process.pid}`);
    // The config is provisioned before install (install.sh never overwrites one): free ports, sync off.
    screenPort = await freePort();
    brokerPort = await freePort();
    const config = readFileSync(join(REPO, 'config/default.yaml'), 'utf8')
      .replace(/^(broker:\n  host: 127\.0\.0\.1.*\n  port:) 1883/m, `$1 ${brokerPort}`)
      .replace(/^(screen:\n  host: 127\.0\.0\.1.*\n  port:) 8080/m, `$1 ${screenPort}`)
      .replace(/^(sync:\n  enabled:) true/m, '$1 false');
    expect(config).toContain(`port: ${brokerPort}`);
    expect(config).toContain(`port: ${screenPort}`);
    mkdirSync(join(root, 'etc/wardgate'), { recursive: true });
    writeFileSync(join(root, 'etc/wardgate/wardgate.yaml'), config, { mode: 0o644 });
  }, 600_000);

  afterAll(async () => {
    let t = Date.now();
    await central?.stop();
    await service?.close();
    timings.serviceClose = Date.now() - t;
    t = Date.now();
    target?.release();
    timings.rootRelease = Date.now() - t;
    console.log(`release-install timings (ms): ${JSON.stringify(timings)}`);
    // --one-file-system: never follow into anything mounted inside the root.
    if (work) spawn('rm', ['-rf', '--one-file-system', work], { detached: true, stdio: 'ignore' }).unref();
  }, 60_000);

  /** Unpacks a build inside the root, checks its .sha256, and runs its install.sh there (chroot). */
  async function installInRoot(build: Build, args: string[]) {
    const name = build.tarball.split('/').pop()!;
    copyFileSync(build.tarball, join(root, 'tmp', name));
    const sha = createHash('sha256').update(readFileSync(build.tarball)).digest('hex');
    writeFileSync(join(root, 'tmp', `${name}.sha256`), `${sha}  ${name}\n`);
    const script = [
      'set -e',
      'cd /tmp',
      `sha256sum -c ${name}.sha256`,
      `rm -rf /tmp/unpack && mkdir /tmp/unpack && tar -xzf ${name} -C /tmp/unpack`,
      `exec /tmp/unpack/wardgate-${build.version}/systemd/install.sh --service-ctl ${service.ctlPath} ${args.join(' ')}`,
    ].join('\n');
    const t = Date.now();
    // Not spawnSync: the service stand-in answers install.sh's start/stop requests from this process's event loop.
    const child = spawn('chroot', [root, '/bin/bash', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    return { code, out, ms: Date.now() - t };
  }

  /** Runs a command in the root without blocking this process (the service stand-in answers from its event loop). */
  async function inRoot(args: string[]): Promise<{ code: number | null; out: string }> {
    const child = spawn('chroot', [root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    return { code, out };
  }

  const health = async () => (await (await fetch(`http://127.0.0.1:${screenPort}/healthz`)).json()) as Record<string, unknown>;
  const current = () => readlinkSync(join(root, 'opt/wardgate/current'));

  function storeRows(): { alarmEvents: string[]; incidents: string[]; schema: number } {
    const db = new Database(join(root, 'var/lib/wardgate/wardgate.db'), { readonly: true, fileMustExist: true });
    try {
      return {
        alarmEvents: (db.prepare("SELECT alarm_id || ':' || row AS k FROM alarm_events ORDER BY row").all() as { k: string }[]).map((r) => r.k),
        incidents: (db.prepare('SELECT id FROM incidents ORDER BY rowid').all() as { id: string }[]).map((r) => r.id),
        schema: db.pragma('user_version', { simple: true }) as number,
      };
    } finally {
      db.close();
    }
  }

  /** A wearable reports desaturation with tachycardia; resolves once the alarm is in the store. */
  async function raiseAlarm(device: string): Promise<void> {
    const before = storeRows().alarmEvents.length;
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { username: device, password: `demo-${device}`, protocolVersion: 4, reconnectPeriod: 0 });
    try {
      for (let i = 0; i < 5 && storeRows().alarmEvents.length === before; i++) {
        await client.publishAsync(`vitals/${device}`, JSON.stringify({ hr: 150, spo2: 84, rr: 28 }), { qos: 1 });
        for (let k = 0; k < 20 && storeRows().alarmEvents.length === before; k++) await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await client.endAsync();
    }
    expect(storeRows().alarmEvents.length, service.output().slice(-3000)).toBeGreaterThan(before);
  }

  it('installs, upgrades with a migration and rolls back a release that never becomes ready, keeping the store', async () => {
    const [a, b] = builds as [Build, Build];
    // 1. First install from the offline bundle, started through the unit, READY seen.
    const first = await installInRoot(a, ['--ready-timeout', '60']);
    timings.install = first.ms;
    expect(first.code, first.out + service.output().slice(-3000)).toBe(0);
    expect(first.out).toMatch(/package checksums ok/);
    expect(first.out).toMatch(/offline bundle matches this machine \(linux-x64-abi\d+\)|offline bundle matches this machine/);
    expect(current()).toBe(`releases/${a.version}`);
    expect(service.starts.at(-1)).toMatchObject({ outcome: 'ready', readySeen: true, execStart: expect.stringContaining('/opt/wardgate/current/dist/gateway/cli.js') });
    // The documented checks, with the command install.sh puts on PATH.
    expect(must('chroot', [root, '/usr/local/bin/wardgate', '--version']).trim()).toBe(`${a.version} (schema ${SCHEMA_VERSION})`);
    expect(must('chroot', [root, '/usr/local/bin/wardgate', 'config', 'check', '/etc/wardgate/wardgate.yaml'])).toMatch(/: ok \(4 beds, 4 devices\)/);
    const h1 = await health();
    expect(h1).toMatchObject({ version: a.version, schemaVersion: SCHEMA_VERSION });
    const baseSchema = SCHEMA_VERSION;
    expect(h1.storeSchemaVersion).toBe(baseSchema);
    await raiseAlarm('wearable-01');
    const afterA = storeRows();
    expect(afterA.incidents.length).toBeGreaterThan(0);

    // 2. Upgrade to the next build: backup first, one more migration at start, READY and /readyz seen.
    const up = await installInRoot(b, ['--upgrade', '--ready-timeout', '60']);
    timings.upgrade = up.ms;
    expect(up.code, up.out + service.output().slice(-3000)).toBe(0);
    expect(current()).toBe(`releases/${b.version}`);
    expect(readlinkSync(join(root, 'opt/wardgate/previous'))).toBe(`releases/${a.version}`);
    expect(service.starts.at(-1)).toMatchObject({ outcome: 'ready', readySeen: true });
    expect(await health()).toMatchObject({ version: b.version, schemaVersion: SCHEMA_VERSION + 1, storeSchemaVersion: SCHEMA_VERSION + 1 });
    const afterB = storeRows();
    expect(afterB.schema).toBe(SCHEMA_VERSION + 1);
    expect(afterB.alarmEvents.slice(0, afterA.alarmEvents.length)).toEqual(afterA.alarmEvents);
    expect(afterB.incidents).toEqual(expect.arrayContaining(afterA.incidents));
    // The disaster-recovery backup: taken with the online backup API before the migration, plus the config.
    const backups = readdirSync(join(root, 'var/lib/wardgate/backups'));
    expect(backups).toHaveLength(1);
    const backupDir = join(root, 'var/lib/wardgate/backups', backups[0]!);
    expect(backups[0]).toMatch(new RegExp(`-${a.version.replaceAll('.', '\\.')}-to-${b.version.replaceAll('.', '\\.')}$`));
    const bak = new Database(join(backupDir, 'wardgate.db'), { readonly: true });
    expect(bak.pragma('user_version', { simple: true })).toBe(baseSchema);
    const saved = (bak.prepare("SELECT alarm_id || ':' || row AS k FROM alarm_events ORDER BY row").all() as { k: string }[]).map((r) => r.k);
    expect(saved.length).toBeGreaterThanOrEqual(afterA.alarmEvents.length);
    expect(afterB.alarmEvents.slice(0, saved.length)).toEqual(saved);
    bak.close();
    expect(readFileSync(join(backupDir, 'wardgate.yaml'), 'utf8')).toBe(readFileSync(join(root, 'etc/wardgate/wardgate.yaml'), 'utf8'));
    await raiseAlarm('wearable-02');
    const beforeC = storeRows();

    // 3. A third build migrates the store once more but never says READY=1: install.sh rolls back to b within the bound.
    const c = deriveBuild(b, work, `${a.version}-next.2`, { version: SCHEMA_VERSION + 2, sql: 'CREATE TABLE release_probe_2 (id INTEGER PRIMARY KEY)' }, true);
    const bad = await installInRoot(c, ['--upgrade', '--ready-timeout', '10']);
    timings.failedUpgradeAndRollback = bad.ms;
    expect(bad.code, bad.out).toBe(4);
    expect(bad.out).toMatch(/did not report READY=1 within the bound/);
    expect(bad.out).toMatch(new RegExp(`ROLLING BACK to ${b.version.replaceAll('.', '\\.')}`));
    expect(current()).toBe(`releases/${b.version}`);
    expect(readlinkSync(join(root, 'opt/wardgate/previous'))).toBe(`releases/${c.version}`);
    expect(service.starts.slice(-2).map((s) => [s.outcome, s.readySeen])).toEqual([['abandoned', false], ['ready', true]]);
    // b runs on the store c migrated, with everything written before.
    expect(await health()).toMatchObject({ version: b.version, schemaVersion: SCHEMA_VERSION + 1, storeSchemaVersion: SCHEMA_VERSION + 2 });
    const afterRollback = storeRows();
    expect(afterRollback.schema).toBe(SCHEMA_VERSION + 2);
    expect(afterRollback.alarmEvents.slice(0, beforeC.alarmEvents.length)).toEqual(beforeC.alarmEvents);
    // ...and keeps writing alarms to it.
    await raiseAlarm('wearable-03');
    expect(storeRows().incidents.length).toBeGreaterThan(afterRollback.incidents.length);
    expect(existsSync(join(root, 'opt/wardgate/releases', a.version))).toBe(true);
    console.log(`release-install starts: ${JSON.stringify(service.starts.map((s) => [s.outcome, s.ms]))}`);
  }, 600_000);

  it('connects to a central mosquitto over mutual TLS as the walk-through does (docs/operations.md steps 6 to 9)', async () => {
    expect(service.running(), 'the first test leaves a release running').toBe(true);
    const gid = readFileSync(join(root, 'etc/group'), 'utf8').split('\n').find((l) => l.startsWith('wardgate:'))!.split(':')[2]!;
    // The central team: a CA, the broker's certificate, and mosquitto with the example's listener settings and ACL.
    const ca = join(work, 'central-pki');
    mkdirSync(ca);
    const openssl = (args: string[]) => must('openssl', args, { cwd: ca });
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '400', '-subj', '/CN=hospital-ca']);
    writeFileSync(join(ca, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=central-broker']);
    openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '400', '-extfile', 'server.ext']);
    const port = await freePort();
    central = await startMosquitto(join(work, 'central-broker'), {}, [
      'per_listener_settings false', `listener ${port} 127.0.0.1`, `cafile ${join(ca, 'ca.crt')}`, `certfile ${join(ca, 'server.crt')}`,
      `keyfile ${join(ca, 'server.key')}`, 'require_certificate true', 'use_identity_as_username true',
      `acl_file ${join(root, 'opt/wardgate/current/config/examples/central-mosquitto.acl')}`,
    ].join('\n'));

    // Step 6, in the root: the key and CSR made on the gateway, exactly as documented.
    const csr = await inRoot(['/bin/bash', '-c', [
      'set -e',
      'install -d -m 0750 -o root -g wardgate /etc/wardgate/tls',
      'openssl req -new -newkey rsa:2048 -nodes -subj /CN=gw-7a-1 -keyout /etc/wardgate/tls/gw-7a-1.key -out /tmp/gw-7a-1.csr',
      'chgrp wardgate /etc/wardgate/tls/gw-7a-1.key && chmod 0640 /etc/wardgate/tls/gw-7a-1.key',
    ].join('\n')]);
    expect(csr.code, csr.out).toBe(0);
    // ...signed by the central team, certificate and CA put back (root:wardgate 0640).
    writeFileSync(join(ca, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    openssl(['x509', '-req', '-in', join(root, 'tmp/gw-7a-1.csr'), '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', join(root, 'etc/wardgate/tls/gw-7a-1.crt'), '-days', '365', '-extfile', 'client.ext']);
    copyFileSync(join(ca, 'ca.crt'), join(root, 'etc/wardgate/tls/central-ca.pem'));
    for (const f of ['gw-7a-1.crt', 'central-ca.pem']) must('chown', [`0:${gid}`, join(root, 'etc/wardgate/tls', f)]), must('chmod', ['0640', join(root, 'etc/wardgate/tls', f)]);

    // Step 7: the gateway identity and sync block of the shipped example; only the broker URL differs.
    const example = parse(readFileSync(join(root, 'opt/wardgate/current/config/examples/central-mqtt-mtls.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
    const configPath = join(root, 'etc/wardgate/wardgate.yaml');
    const config = parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    config.gateway = example.gateway;
    config.sync = { ...example.sync, mqtt: { ...(example.sync!.mqtt as object), url: `mqtts://127.0.0.1:${port}` } };
    writeFileSync(configPath, stringify(config));
    const check = await inRoot(['/usr/local/bin/wardgate', 'config', 'check', '/etc/wardgate/wardgate.yaml']);
    expect(check.code, check.out).toBe(0);

    // Step 8: sync check as the service user, with the installed config (the running gateway keeps its session).
    const sync = await inRoot(['runuser', '-u', 'wardgate', '--', '/usr/local/bin/wardgate', 'sync', 'check']);
    expect(sync.code, sync.out).toBe(0);
    expect(sync.out).toMatch(/client cert +CN=gw-7a-1, expires \S+ \((364|365) days\)/);
    expect(sync.out).toMatch(/publish +wardgate\/st-marys\/ward-7a\/gw-7a-1\/status \(QoS 1, not retained\): acknowledged, round trip \d+ ms/);

    // Step 9: restart; the gateway goes online and drains its outbox (the alarms of the first test) to the centre.
    expect((await inRoot([service.ctlPath, 'stop'])).code).toBe(0);
    const started = await inRoot([service.ctlPath, 'start']);
    expect(started.code, started.out + service.output().slice(-2000)).toBe(0);
    expect(service.starts.at(-1)).toMatchObject({ outcome: 'ready', readySeen: true });
    let ready: { checks?: { sync?: { detail?: string } } } = {};
    for (let i = 0; i < 100; i++) {
      ready = (await (await fetch(`http://127.0.0.1:${screenPort}/readyz`)).json()) as typeof ready;
      if (/^online, outbox 0$/.test(ready.checks?.sync?.detail ?? '')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(ready.checks?.sync?.detail).toBe('online, outbox 0');
    const db = new Database(join(root, 'var/lib/wardgate/wardgate.db'), { readonly: true, fileMustExist: true });
    const outbox = db.prepare('SELECT COUNT(*) AS n, SUM(delivered_at IS NULL) AS pending FROM outbox_deliveries').get() as { n: number; pending: number };
    db.close();
    expect(outbox.n).toBeGreaterThan(0);
    expect(outbox.pending).toBe(0);
  }, 120_000);
});
