import { news2Lines } from '../../rules/news2-lines.js';
import { stdinLines } from './stdin-lines.js';

/** `wardgate news2`: one NEWS2 result per NDJSON parameter set; exit 65 if any line could not be read. */
export async function runNews2(): Promise<number> {
  const lines: string[] = [];
  for await (const line of stdinLines()) lines.push(line);
  const { out, errors } = news2Lines(lines);
  for (const line of out) process.stdout.write(`${line}\n`);
  for (const e of errors) process.stderr.write(`${e}\n`);
  return errors.length > 0 ? 65 : 0;
}
