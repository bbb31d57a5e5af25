import type { Readable } from 'node:stream';

/**
 * Follows a process's stdout line by line, as the daemon writes it (pino: one JSON object a line): `onJson` for
 * each line that parses as a JSON object, `onText` for any other line. For tools that spawn the daemon and wait
 * for its start-up lines (`broker: listening`, `screen: listening`, `wardgate: ready`): the simulator, the tests,
 * the benchmarks.
 */
export function followLogLines(stream: Readable, onJson: (line: Record<string, unknown>) => void, onText?: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let parsed: unknown;
      try {
        parsed = line.startsWith('{') ? JSON.parse(line) : undefined;
      } catch {
        parsed = undefined;
      }
      if (parsed && typeof parsed === 'object') onJson(parsed as Record<string, unknown>);
      else onText?.(line);
    }
  });
}
