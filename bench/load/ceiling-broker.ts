/**
 * The no-storage ceiling: a bare aedes broker with an in-process subscriber on `vitals/+` that applies the same
 * limit thresholds (the built-in `adult` profile's bands and hysteresis, no condition delay, as the bench config
 * sets for the gateway) and publishes each raise and clear on `alarms/<bed>` at QoS 1. No authentication, no
 * storage, no rules beyond thresholds: the fastest conceivable Node path for the vitals-in / alarms-out contract.
 *   node --import tsx bench/load/ceiling-broker.ts <gateway-config.yaml>
 * Prints one JSON line {"ready":true,"port":N} once listening on 127.0.0.1 (free port).
 */
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { parse } from 'yaml';
import { loadBuiltinProfile } from '../../rules/profiles.js';

interface Threshold {
  above: number[];
  below: number[];
  hysteresis: number;
}

const configPath = process.argv[2];
if (!configPath) throw new Error('usage: ceiling-broker.ts <gateway-config.yaml>');
const config = parse(readFileSync(configPath, 'utf8')) as { devices: Array<{ id: string; bed: string }> };
const bedOf = new Map(config.devices.map((d) => [d.id, d.bed]));

const profile = loadBuiltinProfile('adult');
const thresholds = new Map<string, Threshold>();
for (const [param, p] of Object.entries(profile.params)) {
  if (!p) continue;
  thresholds.set(param, { above: p.high.map((b) => b.above), below: p.low.map((b) => b.below), hysteresis: p.hysteresis });
}
const highLimit = (t: Threshold) => Math.min(...t.above);
const lowLimit = (t: Threshold) => Math.max(...t.below);

/** Active alarms by `<bed>|<condition>`. */
const active = new Set<string>();

// Unbounded emitter concurrency, as the gateway's broker runs it: the bounded default drains its queue by recursion
// and overflows the stack under a QoS 0 flood.
const aedes = await Aedes.createBroker({ id: 'ceiling', concurrency: 0 });

function alarm(bed: string, condition: string, transition: 'raised' | 'cleared', value: number, t: unknown, seq: unknown): void {
  const payload = JSON.stringify({ bed, condition, transition, state: transition === 'raised' ? 'active' : 'cleared', value, sourceTs: t, sourceSeq: seq });
  aedes.publish({ cmd: 'publish', topic: `alarms/${bed}`, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, () => undefined);
}

aedes.subscribe(
  'vitals/+',
  (packet, done) => {
    const deviceId = packet.topic.slice('vitals/'.length);
    const bed = bedOf.get(deviceId);
    try {
      const msg = JSON.parse(packet.payload.toString()) as Record<string, unknown>;
      if (bed) {
        for (const [param, value] of Object.entries(msg)) {
          const t = thresholds.get(param);
          if (!t || typeof value !== 'number') continue;
          if (t.above.length) {
            const key = `${bed}|${param}-high`;
            const on = active.has(key);
            if (!on && value > highLimit(t)) {
              active.add(key);
              alarm(bed, `${param}-high`, 'raised', value, msg.t, msg.seq);
            } else if (on && value <= highLimit(t) - t.hysteresis) {
              active.delete(key);
              alarm(bed, `${param}-high`, 'cleared', value, msg.t, msg.seq);
            }
          }
          if (t.below.length) {
            const key = `${bed}|${param}-low`;
            const on = active.has(key);
            if (!on && value < lowLimit(t)) {
              active.add(key);
              alarm(bed, `${param}-low`, 'raised', value, msg.t, msg.seq);
            } else if (on && value >= lowLimit(t) + t.hysteresis) {
              active.delete(key);
              alarm(bed, `${param}-low`, 'cleared', value, msg.t, msg.seq);
            }
          }
        }
      }
    } catch {
      // a bad payload is dropped, as the gateway does
    }
    done();
  },
  () => undefined,
);

const server = createServer((socket) => {
  socket.setNoDelay(true);
  aedes.handle(socket);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  aedes.close(() => process.exit(0));
});
