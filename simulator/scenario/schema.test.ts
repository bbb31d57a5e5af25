import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseScenarioText, validateScenario } from './schema.js';

const SCENARIOS = fileURLToPath(new URL('../scenarios/', import.meta.url));

const base = () => ({
  name: 'tiny',
  durationSeconds: 60,
  beds: [
    { id: 'bed-1', devices: [{ id: 'w-1', transport: 'mqtt' }] },
    { id: 'bed-2', devices: [{ id: 'm-2', transport: 'serial', dialect: 'masimo' }] },
  ],
});

describe('scenario schema', () => {
  it('accepts a minimal scenario and fills defaults', () => {
    const r = validateScenario(base());
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.scenario.seed).toBe(1);
      expect(r.scenario.speed).toBe(1);
      expect(r.scenario.beds[0]!.devices[0]).toMatchObject({ transport: 'mqtt', format: 'json' });
      expect(r.scenario.expect).toEqual({ alarms: [], incidents: [], mustNot: [] });
    }
  });

  it('names the field of every error', () => {
    const doc = base() as Record<string, unknown>;
    (doc.beds as Array<{ devices: Array<Record<string, unknown>> }>)[1]!.devices[0]!.dialect = 'rs232-magic';
    doc.events = [
      { type: 'sepsis', bed: 'bed-9', at: 10, durationSeconds: 30 },
      { type: 'fall', device: 'w-1', at: 500 },
      { type: 'desaturation', bed: 'bed-1', at: 0, durationSeconds: 10, to: 20 },
    ];
    doc.expect = { alarms: [{ bed: 'bed-1', condition: 'hr-high' }], mustNot: [{ bed: 'bed-1', colour: 'red' }] };
    const r = validateScenario(doc);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.errors.join('\n');
    expect(text).toMatch(/^beds\[1\]\.devices\[0\]\.dialect: /m);
    expect(text).toMatch(/^events\[2\]\.to: /m);
    expect(text).toMatch(/^expect\.alarms\[0\]\.withinSeconds: required/m);
    expect(text).toMatch(/^expect\.mustNot\[0\]: unknown field\(s\) 'colour'/m);
  });

  it('accepts only conditions the gateway can raise in expectations (technical ones from rules/technical.ts)', () => {
    const doc = base() as Record<string, unknown>;
    const alarm = (condition: string) => ({ bed: 'bed-1', condition, withinSeconds: 5 });
    doc.expect = {
      alarms: [alarm('spo2-low'), alarm('news2'), alarm('fall'), alarm('no-data'), alarm('buzzer-fault'), alarm('sensor-of'), alarm('pulse-high')],
      mustNot: [{ condition: 'sensor-off' }, { condition: 'hr-hi' }],
    };
    const r = validateScenario(doc);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.filter((e) => e.includes('condition')).map((e) => e.split(':')[0])).toEqual([
      'expect.alarms[5].condition',
      'expect.alarms[6].condition',
      'expect.mustNot[1].condition',
    ]);
  });

  it('checks references across the file: unknown beds and devices, duplicates, events after the end', () => {
    const doc = base() as Record<string, unknown>;
    (doc.beds as Array<{ devices: Array<Record<string, unknown>> }>)[1]!.devices.push({ id: 'w-1', transport: 'mqtt' });
    doc.events = [
      { type: 'sepsis', bed: 'bed-9', at: 10, durationSeconds: 30 },
      { type: 'fall', device: 'w-7', at: 500 },
    ];
    doc.expect = { alarms: [{ bed: 'bed-3', condition: 'fall', withinSeconds: 5 }] };
    const r = validateScenario(doc);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual(
      expect.arrayContaining([
        "beds[1].devices[1].id: duplicate device id 'w-1'",
        "events[0].bed: unknown bed 'bed-9'",
        "events[1].device: unknown device 'w-7'",
        'events[1].at: after the end of the scenario (60 s)',
        "expect.alarms[0].bed: unknown bed 'bed-3'",
      ]),
    );
  });

  it('reports text that is not YAML', () => {
    const r = parseScenarioText('name: [unclosed');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^\(file\): not YAML or JSON/);
  });

  it('accepts JSON as well as YAML', () => {
    expect(parseScenarioText(JSON.stringify(base())).ok).toBe(true);
  });

  it.each(readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml')))('shipped scenario %s is valid', (file) => {
    const r = parseScenarioText(readFileSync(`${SCENARIOS}${file}`, 'utf8'));
    expect(r.ok ? [] : r.errors).toEqual([]);
  });
});
