import { defineConfig } from 'vitest/config';

/**
 * The reliability suite alone: `npm run test:reliability` runs the short form, with
 * WARDGATE_RELIABILITY=long the long one (50 SIGKILLs, 100,000 fuzz cases per target, a 30-minute soak).
 * One file at a time so that the load, kill and soak tests do not measure each other.
 */
const long = process.env.WARDGATE_RELIABILITY === 'long';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    // *.load.ts: hostile-load runs that measure; in this suite only, never in `npm test`.
    include: ['test/reliability/**/*.test.ts', 'test/reliability/**/*.load.ts'],
    testTimeout: long ? 3 * 3600_000 : 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
  },
});
