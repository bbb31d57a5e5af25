/**
 * What TLS costs the gateway: CPU per wearable sample over MQTTS against plain MQTT, measured on the real daemon
 * (dist/) with both listeners open, the same wearables and rate in each phase (plain, MQTTS, plain, MQTTS; the
 * gateway's own utime+stime from /proc, less its idle CPU over the same time measured in each round), plus the CPU
 * of the TLS handshakes when the wearables connect. Prints a Markdown table.
 *   npx tsx bench/tls-cost.ts [devices=50] [perDevicePerS=20] [phaseSeconds=5]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { makeWardPki } from '../test/helpers/tls-pki.js';
import { freePort } from '../test/helpers/ports.js';
import { cpuSeconds } from './load/procfs.js';
import { startGateway } from './load/processes.js';

const DEVICES = Number(process.argv[2] ?? 50);
const RATE = Number(process.argv[3] ?? 20);
const PHASE_S = Number(process.argv[4] ?? 5);
const ROUNDS = 3;
const dir = mkdtempSync(join(tmpdir(), 'wardgate-bench-tls-'));

async function connectAll(url: string, ca: Buffer | undefined): Promise<MqttClient[]> {
  return Promise.all(
    Array.from({ length: DEVICES }, (_, i) => {
      const c = mqtt.connect(url, { username: `w${i}`, password: `pw${i}`, protocolVersion: 4, reconnectPeriod: 0, ...(ca ? { ca } : {}) });
      return new Promise<MqttClient>((resolve, reject) => {
        c.once('connect', () => resolve(c));
        c.once('error', reject);
      });
    }),
  );
}

/** Each device publishes RATE samples/s (QoS 1, like the simulator's wearables) for PHASE_S seconds. */
async function drive(clients: MqttClient[], seq: { n: number }): Promise<number> {
  let acked = 0;
  const end = Date.now() + PHASE_S * 1000;
  const pending: Array<Promise<unknown>> = [];
  while (Date.now() < end) {
    const tick = Date.now();
    clients.forEach((c, i) => {
      const body = JSON.stringify({ t: Date.now(), seq: ++seq.n, hr: 70 + (seq.n % 5), spo2: 97, rr: 16, temp: 36.8 });
      pending.push(c.publishAsync(`vitals/w${i}`, body, { qos: 1 }).then(() => (acked += 1)));
    });
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 / RATE - (Date.now() - tick))));
  }
  await Promise.all(pending);
  return acked;
}

async function main(): Promise<void> {
  const pki = makeWardPki(join(dir, 'pki'));
  const tlsPort = await freePort();
  const configPath = join(dir, 'wardgate.yaml');
  writeFileSync(
    configPath,
    stringify({
      gateway: { id: 'gw-bench-tls', site: 's', ward: 'w' },
      dataDir: join(dir, 'data'),
      log: { level: 'info' }, // the start-up helper waits for the 'wardgate: ready' line
      broker: { host: '127.0.0.1', port: 0, maxMessagesPerSecond: RATE * 4, tls: { host: '127.0.0.1', port: tlsPort, cert: pki.serverCert, key: pki.serverKey } },
      screen: { host: '127.0.0.1', port: 0 },
      beds: Array.from({ length: DEVICES }, (_, i) => ({ id: `b${i}` })),
      devices: Array.from({ length: DEVICES }, (_, i) => ({ id: `w${i}`, bed: `b${i}`, transport: 'mqtt', password: `pw${i}`, maxSilenceSeconds: 600 })),
      sync: { enabled: false },
    }),
  );
  const gw = await startGateway(configPath);
  const ca = readFileSync(pki.ca);
  const seq = { n: 0 };
  const results = { plain: { cpu: 0, samples: 0, connectCpu: 0, seconds: 0 }, mqtts: { cpu: 0, samples: 0, connectCpu: 0, seconds: 0 } };
  let idleCpuPerS = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const i0 = cpuSeconds(gw.pid);
      const w0 = performance.now();
      await new Promise((r) => setTimeout(r, PHASE_S * 1000));
      idleCpuPerS += (cpuSeconds(gw.pid) - i0) / ((performance.now() - w0) / 1000) / ROUNDS;
      for (const kind of ['plain', 'mqtts'] as const) {
        const c0 = cpuSeconds(gw.pid);
        const clients = await connectAll(kind === 'plain' ? `mqtt://127.0.0.1:${gw.brokerPort}` : `mqtts://localhost:${tlsPort}`, kind === 'mqtts' ? ca : undefined);
        await new Promise((r) => setTimeout(r, 500));
        const c1 = cpuSeconds(gw.pid);
        const w1 = performance.now();
        const samples = await drive(clients, seq);
        const c2 = cpuSeconds(gw.pid);
        results[kind].seconds += (performance.now() - w1) / 1000;
        await Promise.all(clients.map((c) => c.endAsync()));
        results[kind].connectCpu += c1 - c0;
        results[kind].cpu += c2 - c1;
        results[kind].samples += samples;
      }
    }
  } finally {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const perSample = (k: 'plain' | 'mqtts') => ((results[k].cpu - idleCpuPerS * results[k].seconds) / results[k].samples) * 1e6;
  const rawPerSample = (k: 'plain' | 'mqtts') => (results[k].cpu / results[k].samples) * 1e6;
  const perConnect = (k: 'plain' | 'mqtts') => (results[k].connectCpu / (ROUNDS * DEVICES)) * 1e3;
  const p = perSample('plain');
  const t = perSample('mqtts');
  const out = [
    `## TLS cost (${DEVICES} wearables x ${RATE} samples/s, QoS 1, ${ROUNDS} x ${PHASE_S} s per listener, alternating)`,
    '',
    '| figure | plain MQTT | MQTTS | difference |',
    '|---|---|---|---|',
    `| gateway CPU per sample (idle CPU of ${(idleCpuPerS * 100).toFixed(1)} % of a core subtracted) | ${p.toFixed(1)} us | ${t.toFixed(1)} us | ${(t - p).toFixed(1)} us (${(((t - p) / p) * 100).toFixed(0)} %) |`,
    `| gateway CPU per sample, raw | ${rawPerSample('plain').toFixed(1)} us | ${rawPerSample('mqtts').toFixed(1)} us | ${(rawPerSample('mqtts') - rawPerSample('plain')).toFixed(1)} us |`,
    `| gateway CPU per connection (login; TLS handshake for MQTTS) | ${perConnect('plain').toFixed(2)} ms | ${perConnect('mqtts').toFixed(2)} ms | ${(perConnect('mqtts') - perConnect('plain')).toFixed(2)} ms |`,
    `| samples measured | ${results.plain.samples} | ${results.mqtts.samples} | |`,
    '',
    `TLS cost target: reference (no target); MQTTS adds ${(t - p).toFixed(1)} us CPU per sample (${((((t - p) * DEVICES * RATE) / 1e4)).toFixed(2)} % of a core at ${DEVICES * RATE} samples/s)`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
