import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { createRulesEngine } from '../rules/engine.js';
import { rulesConfigFrom } from './rules-config.js';

const config = () =>
  parseConfig(
    {
      gateway: { id: 'gw-1', site: 's', ward: 'w' },
      dataDir: '/tmp/wardgate-rules-config',
      broker: { port: 0 },
      screen: { port: 0 },
      beds: [{ id: 'bed-1' }, { id: 'bed-2' }],
      devices: [
        { id: 'w1', bed: 'bed-1', transport: 'mqtt', password: 'w1-pw', maxSilenceSeconds: 20 },
        { id: 'h1', bed: 'bed-1', transport: 'hl7-tcp', hl7: { bed: 'B1' } },
        { id: 'm1', bed: 'bed-2', transport: 'serial', maxSilenceSeconds: 7.5, serial: { path: '/dev/ttyUSB0', dialect: 'masimo' } },
      ],
      rules: { technical: { noDataSeconds: 5 } },
      sync: { enabled: false },
    },
    'test',
  );

describe('rulesConfigFrom', () => {
  it('binds every device to its bed with its own maxSilenceSeconds (default 30), whatever noDataSeconds says', () => {
    const r = rulesConfigFrom(config());
    expect(r.technical.noDataSeconds).toBe(5);
    expect(r.beds.map((b) => [b.id, b.devices, b.deviceSilenceSeconds])).toEqual([
      ['bed-1', ['w1', 'h1'], { w1: 20, h1: 30 }],
      ['bed-2', ['m1'], { m1: 7.5 }],
    ]);
  });

  it('so the engine raises no-data for a device that never sends after its maxSilenceSeconds, not after noDataSeconds', () => {
    const e = createRulesEngine(rulesConfigFrom(config()));
    const t0 = 1_700_000_000_000;
    const raised: string[] = [];
    for (let s = 0; s <= 30; s += 0.5) raised.push(...e.tick(t0 + s * 1000).alarms.map((a) => `${s} ${a.deviceId} ${a.condition}`));
    expect(raised).toEqual(['7.5 m1 no-data', '20 w1 no-data', '30 h1 no-data']);
  });
});
