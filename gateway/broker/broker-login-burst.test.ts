import { connect as tcpConnect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../log.js';
import { EmbeddedBroker, type LoginResult } from './broker.js';

const silent = { warn() {}, info() {}, error() {}, debug() {}, child: () => silent } as unknown as Logger;

/** A raw TCP connection, open (the server may not have taken it up yet). */
function open(port: number, hold: Socket[]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    hold.push(s);
    s.once('error', reject);
    s.once('connect', () => resolve(s));
  });
}

/** Sends a raw MQTT 3.1.1 CONNECT (section 3.1); resolves with the CONNACK return code (section 3.2.2.3) or 'closed'. */
function login(s: Socket, clientId: string, username: string, password: string): Promise<number | 'closed'> {
  return new Promise((resolve) => {
    s.on('error', () => undefined);
    s.once('data', (b: Buffer) => resolve(b[0] === 0x20 && b.length >= 4 ? b[3]! : 'closed'));
    s.once('close', () => resolve('closed'));
    s.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 60, username, password: Buffer.from(password) }));
  });
}

describe('EmbeddedBroker under a burst of logins', () => {
  let broker: EmbeddedBroker | undefined;
  const hold: Socket[] = [];
  afterEach(async () => {
    for (const s of hold.splice(0)) s.destroy();
    await broker?.stop();
  });

  it('checks a bounded number of logins per event-loop turn, answers every one, and keeps the session cap', async () => {
    const checksPerTurn: number[] = [];
    let checks = 0;
    let shared: Promise<LoginResult> | undefined;
    broker = new EmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      maxPayloadBytes: 1024,
      maxMessagesPerSecond: 10,
      maxPendingPerAddress: 1000,
      log: silent,
      // Like the real verifier: the first check of a secret takes a while and the logins that come meanwhile share it.
      authenticate: (username, password): Promise<LoginResult> => {
        checks += 1;
        if (username !== 'wear-01' || password !== 'right') return Promise.resolve(null);
        return (shared ??= new Promise((resolve) => setTimeout(() => resolve({ kind: 'device', name: 'wear-01', subscribe: [] }), 200)));
      },
      onDevicePublish: () => undefined,
    });
    const port = await broker.start();
    let counting = true;
    let last = 0;
    const tick = () => {
      checksPerTurn.push(checks - last);
      last = checks;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);

    // The hostile pattern: open every connection first, then send all the CONNECT packets at once.
    const sockets = await Promise.all(Array.from({ length: 320 }, () => open(port, hold)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const results = await Promise.all(sockets.map((s, i) => (i < 300 ? login(s, `burst-${i}`, 'wear-01', 'right') : login(s, `wrong-${i}`, 'wear-02', 'wrong'))));
    counting = false;

    const valid = results.slice(0, 300);
    expect(valid.filter((r) => r === 0)).toHaveLength(8); // the per-account session cap (default 8)
    expect(valid.filter((r) => r === 3)).toHaveLength(292); // CONNACK 3: too many sessions for this account
    expect(results.slice(300).every((r) => r === 4)).toBe(true); // CONNACK 4: bad user name or password
    expect(broker.counters.accountSessionsFull).toBe(292);
    expect(broker.counters.authFailures).toBe(20);
    // Logins are taken up one slice (at most 32 by default) per turn, however many arrive at once (those that come
    // once the account is full are refused before any check).
    expect(checks).toBeGreaterThan(64);
    expect(checksPerTurn.reduce((a, b) => Math.max(a, b), 0)).toBeLessThanOrEqual(32);
  }, 30_000);
});
