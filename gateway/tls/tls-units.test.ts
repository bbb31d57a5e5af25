import { describe, expect, it } from 'vitest';
import { expiryNotices, EXPIRY_WARNING_MS } from './expiry.js';
import { senderAllowlist } from './sender-allowlist.js';
import { describeTlsError } from './peer-identity.js';

const info = (notAfter: number) => ({ use: 'broker', path: '/x', subject: '', issuer: '', notBefore: 0, notAfter, fingerprint256: '' });

describe('certificate expiry notices', () => {
  const now = Date.UTC(2026, 0, 1);
  it('nothing until 30 days before; a warning inside 30 days; bad once expired or unreadable', () => {
    expect(expiryNotices([info(now + EXPIRY_WARNING_MS + 60_000)], now)).toEqual([]);
    expect(expiryNotices([info(now + 10 * 86_400_000)], now)).toEqual([{ use: 'broker', level: 'warn', text: 'broker certificate expires 2026-01-11 (10 d)' }]);
    expect(expiryNotices([info(now - 1)], now)).toEqual([{ use: 'broker', level: 'bad', text: 'broker certificate EXPIRED 2025-12-31' }]);
    expect(expiryNotices([{ use: 'screen', path: '/x', error: 'ENOENT' }], now)[0]).toMatchObject({ level: 'bad' });
  });
});

describe('HL7 sender allowlist', () => {
  const allowed = senderAllowlist([
    { id: 'mon-1', hl7: { allowFrom: ['10.20.3.0/24', '192.168.1.7'] } },
    { id: 'mon-6', hl7: { allowFrom: ['fd00:1::/64'] } },
    { id: 'mon-2', hl7: {} },
  ]);
  it('addresses inside the networks pass, others are refused; a device without a list takes any sender', () => {
    expect(allowed('mon-1', '10.20.3.77')).toBe(true);
    expect(allowed('mon-1', '192.168.1.7')).toBe(true);
    expect(allowed('mon-1', '10.20.4.1')).toBe(false);
    expect(allowed('mon-1', '127.0.0.1')).toBe(false);
    expect(allowed('mon-1', 'not-an-ip')).toBe(false);
    expect(allowed('mon-6', 'fd00:1::5')).toBe(true);
    expect(allowed('mon-6', 'fd00:2::5')).toBe(false);
    expect(allowed('mon-2', '10.99.0.1')).toBe(true);
    expect(allowed('unknown', '10.99.0.1')).toBe(true);
  });
});

describe('TLS errors in words', () => {
  it('keeps the code and explains it', () => {
    expect(describeTlsError('CERT_HAS_EXPIRED')).toBe('the certificate has expired (CERT_HAS_EXPIRED)');
    expect(describeTlsError('SOMETHING_ELSE')).toBe('SOMETHING_ELSE');
  });
});

describe('certificates watched for expiry', () => {
  it('lists every configured certificate by use, the upstream client certificate included', async () => {
    const { parseConfig } = await import('../../config/load.js');
    const { certificateSources } = await import('./listener-options.js');
    const files = { cert: '/etc/wardgate/tls/server.crt', key: '/etc/wardgate/tls/server.key' };
    const c = parseConfig(
      {
        broker: { tls: { ...files, clientCa: '/etc/wardgate/tls/ca.crt' } },
        screen: { tls: files },
        hl7Listener: { enabled: true, tls: files },
        sync: { mqtt: { url: 'mqtts://central:8883', cert: '/etc/wardgate/upstream.crt', key: '/etc/wardgate/upstream.key' } },
      },
      'test',
    );
    expect(certificateSources(c).map((s) => s.use)).toEqual(['broker', 'broker-client-ca', 'screen', 'hl7', 'upstream-client']);
    expect(certificateSources(c).find((s) => s.use === 'upstream-client')?.path).toBe('/etc/wardgate/upstream.crt');
  });
});
