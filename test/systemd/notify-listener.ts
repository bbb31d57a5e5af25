/**
 * A test stand-in for systemd's notification socket: a real AF_UNIX SOCK_DGRAM listener (Node cannot open one, so
 * a short python3 script does the receiving) that behaves like PID 1 does for each datagram:
 * - reads the sender's credentials (SO_PASSCRED / SCM_CREDENTIALS), as systemd does to attribute it to a unit;
 * - closes every file descriptor passed with SCM_RIGHTS, which is how systemd completes `BARRIER=1`
 *   (sd_notify_barrier(3): "the service manager closes the passed fd"); without that, systemd-notify waits 5 s.
 * Each datagram becomes one JSON line on stdout: { t: epoch seconds, msg, pid }.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { waitFor } from '../helpers/wait.js';

const LISTENER_PY = String.raw`
import json, os, socket, struct, sys, time
path = sys.argv[1]
addr = '\0' + path[1:] if path.startswith('@') else path
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(addr)
print(json.dumps({'listening': True}), flush=True)
while True:
    data, anc, flags, _ = s.recvmsg(4096, socket.CMSG_SPACE(struct.calcsize('3i')) + socket.CMSG_SPACE(16 * 4))
    pid = None
    fds = []
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack('3i', payload[:12])[0]
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.extend(struct.unpack('%di' % (len(payload) // 4), payload[: len(payload) // 4 * 4]))
    print(json.dumps({'t': time.time(), 'msg': data.decode('utf-8', 'replace'), 'pid': pid}), flush=True)
    for fd in fds:
        os.close(fd)
`;

export interface NotifyDatagram {
  /** Arrival time at the listener, epoch ms. */
  at: number;
  /** The datagram text, e.g. "READY=1" or "WATCHDOG=1". */
  msg: string;
  /** Sender PID from SCM_CREDENTIALS. */
  pid: number | null;
}

export interface NotifyListener {
  /** The value for NOTIFY_SOCKET: a path, or `@name` for the abstract namespace. */
  readonly socket: string;
  /** Every datagram received so far, in arrival order (BARRIER=1 datagrams included). */
  readonly datagrams: NotifyDatagram[];
  /** Datagrams other than the BARRIER=1 handshakes that systemd-notify adds. */
  messages(): NotifyDatagram[];
  waitFor(predicate: (all: NotifyDatagram[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startNotifyListener(socket: string): Promise<NotifyListener> {
  const child: ChildProcess = spawn('python3', ['-c', LISTENER_PY, socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  const datagrams: NotifyDatagram[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const listening = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`notify listener exited ${code}: ${stderr}`)));
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as { listening?: boolean; t?: number; msg?: string; pid?: number | null };
      if (parsed.listening) return resolve();
      datagrams.push({ at: (parsed.t ?? 0) * 1000, msg: parsed.msg ?? '', pid: parsed.pid ?? null });
    });
  });
  await listening;
  const messages = (): NotifyDatagram[] => datagrams.filter((d) => d.msg !== 'BARRIER=1');
  return {
    socket,
    datagrams,
    messages,
    async waitFor(predicate, timeoutMs = 10_000) {
      await waitFor(() => predicate(messages()), timeoutMs, () => `the notify messages (got ${JSON.stringify(messages().map((d) => d.msg))})`);
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
