import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { safeEqual } from './secrets.js';

/** scrypt parameters of `hashSecret` (secrets.ts): N=2^14, r=8, p=1. */
const SCRYPT = { N: 16384, r: 8, p: 1 };

/** 'gone': the client left while its check waited, so the check was skipped. */
export type Verdict = 'ok' | 'bad' | 'busy' | 'backoff' | 'gone';

export interface VerifierOptions {
  /** Hashed verifications waiting or running; more are refused ('busy'). Default 16. */
  maxPending?: number;
  /**
   * Hashed verifications running at once. Default 1: each scrypt keeps a core busy for tens of ms, and on a 2- or
   * 4-core gateway several at once would starve the event loop that turns samples into alarms of CPU.
   */
  maxRunning?: number;
  /** Successful verifications remembered, and for how long. Defaults 1024, 10 minutes. */
  cacheSize?: number;
  cacheTtlMs?: number;
  /** Back-off after repeated failures on one account: starts here, doubles per failure, capped. Defaults 250 ms, 5 s. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  now?: () => number;
}

/**
 * Checks presented secrets against the config's clear or scrypt-hashed ones without blocking the event loop that
 * turns samples into alarms: scrypt runs asynchronously on libuv's thread pool; the same check in flight is shared;
 * a bounded number run at once (the rest are refused, the client retries); a recent successful check is
 * remembered under an HMAC (with a per-process random key) of the account, the stored hash and the presented
 * secret, so a changed secret misses, and `clear()` (config reload) forgets them all. Repeated failures on one
 * account make further uncached attempts on it wait out a short, growing back-off (refused, not queued): a wrong
 * password flood cannot keep the thread pool busy, while a secret already verified still passes at once.
 */
export class SecretVerifier {
  private readonly key = randomBytes(32);
  private readonly cache = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<boolean | 'gone'>>();
  private readonly failures = new Map<string, { count: number; until: number }>();
  private pending = 0;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly now: () => number;
  readonly stats = { verified: 0, cacheHits: 0, refusedBusy: 0, refusedBackoff: 0, failures: 0, skippedGone: 0 };

  constructor(private readonly opts: VerifierOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  /** Forgets every remembered verification (a reload may have changed any secret). */
  clear(): void {
    this.cache.clear();
    this.failures.clear();
  }

  /**
   * `clear` and `hash` as the config holds them (one of them set); `account` scopes the cache and back-off;
   * `alive`, asked when a waiting check's turn comes, skips the check of a client that has gone meanwhile.
   */
  async verify(account: string, presented: string, clear: string | undefined, hash: string | undefined, alive?: () => boolean): Promise<Verdict> {
    if (!hash) {
      if (clear === undefined) return 'bad';
      return safeEqual(presented, clear) ? 'ok' : this.failed(account);
    }
    const t = this.now();
    const key = createHmac('sha256', this.key).update(`${account}\0${hash}\0${presented}`).digest('base64');
    const cachedUntil = this.cache.get(key);
    if (cachedUntil !== undefined && cachedUntil > t) {
      this.stats.cacheHits++;
      return 'ok';
    }
    let running = this.inflight.get(key);
    if (!running) {
      const f = this.failures.get(account);
      if (f && f.until > t) {
        this.stats.refusedBackoff++;
        return 'backoff';
      }
      if (this.pending >= (this.opts.maxPending ?? 16)) {
        this.stats.refusedBusy++;
        return 'busy';
      }
      this.pending++;
      running = this.slot()
        .then((): boolean | 'gone' | Promise<boolean> => {
          if (alive && !alive()) {
            this.stats.skippedGone++;
            return 'gone' as const;
          }
          return verifyScrypt(presented, hash);
        })
        .finally(() => {
          this.pending--;
          this.running--;
          this.inflight.delete(key);
          this.waiting.shift()?.();
        });
      this.inflight.set(key, running);
    }
    const ok = await running;
    if (ok === 'gone') return 'gone';
    if (!ok) return this.failed(account);
    this.stats.verified++;
    this.failures.delete(account);
    this.remember(key);
    return 'ok';
  }

  /** Resolves when a check may start (at most maxRunning at once, in arrival order). */
  private slot(): Promise<void> {
    if (this.running < (this.opts.maxRunning ?? 1)) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.running++;
        resolve();
      }),
    );
  }

  private remember(key: string): void {
    const max = this.opts.cacheSize ?? 1024;
    this.cache.delete(key);
    this.cache.set(key, this.now() + (this.opts.cacheTtlMs ?? 10 * 60_000));
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value as string);
  }

  private failed(account: string): 'bad' {
    this.stats.failures++;
    const t = this.now();
    const f = this.failures.get(account);
    const count = (f?.count ?? 0) + 1;
    const min = this.opts.backoffMinMs ?? 250;
    const wait = Math.min(this.opts.backoffMaxMs ?? 5_000, min * 2 ** Math.min(count - 1, 10));
    this.failures.set(account, { count, until: t + wait });
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string);
    return 'bad';
  }
}

function verifyScrypt(secret: string, stored: string): Promise<boolean> {
  const [scheme, saltB64, hashB64] = stored.split('$');
  if (scheme !== 'scrypt' || !saltB64 || !hashB64) return Promise.resolve(false);
  const expected = Buffer.from(hashB64, 'base64');
  return new Promise((resolve) => {
    scrypt(secret, Buffer.from(saltB64, 'base64'), expected.length, SCRYPT, (err, actual) => {
      resolve(!err && actual.length === expected.length && timingSafeEqual(actual, expected));
    });
  });
}
