/**
 * A stand-in for what systemd (PID 1) does with wardgate.service, for a root where systemd is not running:
 * install.sh is given `--service-ctl /usr/local/sbin/wg-test-ctl`, a two-line script that asks this HTTP control
 * server to `start`, `stop` or answer `is-active`. Like `systemctl start` on a Type=notify unit:
 * - start reads ExecStart=, Environment=, User= and Group= from the unit that install.sh installed in the root, runs
 *   that command chrooted into the root as that user, with NOTIFY_SOCKET pointing at a real datagram listener
 *   (test/systemd/notify-listener.ts), and answers only once READY=1 arrives; if the daemon exits first, or the
 *   caller gives up (install.sh's bound), the start fails and the daemon is killed, as TimeoutStartSec= does;
 * - stop sends SIGTERM and waits for the exit (SIGKILL after 20 s, TimeoutStopSec=).
 * Not emulated: cgroups, the sandboxing settings, Restart=, the watchdog. Every start is recorded with whether
 * READY=1 was seen.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNotifyListener, type NotifyListener } from './notify-listener.js';

export interface StartRecord {
  execStart: string;
  readySeen: boolean;
  outcome: 'ready' | 'exited' | 'abandoned';
  ms: number;
}

export interface ServiceStandIn {
  /** Path of the control script inside the root, for --service-ctl. */
  readonly ctlPath: string;
  readonly starts: StartRecord[];
  /** stdout+stderr of the daemon runs, for failure messages. */
  output(): string;
  running(): boolean;
  stop(): Promise<void>;
  close(): Promise<void>;
}

function unitSettings(text: string): { execStart: string[]; env: Record<string, string>; user: string; group: string } {
  const env: Record<string, string> = {};
  let execStart = '';
  let user = 'root';
  let group = 'root';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'ExecStart') execStart = value;
    else if (key === 'Environment') {
      const eq = value.indexOf('=');
      env[value.slice(0, eq)] = value.slice(eq + 1);
    } else if (key === 'User') user = value;
    else if (key === 'Group') group = value;
  }
  return { execStart: execStart.split(/\s+/), env, user, group };
}

function idOf(root: string, file: 'passwd' | 'group', name: string): string {
  const line = readFileSync(join(root, 'etc', file), 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`${name} not in ${root}/etc/${file}`);
  return line.split(':')[2]!;
}

export async function startServiceStandIn(root: string, name: string): Promise<ServiceStandIn> {
  const listener: NotifyListener = await startNotifyListener(`@${name}-notify-${process.pid}`);
  const starts: StartRecord[] = [];
  let child: ChildProcess | undefined;
  let out = '';

  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };

  const start = async (abandoned: Promise<void>): Promise<StartRecord> => {
    await stop();
    const unit = unitSettings(readFileSync(join(root, 'etc/systemd/system/wardgate.service'), 'utf8'));
    const uid = idOf(root, 'passwd', unit.user);
    const gid = idOf(root, 'group', unit.group);
    const began = Date.now();
    const before = listener.datagrams.length;
    const c = spawn('chroot', [`--userspec=${uid}:${gid}`, root, ...unit.execStart], {
      env: { ...unit.env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin', NOTIFY_SOCKET: listener.socket },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = once(c, 'exit').then(() => 'exited' as const);
    const ready = (async () => {
      for (;;) {
        if (listener.datagrams.slice(before).some((d) => d.msg.split('\n').includes('READY=1'))) return 'ready' as const;
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const cap = new Promise<'abandoned'>((r) => setTimeout(() => r('abandoned'), 120_000).unref());
    const outcome = await Promise.race([ready, exited, abandoned.then(() => 'abandoned' as const), cap]);
    if (outcome === 'abandoned') await stop();
    const record = { execStart: unit.execStart.join(' '), readySeen: outcome === 'ready', outcome, ms: Date.now() - began };
    starts.push(record);
    return record;
  };

  const server: Server = createServer((req, res) => {
    const action = (req.url ?? '/').slice(1);
    const reply = (code: number, text: string) => {
      if (!res.writableEnded) res.writeHead(code, { 'Content-Type': 'text/plain' }).end(`${text}\n`);
    };
    if (action === 'start') {
      const abandoned = new Promise<void>((r) => res.once('close', () => r()));
      void start(abandoned).then(
        (rec) => reply(rec.outcome === 'ready' ? 200 : 500, `start: ${rec.outcome} after ${rec.ms} ms`),
        (err: Error) => reply(500, `start failed: ${err.message}`),
      );
    } else if (action === 'stop') {
      void stop().then(() => reply(200, 'stopped'));
    } else if (action === 'is-active') {
      const active = child !== undefined && child.exitCode === null && child.signalCode === null;
      reply(active ? 200 : 503, active ? 'active' : 'inactive');
    } else reply(400, `unknown action ${action}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  const ctlPath = '/usr/local/sbin/wg-test-ctl';
  mkdirSync(join(root, 'usr/local/sbin'), { recursive: true });
  writeFileSync(
    join(root, ctlPath),
    [
      '#!/bin/sh',
      '# Test stand-in for systemctl: asks the test process (the PID 1 stand-in) to start|stop|is-active wardgate.',
      `exec /usr/bin/node -e 'fetch("http://127.0.0.1:${port}/" + process.argv[1]).then(async (r) => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); }, (e) => { console.error(String(e)); process.exit(1); })' "$1"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(root, ctlPath), 0o755);

  return {
    ctlPath,
    starts,
    output: () => out,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    stop,
    async close() {
      await stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await listener.close();
    },
  };
}
