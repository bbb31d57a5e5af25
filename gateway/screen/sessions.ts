import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SecretVerifier } from '../secret-verifier.js';

export interface StaffMember {
  id: string;
  name: string;
  role: string;
  pin?: string;
  pinHash?: string;
}

export interface Session {
  token: string;
  staffId: string;
  name: string;
  role: string;
  expiresAt: number;
}

const MAX_FAILURES = 5;
const LOCKOUT_MS = 60_000;

/**
 * The key that signs session tokens, kept in a file (mode 0600) so that a wall display stays logged in across a
 * gateway restart; made on first use. Without a file, a fresh key per process (sessions end with the process).
 */
export function sessionKey(file?: string): Buffer {
  if (!file) return randomBytes(32);
  try {
    const k = readFileSync(file);
    if (k.length >= 32) return k;
  } catch {
    // not there yet
  }
  const k = randomBytes(32);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, k, { mode: 0o600 });
  chmodSync(file, 0o600);
  return k;
}

/**
 * Staff logins with a PIN (clear for the demo or an scrypt hash), a lockout after repeated wrong PINs, and
 * stateless session tokens: `<payload>.<HMAC-SHA256>` with the staff id and expiry, checked against the
 * current staff list on every use (removing someone from the config ends their sessions). Logout revokes a token
 * in memory; after a restart a logged-out token is valid again until its expiry (at most `sessionHours`).
 */
export class Sessions {
  private readonly revoked = new Map<string, number>();
  private readonly failures = new Map<string, { count: number; until: number }>();
  /** PIN hashes are checked off the event loop, bounded, with recent successes remembered (see SecretVerifier). */
  private readonly verifier: SecretVerifier;

  constructor(
    private readonly staff: StaffMember[],
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly key: Buffer = randomBytes(32),
  ) {
    // The lockout below is this class's own back-off; the verifier's is kept short.
    this.verifier = new SecretVerifier({ maxPending: 4, backoffMinMs: 50, backoffMaxMs: 1000, now });
  }

  async login(staffId: string, pin: string): Promise<Session | { error: string }> {
    const f0 = this.failures.get(staffId);
    if (f0 && f0.until > this.now()) return { error: 'too many wrong PINs; try again in a minute' };
    const member = this.staff.find((s) => s.id === staffId);
    const verdict = member ? await this.verifier.verify(staffId, pin, member.pin, member.pinHash) : 'bad';
    if (verdict === 'busy' || verdict === 'backoff' || verdict === 'gone') return { error: 'busy; try again in a moment' };
    const t = this.now();
    const f = this.failures.get(staffId);
    if (!member || verdict !== 'ok') {
      const count = (f && f.until > t - LOCKOUT_MS ? f.count : 0) + 1;
      this.failures.set(staffId, { count, until: count >= MAX_FAILURES ? t + LOCKOUT_MS : 0 });
      return { error: 'unknown staff id or wrong PIN' };
    }
    this.failures.delete(staffId);
    const expiresAt = t + this.ttlMs;
    const payload = Buffer.from(JSON.stringify({ s: member.id, e: expiresAt, n: randomBytes(9).toString('base64url') })).toString('base64url');
    const token = `${payload}.${this.sign(payload)}`;
    return { token, staffId: member.id, name: member.name, role: member.role, expiresAt };
  }

  get(token: string | undefined): Session | undefined {
    if (!token || token.length > 512) return undefined;
    const [payload, mac] = token.split('.');
    if (!payload || !mac) return undefined;
    const want = Buffer.from(this.sign(payload));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    let body: { s?: unknown; e?: unknown };
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { s?: unknown; e?: unknown };
    } catch {
      return undefined;
    }
    if (typeof body.s !== 'string' || typeof body.e !== 'number' || body.e <= this.now() || this.revoked.has(token)) return undefined;
    const member = this.staff.find((s) => s.id === body.s);
    if (!member) return undefined;
    return { token, staffId: member.id, name: member.name, role: member.role, expiresAt: body.e };
  }

  logout(token: string | undefined): void {
    const s = this.get(token);
    if (!s) return;
    const t = this.now();
    for (const [k, exp] of this.revoked) if (exp <= t) this.revoked.delete(k);
    this.revoked.set(s.token, s.expiresAt);
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) {
      try {
        return decodeURIComponent(v.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
