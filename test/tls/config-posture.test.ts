import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config/load.js';
import { REPO, writeConfig } from '../helpers/gateway-process.js';
import { makeWardPki } from '../helpers/tls-pki.js';

const dir = mkdtempSync(join(tmpdir(), 'wardgate-posture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ward = {
  beds: [{ id: 'bed-01' }],
  devices: [{ id: 'w1', bed: 'bed-01', transport: 'mqtt', password: 'pw' }],
  sync: { enabled: false },
};

function configCheck(config: Record<string, unknown>, name: string) {
  const path = writeConfig(dir, config, name);
  return spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'gateway/cli.ts'), 'config', 'check', path], { encoding: 'utf8', cwd: REPO });
}

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseConfig(raw, 'test');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('plaintext on the ward network needs allowPlaintextOnNetwork', () => {
  it('config check refuses broker.host and screen.host 0.0.0.0 without TLS, naming the opt-in, exit 78', () => {
    const r = configCheck({ ...ward, broker: { host: '0.0.0.0' }, screen: { host: '0.0.0.0' } }, 'open.yaml');
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/broker\.host: '0\.0\.0\.0' is not a loopback address.*broker\.allowPlaintextOnNetwork: true/);
    expect(r.stderr).toMatch(/screen\.host: '0\.0\.0\.0' is not a loopback address.*screen\.allowPlaintextOnNetwork: true/);
  });

  it('the opt-in makes it valid; loopback addresses never need it', () => {
    const r = configCheck({ ...ward, broker: { host: '0.0.0.0', allowPlaintextOnNetwork: true }, screen: { host: '10.1.2.3', allowPlaintextOnNetwork: true } }, 'optin.yaml');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const host of ['127.0.0.1', '127.0.1.1', 'localhost', '::1']) expect(problems({ ...ward, broker: { host }, screen: { host } })).toEqual([]);
  });

  it('with TLS the network listeners are the TLS ones; the plain ones stay on loopback and the config is valid', () => {
    const pki = makeWardPki(join(dir, 'pki'));
    const tls = { cert: pki.serverCert, key: pki.serverKey };
    const r = configCheck({ ...ward, broker: { tls }, screen: { tls }, hl7Listener: { enabled: true, host: '0.0.0.0', tls } }, 'tls.yaml');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const c = parseConfig({ ...ward, broker: { tls } }, 'x');
    expect(c.broker.tls).toMatchObject({ host: '0.0.0.0', port: 8883 });
  });

  it('the HL7 listener: plain on the network needs the opt-in, MLLP over TLS does not', () => {
    expect(problems({ ...ward, hl7Listener: { enabled: true, host: '0.0.0.0' } })).toEqual([expect.stringMatching(/^hl7Listener\.host: .*hl7Listener\.allowPlaintextOnNetwork: true/)]);
    expect(problems({ ...ward, hl7Listener: { enabled: true, host: '0.0.0.0', allowPlaintextOnNetwork: true } })).toEqual([]);
    expect(problems({ ...ward, hl7Listener: { enabled: false, host: '0.0.0.0' } })).toEqual([]);
  });

  it('clientCert devices need the broker client CA; allowFrom entries must be addresses or networks', () => {
    expect(problems({ ...ward, devices: [{ id: 'w1', bed: 'bed-01', transport: 'mqtt', clientCert: true }] })).toEqual([expect.stringMatching(/^devices\[0\]\.clientCert: needs broker\.tls\.clientCa/)]);
    const hl7 = (allowFrom: string[]) => ({ ...ward, devices: [{ id: 'm1', bed: 'bed-01', transport: 'hl7-tcp', hl7: { bed: 'B1', allowFrom } }] });
    expect(problems(hl7(['10.20.0.0/16', '192.168.1.7', 'fd00::/8']))).toEqual([]);
    expect(problems(hl7(['10.20.0.0/33']))).toEqual([expect.stringMatching(/^devices\[0\]\.hl7\.allowFrom\[0\]: must be an IP address or a CIDR network/)]);
    expect(problems(hl7(['ward-pc']))).toHaveLength(1);
  });
});

describe('TLS files are checked like config fields', () => {
  it('config check names the field of a missing certificate and of a key that does not match (exit 78)', () => {
    const pki = makeWardPki(join(dir, 'pki-files'));
    const otherPki = makeWardPki(join(dir, 'pki-other'), 'other');
    const r = configCheck(
      { ...ward, broker: { tls: { cert: join(dir, 'missing.crt'), key: pki.serverKey } }, screen: { tls: { cert: pki.serverCert, key: otherPki.serverKey } } },
      'badfiles.yaml',
    );
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/broker\.tls: cannot read the certificate .*missing\.crt: ENOENT/);
    expect(r.stderr).toMatch(/screen\.tls: certificate .*ward-server\.crt with key .*other-server\.key: .*/);
  });
});
