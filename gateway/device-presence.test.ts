import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deviceSchema } from '../config/schema.js';
import { DevicePresence } from './device-presence.js';

const device = (d: Record<string, unknown>) => deviceSchema.parse({ bed: 'b1', ...d });

function presence() {
  const events: string[] = [];
  const p = new DevicePresence({
    now: () => Date.now(),
    out: {
      state: (id, state) => events.push(`${id} ${state}`),
      condition: (id, condition, active) => events.push(`${id} ${condition} ${active ? 'raised' : 'cleared'}`),
    },
  });
  return { p, events, alarms: () => events.filter((e) => / (raised|cleared)$/.test(e)) };
}

describe('DevicePresence', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('MQTT and HL7-over-TCP: links say nothing; silence past maxSilenceSeconds shows quiet (no alarm: no-data is the engine\'s), data shows connected', () => {
    const { p, events, alarms } = presence();
    p.start([device({ id: 'w', transport: 'mqtt', password: 'x', maxSilenceSeconds: 30 }), device({ id: 'h', transport: 'hl7-tcp', hl7: { bed: 'B' }, maxSilenceSeconds: 30 })]);
    for (let i = 0; i < 20; i++) {
      expect(p.link('w', i % 2 ? 'connected' : 'disconnected', 'session')).toBe(false);
      p.data('w');
      vi.advanceTimersByTime(1000);
    }
    expect(events).toEqual(['w connected']);
    // h never sent: quiet only once its start-up grace (maxSilenceSeconds) is over
    vi.advanceTimersByTime(10_001);
    expect(events).toEqual(['w connected', 'h quiet']);
    vi.advanceTimersByTime(30_000);
    expect(events).toEqual(['w connected', 'h quiet', 'w quiet']);
    p.data('w');
    expect(events.at(-1)).toBe('w connected');
    // the no-data alarm for the same silence is raised and cleared by the rules engine alone (one rule, one owner)
    expect(alarms()).toEqual([]);
    p.stop();
  });

  it('serial and BLE: a link down past disconnectGraceSeconds raises device-disconnected, a shorter outage nothing', () => {
    const { p, alarms } = presence();
    p.start([device({ id: 's', transport: 'serial', maxSilenceSeconds: 5, disconnectGraceSeconds: 10, serial: { path: '/dev/x', dialect: 'masimo' } })]);
    p.link('s', 'connected', 'open');
    vi.advanceTimersByTime(6000);
    p.link('s', 'disconnected', 'port closed');
    p.link('s', 'connecting', 'retry');
    vi.advanceTimersByTime(9000);
    p.link('s', 'connected', 'reopened'); // a replug inside the grace
    expect(alarms().filter((a) => a.includes('raised'))).toEqual([]);
    p.link('s', 'disconnected', 'port closed');
    vi.advanceTimersByTime(9999);
    expect(alarms().filter((a) => a.includes('raised'))).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(alarms().at(-1)).toBe('s device-disconnected raised');
    p.link('s', 'connected', 'back');
    expect(alarms().at(-1)).toBe('s device-disconnected cleared');
    p.link('s', 'quiet', 'no data for 5000 ms'); // open but silent: at once
    expect(alarms().at(-1)).toBe('s device-disconnected raised');
    p.stop();
  });

  it('at start-up a link that is down waits for the device maxSilenceSeconds before raising', () => {
    const { p, alarms } = presence();
    p.start([device({ id: 'b', transport: 'ble', maxSilenceSeconds: 60, ble: { address: 'AA:BB:CC:DD:EE:FF', profiles: ['heart-rate'] } })]);
    p.link('b', 'disconnected', 'not found');
    vi.advanceTimersByTime(59_000);
    expect(alarms()).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(alarms()).toEqual(['b device-disconnected raised']);
    p.stop();
  });
});
