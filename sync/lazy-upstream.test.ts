import { describe, expect, it } from 'vitest';
import { LazyUpstream } from './lazy-upstream.js';
import type { Upstream, UpstreamStatus } from './upstream.js';

class CountingUpstream implements Upstream {
  readonly status: UpstreamStatus = { online: true, lastDeliveredAt: 5, delivered: 3, lastError: null };
  calls: string[] = [];
  start(): void {
    this.calls.push('start');
  }
  kick(): void {
    this.calls.push('kick');
  }
  publishHeartbeat(p: string): void {
    this.calls.push(`heartbeat ${p}`);
  }
  async stop(): Promise<void> {
    this.calls.push('stop');
  }
}

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe('LazyUpstream', () => {
  it('is offline until loaded, then starts the transport and replays a kick that came meanwhile', async () => {
    const inner = new CountingUpstream();
    const d = deferred<Upstream>();
    const lazy = new LazyUpstream(() => d.promise, () => undefined);
    lazy.start();
    lazy.kick();
    lazy.publishHeartbeat('early');
    expect(lazy.status.online).toBe(false);
    d.resolve(inner);
    await new Promise((r) => setTimeout(r, 0));
    expect(inner.calls).toEqual(['start', 'kick']);
    expect(lazy.status).toBe(inner.status);
    lazy.publishHeartbeat('hb');
    await lazy.stop();
    expect(inner.calls).toEqual(['start', 'kick', 'heartbeat hb', 'stop']);
  });

  it('stopped before the module loads, never starts it', async () => {
    const inner = new CountingUpstream();
    const d = deferred<Upstream>();
    const lazy = new LazyUpstream(() => d.promise, () => undefined);
    lazy.start();
    const stopping = lazy.stop();
    d.resolve(inner);
    await stopping;
    expect(inner.calls).toEqual([]);
  });

  it('a module that fails to load is reported and shown in the status', async () => {
    const errors: string[] = [];
    const lazy = new LazyUpstream(() => Promise.reject(new Error('no such module')), (e) => errors.push(e.message));
    lazy.start();
    await lazy.stop();
    expect(errors).toEqual(['no such module']);
    expect(lazy.status).toMatchObject({ online: false, lastError: 'transport failed to load: no such module' });
  });
});
