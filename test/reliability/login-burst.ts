/**
 * A burst of raw MQTT 3.1.1 logins (section 3.1 CONNECT; section 3.2 CONNACK), each from its own source address in
 * 127.0.0.0/8, all at once; prints the CONNACK return codes as JSON. Run by hostile-logins.load.ts in a process of
 * its own: `node --import tsx test/reliability/login-burst.ts '{"port":..,"count":..,...}'`.
 */
import { connect as tcpConnect, type Socket } from 'node:net';

interface Args {
  port: number;
  count: number;
  firstAddress: number;
  users: string[];
  password: string;
  /** Each attempt gets its own wrong password instead of `password`. */
  wrong: boolean;
}

function field(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

/** MQTT 3.1.1 CONNECT (section 3.1) with username and password, clean session, keep-alive 60 s. */
function connectPacket(clientId: string, username: string, password: string): Buffer {
  const body = Buffer.concat([Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0xc2, 0x00, 0x3c]), field(clientId), field(username), field(password)]);
  const len: number[] = [];
  let n = body.length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    len.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x10, ...len]), body]);
}

/** A raw login from `localAddress`: resolves with the CONNACK return code, 'closed' or 'timeout'. */
export function rawLogin(port: number, localAddress: string, clientId: string, username: string, password: string, hold: Socket[], timeoutMs = 15_000): Promise<number | 'closed' | 'timeout'> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port, localAddress });
    hold.push(s);
    const t = setTimeout(() => resolve('timeout'), timeoutMs);
    s.on('error', () => undefined);
    s.once('connect', () => s.write(connectPacket(clientId, username, password)));
    s.once('data', (b: Buffer) => {
      clearTimeout(t);
      resolve(b[0] === 0x20 && b.length >= 4 ? b[3]! : 'closed');
    });
    s.once('close', () => {
      clearTimeout(t);
      resolve('closed');
    });
  });
}

export const address = (i: number) => `127.${1 + ((i >> 16) & 0x7f)}.${(i >> 8) & 0xff}.${(i & 0xff) || 1}`;


const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const hold: Socket[] = [];
const t0 = performance.now();
const results = await Promise.all(
  Array.from({ length: args.count }, (_, i) =>
    rawLogin(args.port, address(args.firstAddress + i), `burst-${args.firstAddress + i}`, args.users[i % args.users.length]!, args.wrong ? `not-the-secret-${i}` : args.password, hold),
  ),
);
const ms = performance.now() - t0;
await new Promise((r) => setTimeout(r, 1000));
for (const s of hold) s.destroy();
process.stdout.write(JSON.stringify({ results, ms }));
