import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bleProfileNames } from '../drivers/ble/profiles.js';
import { serialDialectNames } from '../drivers/serial/dialects.js';
import { upstreamTransportNames } from '../sync/transports.js';
import { configSchema, deviceSchema } from './schema.js';

/**
 * config/default.yaml documents the choices in comments, which cannot be derived from the registries at run time:
 * these checks keep them equal to the registries (a new dialect, profile or transport fails here until the
 * comment lists it).
 */
const text = readFileSync(new URL('./default.yaml', import.meta.url), 'utf8');

function commentMatch(re: RegExp): string {
  const m = re.exec(text);
  if (!m?.[1]) throw new Error(`config/default.yaml: no comment matching ${re}`);
  return m[1];
}
const alternatives = (s: string) => s.split('|').map((x) => x.trim());

describe('config/default.yaml comments list what the registries hold', () => {
  it('serial dialects', () => {
    expect(alternatives(commentMatch(/^#\s+serial:.*dialect: ([\w| -]+) \}/m))).toEqual(serialDialectNames());
  });

  it('BLE profiles', () => {
    expect(commentMatch(/^#\s+ble:.*profiles: \[([\w, -]+)\]/m).split(',').map((x) => x.trim())).toEqual(bleProfileNames());
  });

  it('device transports', () => {
    const listed = alternatives(commentMatch(/^# Devices and the bed each is bound to\. transport: ([\w| -]+)\./m));
    expect(listed).toEqual(deviceSchema.shape.transport.options);
  });

  it('upstream transports', () => {
    const listed = alternatives(commentMatch(/^\s+transport: \w+\s+# (.+)$/m)).map((alt) => alt.split(' ')[0]);
    expect(listed).toEqual(upstreamTransportNames());
  });
});

/** The object schema under defaults/prefaults (zod wraps a section in them). */
function objectKeys(schema: unknown): string[] {
  let s = schema as { shape?: Record<string, unknown>; def?: { innerType?: unknown } } | undefined;
  for (let i = 0; i < 5 && s && !s.shape; i++) s = s.def?.innerType as typeof s;
  if (!s?.shape) throw new Error('not an object schema');
  return Object.keys(s.shape);
}

/** The text of default.yaml from the line starting with `from` up to the line starting with `to`. */
function section(from: RegExp, to: RegExp): string {
  const start = text.search(from);
  const end = text.slice(start + 1).search(to);
  if (start < 0 || end < 0) throw new Error(`config/default.yaml: no section ${from} .. ${to}`);
  return text.slice(start, start + 1 + end);
}

describe('config/default.yaml shows every key', () => {
  it('of the HL7 listener (as a key or in its comment)', () => {
    const hl7 = section(/^# HL7 v2 over TCP/m, /^# Devices and the bed/m);
    for (const key of objectKeys(configSchema.shape.hl7Listener)) expect(hl7, key).toMatch(new RegExp(`\\b${key}:`));
  });

  it('of a device, the hl7-tcp transport, its hl7 block and the serial block included', () => {
    const devices = section(/^# Devices and the bed/m, /^# Triage settings/m);
    for (const key of Object.keys(deviceSchema.shape)) expect(devices, key).toMatch(new RegExp(`\\b${key}\\b`));
    for (const key of objectKeys(deviceSchema.shape.hl7)) expect(devices, `hl7.${key}`).toMatch(new RegExp(`\\b${key}\\b`));
    for (const key of objectKeys(deviceSchema.shape.serial)) expect(devices, `serial.${key}`).toMatch(new RegExp(`\\b${key}\\b`));
    expect(devices).toMatch(/transport: hl7-tcp/);
  });
});
