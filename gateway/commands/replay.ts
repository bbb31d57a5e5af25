import { ConfigError, EXIT_CONFIG, loadConfig } from '../../config/load.js';
import { replayNdjson } from '../../rules/replay.js';
import { rulesConfigFrom } from '../rules-config.js';
import { stdinLines } from './stdin-lines.js';

/**
 * `wardgate replay --config FILE < observations.ndjson`: every alarm and incident event as NDJSON.
 * Deterministic: the clock comes from the observations. Exit 65 if any line could not be read.
 */
export async function runReplay(configPath: string | undefined): Promise<number> {
  let rulesConfig;
  try {
    rulesConfig = rulesConfigFrom(loadConfig(configPath, {}));
  } catch (err) {
    process.stderr.write(`wardgate: ${(err as Error).message}\n`);
    return err instanceof ConfigError ? EXIT_CONFIG : 1;
  }
  const lines: string[] = [];
  for await (const line of stdinLines()) lines.push(line);
  const { out, errors } = replayNdjson(lines, rulesConfig);
  for (const line of out) process.stdout.write(`${line}\n`);
  for (const e of errors) process.stderr.write(`${e}\n`);
  return errors.length > 0 ? 65 : 0;
}
