/**
 * The one wait helper of the tests. Polls `fn` (which may be async) every 20 ms until it returns something other
 * than undefined, null or false, and returns that; fails naming `what` after `timeoutMs` (`what` may be a function,
 * called only then, to describe the state at the time of failure). An exception from `fn` fails at once.
 */
export async function waitFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  what: string | (() => string) = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
