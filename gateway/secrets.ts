import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/** scrypt parameters (RFC 7914): N=2^14, r=8, p=1, a 16-byte salt, a 32-byte key. */
const N = 16384;
const KEYLEN = 32;

/** `scrypt$<salt b64>$<hash b64>`: what `wardgate hash-secret` prints and the config takes as *Hash. */
export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, KEYLEN, { N, r: 8, p: 1 });
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifyHashed(secret: string, stored: string): boolean {
  const [scheme, saltB64, hashB64] = stored.split('$');
  if (scheme !== 'scrypt' || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const actual = scryptSync(secret, Buffer.from(saltB64, 'base64'), expected.length, { N, r: 8, p: 1 });
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks a presented secret against a config entry that has either a clear value or a hash. */
export function checkSecret(presented: string, clear: string | undefined, hash: string | undefined): boolean {
  if (hash) return verifyHashed(presented, hash);
  if (clear !== undefined) return safeEqual(presented, clear);
  return false;
}
