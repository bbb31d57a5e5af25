import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Runs `body` in a fresh Node process (mqtt-packet's table is per process, and other test files may build it). */
function inFreshProcess(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-packet-numbers-'));
  try {
    const script = join(dir, 'child.mts');
    writeFileSync(script, body);
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`child failed (${String(r.status)}): ${r.stderr}`);
    return r.stdout.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the embedded broker and mqtt-packet\'s number table', () => {
  it('serves a login, a publish and its delivery without building the 65,536-Buffer table', () => {
    const out = inFreshProcess(`
      import { createRequire } from 'node:module';
      import { EmbeddedBroker } from ${JSON.stringify(join(here, 'broker.ts'))};
      const requireFromRepo = createRequire(${JSON.stringify(join(here, '../../package.json'))});
      const mqtt = requireFromRepo('mqtt');
      const numbers = requireFromRepo('mqtt-packet/numbers.js');
      const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } };
      const got = [];
      const broker = new EmbeddedBroker({
        host: '127.0.0.1', port: 0, maxPayloadBytes: 1024, maxMessagesPerSecond: 100, log: silent,
        authenticate: async (u, p) => (u === 'wear-01' && p === 'right' ? { kind: 'device', name: 'wear-01', subscribe: [] } : null),
        onDevicePublish: (device, topic, payload) => got.push(device + ' ' + topic + ' ' + payload.toString()),
      });
      const port = await broker.start();
      const client = await mqtt.connectAsync({ host: '127.0.0.1', port, username: 'wear-01', password: 'right', reconnectPeriod: 0 });
      await client.publishAsync('vitals/wear-01', '{"hr":61}', { qos: 1 });
      await client.endAsync();
      await broker.stop();
      console.log(JSON.stringify({ got, cached: Object.keys(numbers.cache).length }));
    `);
    expect(JSON.parse(out)).toEqual({ got: ['wear-01 vitals/wear-01 {"hr":61}'], cached: 0 });
  });
});
