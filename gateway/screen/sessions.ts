import { randomBytes } from 'node:crypto';
import { checkSecret } from '../secrets.js';

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

/** Staff logins with a PIN, sessions in memory, and a lockout after repeated wrong PINs. */
export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly staff: StaffMember[],
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  login(staffId: string, pin: string): Session | { error: string } {
    const t = this.now();
    const f = this.failures.get(staffId);
    if (f && f.until > t) return { error: 'too many wrong PINs; try again in a minute' };
    const member = this.staff.find((s) => s.id === staffId);
    const ok = member !== undefined && checkSecret(pin, member.pin, member.pinHash);
    if (!member || !ok) {
      const count = (f && f.until > t - LOCKOUT_MS ? f.count : 0) + 1;
      this.failures.set(staffId, { count, until: count >= MAX_FAILURES ? t + LOCKOUT_MS : 0 });
      return { error: 'unknown staff id or wrong PIN' };
    }
    this.failures.delete(staffId);
    const session: Session = { token: randomBytes(32).toString('base64url'), staffId: member.id, name: member.name, role: member.role, expiresAt: t + this.ttlMs };
    this.sessions.set(session.token, session);
    return session;
  }

  get(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const s = this.sessions.get(token);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    return s;
  }

  logout(token: string | undefined): void {
    if (token) this.sessions.delete(token);
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}
