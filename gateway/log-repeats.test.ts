import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { repeatLimiter } from './log-repeats.js';

function logger(now: () => number) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const repeats = repeatLimiter(10_000, now);
  const log = pino({ hooks: { logMethod(args, method, level) { if (repeats.admit(args, level)) method.apply(this, args as Parameters<typeof method>); } } }, sink);
  return { log, lines };
}

describe('repeated identical warnings and errors', () => {
  it('writes one line per interval with the count held back; different lines and info pass', () => {
    let t = 0;
    const { log, lines } = logger(() => t);
    for (let i = 0; i < 8; i++) {
      log.error({ url: 'mqtts://central', reason: 'self-signed certificate' }, 'upstream: TLS certificate refused');
      t += 2500;
    }
    log.error({ url: 'mqtts://central', reason: 'certificate expired' }, 'upstream: TLS certificate refused');
    log.error({ err: new Error('disk full') }, 'store: prune failed');
    log.error({ err: new Error('I/O error') }, 'store: prune failed');
    for (let i = 0; i < 3; i++) log.info({ bed: 'b1' }, 'alarm');
    const tls = lines.filter((l) => l.msg === 'upstream: TLS certificate refused');
    // 8 attempts 2.5 s apart (0 to 17.5 s): written at 0 and at 10 s (3 held back), plus the one with another reason
    expect(tls.map((l) => l.suppressedSinceLast)).toEqual([undefined, 3, undefined]);
    expect(lines.filter((l) => l.msg === 'store: prune failed')).toHaveLength(2);
    expect(lines.filter((l) => l.msg === 'alarm')).toHaveLength(3);
  });
});
