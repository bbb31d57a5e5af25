import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const UNIT = fileURLToPath(new URL('../../systemd/wardgate.service', import.meta.url));

/**
 * The Node.js flags the installed service runs the gateway with (`--max-old-space-size`, `--max-semi-space-size`),
 * read from ExecStart= of systemd/wardgate.service, so that a test or bench that measures memory measures the
 * gateway as a ward runs it, and follows the unit when it changes.
 */
export function serviceNodeArgs(): string[] {
  const execStart = /^ExecStart=(.*)$/m.exec(readFileSync(UNIT, 'utf8'))?.[1];
  if (!execStart) throw new Error(`${UNIT}: no ExecStart= line`);
  const words = execStart.trim().split(/\s+/);
  const script = words.findIndex((w) => w.endsWith('/cli.js'));
  if (script < 1) throw new Error(`${UNIT}: ExecStart= runs no cli.js: ${execStart}`);
  return words.slice(1, script).filter((w) => w.startsWith('--'));
}
