import { describe, expect, it } from 'vitest';
import { createUuidV7 } from '../rules/ids.js';
import { SCHEMA_FILES, loadSchema, validate, validateMessage, type JsonSchema, type SchemaName } from './json-schema.js';
import { heartbeatMessage, incidentEventMessage, parseDownlink, statusMessage } from './wire.js';

const who = { gatewayId: 'gw-1', site: 'site-a', ward: 'ward-7', version: '0.1.0' };
const stamp = { gatewaySeq: 42, wallTime: 1_700_000_000_000, clockSynced: false };
const incident = {
  incidentId: 'inc-1', incidentSeq: 1, type: 'opened' as const, bed: 'bed-1', condition: 'spo2-low', kind: 'physiological' as const,
  priority: 'high' as const, at: 1_700_000_000_000, by: 'rules', alarmId: 'a-1', vitals: { spo2: 84, hr: 110 }, message: 'SpO2 low',
  news2: { total: 7, subscores: { spo2: 3, hr: 1 }, risk: 'high' as const, complete: false, missing: ['acvpu'] },
};

describe('the validator', () => {
  it('reports type, const, enum, required, additionalProperties, pattern and oneOf failures with paths', () => {
    const s = {
      type: 'object', required: ['a'], additionalProperties: false,
      properties: { a: { type: 'integer', minimum: 1 }, b: { enum: ['x', 'y'] }, c: { const: 1 }, d: { type: 'string', pattern: '^z+$' } },
    } satisfies JsonSchema;
    expect(validate(s, { a: 1, b: 'x', c: 1, d: 'zz' })).toEqual([]);
    const errs = validate(s, { a: 0.5, b: 'q', c: 2, d: 'a', e: true }).map((e) => e.path).sort();
    expect(errs).toEqual(['/a', '/b', '/c', '/d', '/e']);
    expect(validate(s, {})).toEqual([{ path: '/a', message: 'is required' }]);
    expect(validate(s, 'nope')[0]!.message).toBe('must be object');
  });

  it('every schema file loads and has the draft 2020-12 header, an $id and a title', () => {
    for (const name of Object.keys(SCHEMA_FILES) as SchemaName[]) {
      const s = loadSchema(name);
      expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(String(s.$id)).toContain(SCHEMA_FILES[name]);
      expect(typeof s.title).toBe('string');
    }
  });
});

describe('the wire contract', () => {
  it('messages built by the gateway validate; broken ones do not', () => {
    const id = createUuidV7()(Date.now());
    const ev = incidentEventMessage(who, id, incident, stamp);
    expect(validateMessage('incident-event', ev)).toEqual([]);
    expect(validateMessage('incident-event', { ...ev, eventId: 'not-a-uuid' }).map((e) => e.path)).toEqual(['/eventId']);
    expect(validateMessage('incident-event', { ...ev, clockSynced: undefined }).length).toBeGreaterThan(0);
    expect(validateMessage('incident-event', { ...ev, incident: { ...incident, incidentSeq: 0 } }).map((e) => e.path)).toEqual(['/incident/incidentSeq']);
    expect(validateMessage('status', statusMessage(who, 'offline', stamp))).toEqual([]);
    const hb = heartbeatMessage(who, stamp, { uptimeSeconds: 5, outboxDepth: 3, oldestUndeliveredAgeSeconds: 12, devices: [{ id: 'w1', state: 'connected' }] });
    expect(validateMessage('heartbeat', hb)).toEqual([]);
    expect(validateMessage('heartbeat', { ...hb, outboxDepth: -1 }).map((e) => e.path)).toEqual(['/outboxDepth']);
  });

  it('downlink parsing is the schema: admit needs a patient, statuses are the four, junk never throws', () => {
    const st = { schema: 'wardgate/incident-status', schemaVersion: 1, messageId: 'm1', incidentId: 'inc-1', status: 'ASSIGNED', assignedTo: { id: 'rn', name: 'RN' }, at: 5 };
    expect(parseDownlink(JSON.stringify(st))).toEqual(st);
    expect(parseDownlink(JSON.stringify({ ...st, status: 'DONE' }))).toHaveProperty('error');
    const admit = { schema: 'wardgate/admission', schemaVersion: 1, messageId: 'm2', action: 'admit', bed: 'bed-1', patient: { id: 'p1' }, at: 5 };
    expect(parseDownlink(Buffer.from(JSON.stringify(admit)))).toEqual(admit);
    expect(parseDownlink(JSON.stringify({ ...admit, patient: undefined }))).toHaveProperty('error');
    expect(parseDownlink(JSON.stringify({ ...admit, action: 'discharge', patient: undefined }))).not.toHaveProperty('error');
    for (const junk of ['', '{', 'null', '[]', '42', '{"schema":"wardgate/admission"}']) expect(parseDownlink(junk)).toHaveProperty('error');
  });
});

describe('the incident vitals', () => {
  it('the schema lists every canonical parameter, so a vitals snapshot with any of them validates', async () => {
    const { PARAM_NAMES } = await import('../drivers/core/parameters.js');
    const s = loadSchema('incident-event') as unknown as { $defs: { incident: { properties: { vitals: { properties: Record<string, unknown> } } } } };
    expect(Object.keys(s.$defs.incident.properties.vitals.properties).sort()).toEqual([...PARAM_NAMES].sort());
  });

  it('unmapped numerics travel beside the vitals, as sent, and never inside them', () => {
    const unmapped = [{ code: 'MDC:152872', label: 'MDC_CONC_MAC', value: 0.8, unit: 'MDC_DIM_PERCENT', channel: '1.6.1.152872', at: 1_700_000_000_000, deviceId: 'icu-mon' }];
    const ev = incidentEventMessage(who, createUuidV7()(Date.now()), { ...incident, unmapped }, stamp);
    expect(validateMessage('incident-event', ev)).toEqual([]);
    expect(validateMessage('incident-event', { ...ev, incident: { ...incident, unmapped: [{ ...unmapped[0], value: '0.8' }] } }).map((e) => e.path)).toEqual(['/incident/unmapped/0/value']);
    expect(validateMessage('incident-event', { ...ev, incident: { ...incident, unmapped: [{ code: 'MDC:1', value: 1, unit: '' }] } }).length).toBeGreaterThan(0);
    // An unmapped code is not a parameter: the vitals refuse it.
    expect(validateMessage('incident-event', { ...ev, incident: { ...incident, vitals: { 'unmapped:MDC:152872': 0.8 } } }).length).toBeGreaterThan(0);
  });
});
