import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../secrets.js';
import { cookieValue, sessionKey, Sessions, type Session } from './sessions.js';

const staff = [
  { id: 'n1', name: 'Nurse One', role: 'nurse', pinHash: hashSecret('2468') },
  { id: 'n2', name: 'Nurse Two', role: 'nurse', pin: '1357' },
];

describe('Sessions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-sessions-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('logs in with a hashed or clear PIN and refuses a wrong one', () => {
    const s = new Sessions(staff, 3600_000);
    expect(s.login('n1', '2468')).toMatchObject({ staffId: 'n1', name: 'Nurse One' });
    expect(s.login('n2', '1357')).toMatchObject({ staffId: 'n2' });
    expect(s.login('n1', '1357')).toEqual({ error: 'unknown staff id or wrong PIN' });
    expect(s.login('nobody', '2468')).toEqual({ error: 'unknown staff id or wrong PIN' });
  });

  it('locks a staff id out for a minute after 5 wrong PINs', () => {
    let t = 1000;
    const s = new Sessions(staff, 3600_000, () => t);
    for (let i = 0; i < 5; i++) s.login('n2', '0000');
    expect(s.login('n2', '1357')).toEqual({ error: 'too many wrong PINs; try again in a minute' });
    t += 60_001;
    expect(s.login('n2', '1357')).toMatchObject({ staffId: 'n2' });
  });

  it('a token signed with the key file survives a restart; tampered, expired, logged-out or removed-staff tokens do not', () => {
    const keyFile = join(dir, 'data', 'screen-session.key');
    let t = 1_000_000;
    const a = new Sessions(staff, 3600_000, () => t, sessionKey(keyFile));
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const s = a.login('n1', '2468') as Session;
    const b = new Sessions(staff, 3600_000, () => t, sessionKey(keyFile)); // "after a restart"
    expect(b.get(s.token)).toMatchObject({ staffId: 'n1', role: 'nurse' });
    expect(new Sessions(staff, 3600_000, () => t, sessionKey(join(dir, 'other.key'))).get(s.token)).toBeUndefined();
    const [payload, mac] = s.token.split('.');
    const forged = Buffer.from(JSON.stringify({ s: 'n2', e: t + 1e9, n: 'x' })).toString('base64url');
    expect(b.get(`${forged}.${mac}`)).toBeUndefined();
    expect(b.get(`${payload}.${mac!.slice(0, -2)}AA`)).toBeUndefined();
    expect(b.get('garbage')).toBeUndefined();
    expect(new Sessions([staff[1]!], 3600_000, () => t, sessionKey(keyFile)).get(s.token)).toBeUndefined();
    b.logout(s.token);
    expect(b.get(s.token)).toBeUndefined();
    expect(a.get(s.token)).toBeDefined(); // revocation is per process (documented)
    t += 3600_000;
    expect(a.get(s.token)).toBeUndefined();
  });

  it('reads a cookie and survives bad percent-encoding', () => {
    expect(cookieValue('a=1; wardgate_session=abc.def', 'wardgate_session')).toBe('abc.def');
    expect(cookieValue('wardgate_session=%E0%A4%A', 'wardgate_session')).toBeUndefined();
    expect(cookieValue(undefined, 'x')).toBeUndefined();
  });
});
