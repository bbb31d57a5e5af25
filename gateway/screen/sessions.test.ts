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

  it('logs in with a hashed or clear PIN and refuses a wrong one', async () => {
    const s = new Sessions(staff, 3600_000);
    expect(await s.login('n1', '2468')).toMatchObject({ staffId: 'n1', name: 'Nurse One' });
    expect(await s.login('n2', '1357')).toMatchObject({ staffId: 'n2' });
    expect(await s.login('n1', '1357')).toEqual({ error: 'unknown staff id or wrong PIN' });
    expect(await s.login('nobody', '2468')).toEqual({ error: 'unknown staff id or wrong PIN' });
  });

  it('locks a staff id out for a minute after 5 wrong PINs', async () => {
    let t = 1000;
    const s = new Sessions(staff, 3600_000, () => t);
    for (let i = 0; i < 5; i++) await s.login('n2', '0000');
    expect(await s.login('n2', '1357')).toEqual({ error: 'too many wrong PINs; try again in a minute' });
    t += 60_001;
    expect(await s.login('n2', '1357')).toMatchObject({ staffId: 'n2' });
  });

  it('a token signed with the key file survives a restart; tampered, expired, logged-out or removed-staff tokens do not', async () => {
    const keyFile = join(dir, 'data', 'screen-session.key');
    let t = 1_000_000;
    const a = new Sessions(staff, 3600_000, () => t, sessionKey(keyFile));
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const s = (await a.login('n1', '2468')) as Session;
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

describe('SecretVerifier (broker logins and screen PINs)', () => {
  it('checks a hash off the event loop, shares a check in flight, remembers a success keyed by the stored hash, and refuses beyond its bounds', async () => {
    const { SecretVerifier } = await import('../secret-verifier.js');
    const hash = hashSecret('s3cret');
    let t = 0;
    const v = new SecretVerifier({ maxPending: 2, now: () => t });
    // the loop keeps turning while scrypt runs on the thread pool
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const burst = await Promise.all(Array.from({ length: 50 }, () => v.verify('acct', 's3cret', undefined, hash)));
    clearInterval(timer);
    expect(burst.every((r) => r === 'ok')).toBe(true);
    expect(v.stats.verified + v.stats.cacheHits).toBe(50);
    expect(ticks).toBeGreaterThan(0);
    expect(await v.verify('acct', 's3cret', undefined, hash)).toBe('ok');
    expect(v.stats.cacheHits).toBeGreaterThan(0);
    // a changed secret misses the cache
    expect(await v.verify('acct', 's3cret', undefined, hashSecret('other'))).toBe('bad');
    // after a failure the account backs off (uncached attempts refused), a remembered secret still passes
    expect(await v.verify('acct', 'wrong', undefined, hash)).toBe('backoff');
    expect(await v.verify('acct', 's3cret', undefined, hash)).toBe('ok');
    t += 10_000;
    expect(await v.verify('acct', 'wrong', undefined, hash)).toBe('bad');
    // more pending checks than the bound are refused, not queued
    const many = await Promise.all(['a', 'b', 'c', 'd'].map((p) => v.verify(`other-${p}`, p, undefined, hash)));
    expect(many.filter((r) => r === 'busy')).toHaveLength(2);
    // a check whose client has gone by its turn is skipped
    const first = v.verify('q1', 'x', undefined, hash);
    const skipped = v.verify('q2', 'y', undefined, hash, () => false);
    expect(await skipped).toBe('gone');
    await first;
    expect(v.stats.skippedGone).toBe(1);
    v.clear();
    t += 10_000;
    expect(await v.verify('acct', 's3cret', undefined, hash)).toBe('ok');
  });
});
