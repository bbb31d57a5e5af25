import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseConfig } from '../../config/load.js';
import { Gateway } from '../../gateway/daemon.js';
import { waitFor } from '../helpers/wait.js';

type Alarm = { bed: string; condition: string; priority: string; transition: string; audible: boolean };

const dir = mkdtempSync(join(tmpdir(), 'wardgate-safety-screen-'));
const config = (name: string) =>
  parseConfig(
    {
      dataDir: join(dir, name),
      broker: { port: 0, users: [{ username: 'nc', password: 'nc-pw', subscribe: ['alarms/#'] }] },
      screen: { port: 0, staff: [{ id: 'n1', name: 'Nurse', role: 'nurse', pin: '2222' }] },
      beds: [
        {
          id: 'bed-1',
          overrides: {
            hr: { delaySeconds: 0, high: [{ above: 140, priority: 'high' }] },
            spo2: { delaySeconds: 0, low: [{ below: 90, priority: 'medium' }] },
          },
        },
      ],
      devices: [{ id: 'w1', bed: 'bed-1', transport: 'mqtt', password: 'pw' }],
      sync: { enabled: false },
    },
    'test',
  );
const log = pino({ level: 'silent' });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function screenOf(gw: Gateway) {
  const base = `http://127.0.0.1:${gw.screen.port}`;
  const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'n1', pin: '2222' }) });
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return {
    post: (path: string, body: unknown = {}) => fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', cookie }, body: JSON.stringify(body) }),
    state: async () => (await (await fetch(`${base}/api/state`, { headers: { cookie } })).json()) as { beds: Array<{ id: string; vitals: Record<string, { unscored?: string; value: number }> }> },
    /** The page's first message: the snapshot with the beds' settings. */
    setup: () =>
      new Promise<{ beds: Record<string, { profile: string; overrides?: Record<string, { high?: Array<{ above: number }> }> }> }>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${gw.screen.port}/ws`, { headers: { cookie } });
        ws.once('message', (m) => {
          ws.close();
          resolve((JSON.parse(m.toString()) as { setup: never }).setup);
        });
        ws.once('error', reject);
      }),
  };
}

describe('the screen shows what the engine enforces, and unscored values with their reason', () => {
  it('after a restart the bed dialog shows the nurse\'s limits (from the audit trail), not the config\'s', async () => {
    const first = new Gateway({ config: config('limits'), log });
    await first.start();
    try {
      const screen = await screenOf(first);
      const change = { overrides: { hr: { delaySeconds: 0, high: [{ above: 110, priority: 'high' }] } } };
      expect((await screen.post('/api/beds/bed-1/limits', change)).status).toBe(200);
    } finally {
      await first.stop();
    }
    const second = new Gateway({ config: config('limits'), log });
    await second.start();
    try {
      const setup = await (await screenOf(second)).setup();
      expect(setup.beds['bed-1']?.overrides?.hr?.high?.[0]?.above).toBe(110); // what the engine enforces
      second.reading('w1', { param: 'hr', value: 120, unit: '/min' });
      expect(second.rules.activeAlarms().some((a) => a.condition === 'hr-high' && a.limit === 110)).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('a demo value is shown with the reason it is not scored, and raises nothing', async () => {
    const gw = new Gateway({ config: config('demo'), log });
    await gw.start();
    try {
      gw.reading('w1', { param: 'spo2', value: 70, unit: '%', flags: ['demo'] });
      const bed = (await (await screenOf(gw)).state()).beds.find((b) => b.id === 'bed-1');
      expect(bed?.vitals.spo2).toMatchObject({ value: 70, unscored: 'demo data' });
      expect(gw.rules.activeAlarms().filter((a) => a.kind !== 'technical')).toEqual([]);
    } finally {
      await gw.stop();
    }
  });
});

describe('audio pause through the daemon: a new alarm condition sounds', () => {
  it('a nurse pauses a high HR alarm; a new, medium SpO2 alarm then sounds on alarms/#; the paused one stays silent', async () => {
    const gw = new Gateway({ config: config('pause'), log });
    await gw.start();
    const alarms: Alarm[] = [];
    const sub = mqtt.connect(`mqtt://127.0.0.1:${gw.broker.port}`, { username: 'nc', password: 'nc-pw', protocolVersion: 4 });
    const dev = mqtt.connect(`mqtt://127.0.0.1:${gw.broker.port}`, { username: 'w1', password: 'pw', protocolVersion: 4 });
    try {
      sub.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as Alarm));
      await waitFor(() => sub.connected, 5000, 'subscriber connected');
      await sub.subscribeAsync('alarms/#', { qos: 1 });
      await waitFor(() => dev.connected, 5000, 'device connected');
      dev.publish('vitals/w1', JSON.stringify({ seq: 1, hr: 150, spo2: 97 }), { qos: 1 });
      await waitFor(() => alarms.find((a) => a.condition === 'hr-high' && a.transition === 'raised'), 10_000, 'hr-high');
      const screen = await screenOf(gw);
      expect((await screen.post('/api/beds/bed-1/pause')).status).toBe(200);
      await waitFor(() => alarms.find((a) => a.condition === 'hr-high' && a.transition === 'audio-paused'), 5000, 'hr-high paused');
      dev.publish('vitals/w1', JSON.stringify({ seq: 2, hr: 150, spo2: 86 }), { qos: 1 });
      const spo2 = await waitFor(() => alarms.find((a) => a.condition === 'spo2-low' && a.transition === 'raised'), 10_000, 'spo2-low');
      expect(spo2).toMatchObject({ priority: 'medium', audible: true });
      expect(gw.rules.activeAlarms().find((a) => a.condition === 'hr-high')?.audible).toBe(false);
    } finally {
      sub.end(true);
      dev.end(true);
      await gw.stop();
    }
  });
});
