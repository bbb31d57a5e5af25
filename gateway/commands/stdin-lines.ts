import { createInterface } from 'node:readline';

/** Lines of standard input, as they arrive (so a pipe is processed as a stream). */
export async function* stdinLines(): AsyncGenerator<string> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) yield line;
}
