import { describe, expect, it } from 'vitest';
import { loadRulesConfig } from './profiles.js';
import { replayNdjson } from './replay.js';
import type { AlarmEvent, IncidentEvent } from './types.js';

const T0 = 1_700_000_000_000;

function desaturation(): string[] {
  const lines: string[] = [];
  for (let t = 0; t <= 60; t++) {
    const spo2 = t >= 10 && t < 40 ? 86 : 97;
    lines.push(JSON.stringify({ bedId: 'b1', deviceId: 'ox-1', param: 'spo2', value: spo2, receivedAt: T0 + t * 1000 }));
  }
  return lines;
}

describe('replayNdjson (wardgate replay)', () => {
  const config = loadRulesConfig({ beds: [{ id: 'b1', devices: ['ox-1'] }], news2: { enabled: false } });

  it('prints alarm and incident events from recorded observations with the adult profile', () => {
    const r = replayNdjson(desaturation(), config);
    expect(r.errors).toEqual([]);
    const events = r.out.map((l) => JSON.parse(l) as { alarm?: AlarmEvent; incident?: IncidentEvent });
    const alarms = events.flatMap((e) => (e.alarm ? [e.alarm] : []));
    // adult.yaml: SpO2 < 90 medium with a 15 s delay: 86 % from t=10 s rises at t=25 s; clears at t=40 s (97 >= 92).
    expect(alarms.map((a) => `${a.transition}@${(a.at - T0) / 1000}`)).toEqual(['raised@25', 'cleared@40']);
    expect(alarms[0]).toMatchObject({ condition: 'spo2-low', priority: 'medium', limit: 90, by: 'timer', deviceId: 'ox-1' }); // the delay ended on the tick
    const incidents = events.flatMap((e) => (e.incident ? [e.incident] : []));
    expect(incidents.map((i) => `${i.type}#${i.incidentSeq}`)).toEqual(['opened#1', 'updated#2']);
  });

  it('is deterministic: the same input gives byte-identical output, including ids', () => {
    const a = replayNdjson(desaturation(), config);
    const b = replayNdjson(desaturation(), config);
    expect(a.out).toEqual(b.out);
    const id = (JSON.parse(a.out[0] as string) as { alarm: AlarmEvent }).alarm.id;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('runs commands and reports bad lines by number without stopping', () => {
    const lines = [
      JSON.stringify({ type: 'event', bed: 'b1', deviceId: 'band-1', event: 'fall', at: T0 }),
      '{oops',
      JSON.stringify({ bedId: 'b1', param: 'nope', value: 1, receivedAt: T0 }),
      JSON.stringify({ type: 'ack', bed: 'b1', condition: 'fall', by: 'staff:n1', at: T0 + 5000 }),
      JSON.stringify({ type: 'ack', bed: 'b1', condition: 'fall', by: 'staff:n1', at: T0 + 6000 }),
      JSON.stringify({ type: 'teleport', at: T0 }),
    ];
    const r = replayNdjson(lines, config);
    expect(r.errors.map((e) => e.split(':')[0])).toEqual(['line 2', 'line 3', 'line 5', 'line 6']);
    const alarms = r.out.flatMap((l) => {
      const e = JSON.parse(l) as { alarm?: AlarmEvent };
      return e.alarm ? [`${e.alarm.condition}:${e.alarm.transition}:${e.alarm.by}`] : [];
    });
    expect(alarms).toEqual(['fall:raised:device:band-1', 'fall:acknowledged:staff:n1', 'fall:cleared:staff:n1']);
  });
});
