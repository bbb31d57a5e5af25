import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bleProfileNames } from '../drivers/ble/profiles.js';
import { serialDialectNames } from '../drivers/serial/dialects.js';
import { upstreamTransportNames } from '../sync/transports.js';
import { deviceSchema } from './schema.js';

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
