import { describe, expect, it } from 'vitest';
import { deviceSchema } from './schema.js';

const efficia = (serial: Record<string, unknown>) => ({ id: 'efficia-8', bed: 'bed-08', transport: 'serial', serial: { path: '/dev/serial/by-id/x', ...serial } });

describe('serial.hl7Query (opt-in query poll, drivers/serial/hl7/query.ts)', () => {
  it('is off unless configured, and takes an interval (default 60 s) and a QRD-9 filter', () => {
    expect(deviceSchema.parse(efficia({ dialect: 'hl7' })).serial?.hl7Query).toBeUndefined();
    expect(deviceSchema.parse(efficia({ dialect: 'hl7', hl7Query: { filter: 'RES' } })).serial?.hl7Query).toEqual({ everySeconds: 60, filter: 'RES' });
    expect(deviceSchema.parse(efficia({ dialect: 'hl7', hl7Query: { everySeconds: 15, filter: 'STA' } })).serial?.hl7Query).toEqual({ everySeconds: 15, filter: 'STA' });
  });

  it('refuses a filter the guide does not name, a missing filter, an interval under 1 s, unknown keys, and a non-HL7 dialect', () => {
    const issues = (serial: Record<string, unknown>) => deviceSchema.safeParse(efficia(serial)).error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(issues({ dialect: 'hl7', hl7Query: { filter: 'ALL' } })).toEqual(['serial.hl7Query.filter']);
    expect(issues({ dialect: 'hl7', hl7Query: {} })).toEqual(['serial.hl7Query.filter']);
    expect(issues({ dialect: 'hl7', hl7Query: { everySeconds: 0.5, filter: 'RES' } })).toEqual(['serial.hl7Query.everySeconds']);
    expect(issues({ dialect: 'hl7', hl7Query: { filter: 'RES', every: 5 } })).toEqual(['serial.hl7Query']);
    expect(issues({ dialect: 'masimo', hl7Query: { filter: 'RES' } })).toEqual(['serial.hl7Query']);
  });
});
