/**
 * Drain rate of a 100,000-event outbox backlog to mosquitto after an outage, beside a bare mqtt.js QoS 1
 * publisher sending the same bodies to the same broker in the same run. Prints a Markdown table.
 *   npx tsx bench/sync-drain.ts [events=100000] [maxInFlight=500]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { Store, type NewOutboxMessage } from '../gateway/store/store.js';
import { createUuidV7 } from '../rules/ids.js';
import type { IncidentEvent } from '../rules/types.js';
import { MqttUpstream } from '../sync/mqtt-upstream.js';
import { incidentEventMessage, upstreamTopics } from '../sync/wire.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';

const N = Number(process.argv[2] ?? 100_000);
const IN_FLIGHT = Number(process.argv[3] ?? 500);
const who = { gatewayId: 'gw-bench', site: 'site', ward: 'ward', version: 'bench' };
const dir = mkdtempSync(join(tmpdir(), 'wardgate-bench-drain-'));

function fillBacklog(store: Store): string[] {
  const newId = createUuidV7();
  const bodies: string[] = [];
  for (let start = 0; start < N; start += 1000) {
    const incidents: IncidentEvent[] = [];
    const outbox: NewOutboxMessage[] = [];
    for (let i = start; i < Math.min(N, start + 1000); i++) {
      const at = Date.now();
      const ev: IncidentEvent = {
        incidentId: `inc-${i % 500}`, incidentSeq: Math.floor(i / 500) + 1, type: i < 500 ? 'opened' : 'updated', bed: `bed-${i % 20}`,
        condition: 'spo2-low', kind: 'physiological', priority: 'high', at, by: 'rules', alarmId: `a-${i % 500}`, vitals: { spo2: 85, hr: 112, rr: 24 }, message: 'SpO2 low',
      };
      const id = newId(at);
      incidents.push(ev);
      outbox.push({ id, kind: 'incident-event', incidentId: ev.incidentId, incidentSeq: ev.incidentSeq, createdAt: at, body: (gwSeq) => {
        const b = JSON.stringify(incidentEventMessage(who, id, ev, { gatewaySeq: gwSeq, wallTime: at, clockSynced: true }));
        bodies.push(b);
        return b;
      } });
    }
    store.commitAlarmChange([], incidents, outbox);
  }
  return bodies;
}

async function main(): Promise<void> {
  const broker = await startMosquitto(join(dir, 'mosquitto'), { gw: 'gw', central: 'central', bare: 'bare' });
  const store = new Store(join(dir, 'gw'));
  const t0 = Date.now();
  const bodies = fillBacklog(store);
  const fillMs = Date.now() - t0;
  process.stderr.write(`backlog of ${N} committed in ${fillMs} ms\n`);

  // A consumer on the far side, as the centre would be (QoS 1, counts what it gets).
  let consumed = 0;
  // Persistent session and a fast reconnect, so it is back as soon as the broker is and misses nothing.
  const consumer = mqtt.connect(broker.url, { username: 'central', password: 'central', protocolVersion: 5, clientId: 'bench-consumer', clean: false, properties: { sessionExpiryInterval: 600 }, reconnectPeriod: 20 });
  await new Promise<void>((r) => consumer.once('connect', () => r()));
  consumer.on('message', () => (consumed += 1));
  await consumer.subscribeAsync('wardgate/#', { qos: 1 });

  // 1. Bare mqtt.js QoS 1: every body published at once, timed until the last PUBACK.
  const bare = mqtt.connect(broker.url, { username: 'bare', password: 'bare', protocolVersion: 5, clientId: 'bare' });
  await new Promise<void>((r) => bare.once('connect', () => r()));
  const tb = process.hrtime.bigint();
  // A sliding window of IN_FLIGHT unacknowledged messages (MQTT packet ids are 16-bit: 100,000 at once cannot work).
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let acked = 0;
    const send = (): void => {
      const b = bodies[next++]!;
      bare.publish('wardgate/site/ward/bare/incidents', b, { qos: 1 }, (err) => {
        if (err) return reject(err);
        if (++acked === bodies.length) return resolve();
        if (next < bodies.length) send();
      });
    };
    for (let i = 0; i < Math.min(IN_FLIGHT, bodies.length); i++) send();
  });
  const bareMs = Number(process.hrtime.bigint() - tb) / 1e6;
  process.stderr.write(`bare done in ${Math.round(bareMs)} ms\n`);
  await bare.endAsync();
  const settle = async (want: number) => {
    const until = Date.now() + 60_000;
    while (consumed < want && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  };
  await settle(N); // let the consumer catch up so the next phase does not compete with it

  // 2. The gateway's upstream after an outage: started while the broker is down, timed from the broker's return
  //    until every row is marked delivered in SQLite.
  await broker.stop();
  const topics = upstreamTopics('wardgate', who);
  const up = new MqttUpstream({
    url: broker.url, username: 'gw', password: 'gw', clientId: 'wardgate-gw-bench',
    topics: { incidents: topics.incidents, status: topics.status, heartbeat: topics.heartbeat, down: topics.down },
    outbox: store.outbox,
    maxInFlight: IN_FLIGHT, batchSize: 1000, retryMinMs: 20, retryMaxMs: 50, log: pino({ level: 'silent' }), onDownlink: () => undefined, statusPayload: (s) => JSON.stringify({ s }),
  });
  up.start();
  await new Promise((r) => setTimeout(r, 200));
  await broker.restart();
  const tu = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    // status.delivered counts rows marked delivered in SQLite; polling COUNT(*) instead would load the loop itself.
    const poll = () => (up.status.delivered >= N ? resolve() : setTimeout(poll, 5));
    poll();
  });
  const upMs = Number(process.hrtime.bigint() - tu) / 1e6;
  process.stderr.write(`drain done in ${Math.round(upMs)} ms\n`);
  await up.stop();
  await settle(2 * N);
  const left = store.outboxStats().depth;
  if (left !== 0) throw new Error(`${left} events still undelivered`);

  const bareRate = N / (bareMs / 1000);
  const upRate = N / (upMs / 1000);
  console.log(`\nSync drain, ${N.toLocaleString('en')} incident events (~${Math.round(bodies[0]!.length)} B each), mosquitto ${broker.url}, maxInFlight ${IN_FLIGHT}, Node ${process.version}\n`);
  console.log('| publisher | events | seconds | events/s | vs bare |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| bare mqtt.js QoS 1 (window of maxInFlight, until last PUBACK) | ${N} | ${(bareMs / 1000).toFixed(2)} | ${Math.round(bareRate)} | 1.00 |`);
  console.log(`| wardgate outbox drain after outage (until all marked delivered) | ${N} | ${(upMs / 1000).toFixed(2)} | ${Math.round(upRate)} | ${(upRate / bareRate).toFixed(2)} |`);
  console.log(`\n(backlog commit: ${fillMs} ms; consumer received ${consumed})`);
  consumer.end(true);
  store.close();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
