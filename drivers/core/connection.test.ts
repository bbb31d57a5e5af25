import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeviceConnection, type ConnectionState } from './connection.js';

describe('DeviceConnection', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function make(maxSilenceMs = 1000) {
    const seen: Array<[ConnectionState, string]> = [];
    const conn = new DeviceConnection({ deviceId: 'd1', maxSilenceMs, sink: { connection: (_id, s, r) => seen.push([s, r]) }, now: () => Date.now() });
    return { conn, seen };
  }

  it('stays connected while data keeps arriving, however long, without a timer per frame', () => {
    const { conn, seen } = make(1000);
    conn.opened('port open');
    for (let i = 0; i < 50; i++) {
      vi.advanceTimersByTime(300);
      conn.dataReceived();
    }
    expect(seen.map((s) => s[0])).toEqual(['connected']);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('goes quiet after exactly the maximum silence since the last data, and back on data', () => {
    const { conn, seen } = make(1000);
    conn.opened('port open');
    vi.advanceTimersByTime(600);
    conn.dataReceived();
    vi.advanceTimersByTime(999);
    expect(conn.state).toBe('connected');
    vi.advanceTimersByTime(2);
    expect(conn.state).toBe('quiet');
    expect(seen.at(-1)).toEqual(['quiet', 'no data for 1000 ms']);
    conn.dataReceived();
    expect(seen.at(-1)).toEqual(['connected', 'data resumed']);
    vi.advanceTimersByTime(1001);
    expect(conn.state).toBe('quiet');
  });

  it('reports each transition once, with its reason, and no silence watchdog while disconnected', () => {
    const { conn, seen } = make(1000);
    conn.connecting('opening');
    conn.opened('open');
    conn.disconnected('port closed');
    conn.disconnected('port closed');
    vi.advanceTimersByTime(5000);
    expect(seen).toEqual([
      ['connecting', 'opening'],
      ['connected', 'open'],
      ['disconnected', 'port closed'],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
