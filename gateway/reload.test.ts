import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import type { GatewayConfig } from '../config/schema.js';
import { planReload } from './reload.js';
import { rulesConfigFrom } from './rules-config.js';

const raw = () => ({
  gateway: { id: 'gw-1', site: 's', ward: 'w' },
  dataDir: '/tmp/wardgate-reload-plan',
  broker: { port: 0 },
  screen: { port: 0 },
  beds: [{ id: 'bed-1' }, { id: 'bed-2', profile: 'adult' }],
  devices: [
    { id: 'w1', bed: 'bed-1', transport: 'mqtt', password: 'w1-pw' },
    { id: 'm1', bed: 'bed-2', transport: 'serial', serial: { path: '/dev/ttyUSB0', dialect: 'masimo' } },
  ],
  sync: { enabled: false },
});

function plan(change: (r: ReturnType<typeof raw>) => void) {
  const prev = parseConfig(raw(), 'prev');
  const r = raw();
  change(r);
  const next = parseConfig(r, 'next');
  return { prev, next, plan: planReload(prev, next, rulesConfigFrom(prev), rulesConfigFrom(next)) };
}

describe('planReload', () => {
  it('plans nothing for the same config', () => {
    const { prev, plan: p } = plan(() => undefined);
    expect(p).toMatchObject({ needsRestart: [], changedBeds: [], changedDevices: [], removedDevices: [], restartDrivers: false });
    expect(p.config).toEqual(prev);
  });

  it('a changed limit names its bed only; no driver restarts', () => {
    const { plan: p } = plan((r) => {
      (r.beds[0] as Record<string, unknown>).overrides = { hr: { delaySeconds: 0 } };
    });
    expect(p.changedBeds).toEqual(['bed-1']);
    expect(p.restartDrivers).toBe(false);
  });

  it('an MQTT credential change rebinds the device without restarting drivers', () => {
    const { plan: p } = plan((r) => {
      r.devices[0] = { id: 'w1', bed: 'bed-1', transport: 'mqtt', password: 'new-pw' };
    });
    expect(p.changedDevices.map((d) => d.id)).toEqual(['w1']);
    expect(p.restartDrivers).toBe(false);
  });

  it('a serial device added, changed or removed restarts the drivers', () => {
    const changed = plan((r) => {
      (r.devices[1] as { serial: { path: string } }).serial.path = '/dev/ttyUSB1';
    }).plan;
    expect(changed.changedDevices.map((d) => d.id)).toEqual(['m1']);
    expect(changed.restartDrivers).toBe(true);
    const removed = plan((r) => {
      r.devices.pop();
    }).plan;
    expect(removed.removedDevices.map((d) => d.id)).toEqual(['m1']);
    expect(removed.restartDrivers).toBe(true);
  });

  it('restart-only sections are reported and kept as they run', () => {
    const { prev, next, plan: p } = plan((r) => {
      r.broker = { port: 1884 };
      r.gateway = { id: 'gw-2', site: 's', ward: 'w' };
    });
    expect(p.needsRestart.sort()).toEqual(['broker', 'gateway']);
    const kept: GatewayConfig = p.config;
    expect(kept.broker).toEqual(prev.broker);
    expect(kept.gateway).toEqual(prev.gateway);
    expect(kept.beds).toEqual(next.beds);
  });
});
