import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { Gateway } from '../gateway/daemon.js';

describe('screen actions by role', () => {
  it('a technician acknowledges technical alarms but not patient alarms, and cannot change limits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wardgate-roles-'));
    const config = parseConfig(
      {
        dataDir: join(dir, 'data'),
        broker: { port: 0 },
        screen: { port: 0, staff: [{ id: 't1', name: 'Tech', role: 'technician', pin: '1111' }, { id: 'n1', name: 'Nurse', role: 'nurse', pin: '2222' }] },
        beds: [{ id: 'bed-1', overrides: { hr: { delaySeconds: 0 } } }],
        devices: [{ id: 'w1', bed: 'bed-1', transport: 'mqtt', password: 'pw' }],
        sync: { enabled: false },
      },
      'test',
    );
    const gw = new Gateway({ config, log: pino({ level: 'silent' }) });
    await gw.start();
    try {
      const base = `http://127.0.0.1:${gw.screen.port}`;
      const login = async (staffId: string, pin: string) =>
        (await fetch(`${base}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId, pin }) })).headers.get('set-cookie')!.split(';')[0]!;
      const post = (cookie: string, path: string, body: unknown = {}) => fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', cookie }, body: JSON.stringify(body) });
      gw.reading('w1', { param: 'hr', value: 150, unit: '/min' });
      gw.condition('w1', { condition: 'sensor-off', active: true });
      const patient = gw.rules.activeAlarms().find((a) => a.condition === 'hr-high')!;
      const technical = gw.rules.activeAlarms().find((a) => a.condition === 'sensor-off')!;
      const tech = await login('t1', '1111');
      expect((await post(tech, `/api/alarms/${patient.id}/ack`)).status).toBe(400);
      expect((await post(tech, `/api/beds/bed-1/limits`, { overrides: {} })).status).toBe(400);
      expect((await post(tech, `/api/alarms/${technical.id}/ack`)).status).toBe(200);
      const nurse = await login('n1', '2222');
      expect((await post(nurse, `/api/alarms/${patient.id}/ack`)).status).toBe(200);
    } finally {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
