import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type GatewayConfig } from './schema.js';
import { knownKeysAt, nearestKey } from './unknown-keys.js';

/** Exit code for a bad configuration (EX_CONFIG from sysexits.h); systemd does not restart on it. */
export const EXIT_CONFIG = 78;

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration in ${source}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** `beds[2].devices[0].id` from zod's path array. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = formatPath(issue.path);
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `${at}: required`;
  if (issue.code === 'unrecognized_keys') {
    const valid = knownKeysAt(configSchema, issue.path);
    return issue.keys
      .map((k) => {
        const near = nearestKey(k, valid);
        return `${formatPath([...issue.path, k])}: unknown key${near ? ` (did you mean ${near}?)` : ''}`;
      })
      .join('\n  ');
  }
  return `${at}: ${issue.message}`;
}

/** The embedded default configuration: a documented demo ward. */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('./default.yaml', import.meta.url));

type Env = Record<string, string | undefined>;

/** Environment overrides for what differs between machines: ports, data dir, log level, upstream URL. */
function applyEnv(raw: Record<string, unknown>, env: Env, problems: string[]): void {
  const section = (name: string): Record<string, unknown> => {
    const existing = raw[name];
    if (existing && typeof existing === 'object' && !Array.isArray(existing)) return existing as Record<string, unknown>;
    const fresh: Record<string, unknown> = {};
    raw[name] = fresh;
    return fresh;
  };
  const port = (name: string, value: string): number | undefined => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      problems.push(`${name}: must be a port number 0-65535, got '${value}'`);
      return undefined;
    }
    return n;
  };
  if (env.WARDGATE_DATA_DIR) raw.dataDir = env.WARDGATE_DATA_DIR;
  if (env.WARDGATE_LOG_LEVEL) section('log').level = env.WARDGATE_LOG_LEVEL;
  if (env.WARDGATE_BROKER_HOST) section('broker').host = env.WARDGATE_BROKER_HOST;
  if (env.WARDGATE_BROKER_PORT) section('broker').port = port('WARDGATE_BROKER_PORT', env.WARDGATE_BROKER_PORT);
  if (env.WARDGATE_SCREEN_HOST) section('screen').host = env.WARDGATE_SCREEN_HOST;
  if (env.WARDGATE_SCREEN_PORT) section('screen').port = port('WARDGATE_SCREEN_PORT', env.WARDGATE_SCREEN_PORT);
  if (env.WARDGATE_SYNC_URL) {
    const sync = section('sync');
    const mqtt = (sync.mqtt && typeof sync.mqtt === 'object' ? sync.mqtt : (sync.mqtt = {})) as Record<string, unknown>;
    mqtt.url = env.WARDGATE_SYNC_URL;
  }
}

/** Validates an already-parsed object. Throws ConfigError listing every problem with its path. */
export function parseConfig(raw: unknown, source: string, env: Env = {}): GatewayConfig {
  const problems: string[] = [];
  // A deep copy: environment overrides must never write into the caller's object.
  const obj: Record<string, unknown> = raw && typeof raw === 'object' && !Array.isArray(raw) ? structuredClone(raw as Record<string, unknown>) : {};
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) problems.push('(root): must be a mapping of sections');
  applyEnv(obj, env, problems);
  const result = configSchema.safeParse(obj);
  if (!result.success) problems.push(...result.error.issues.map(describeIssue));
  if (problems.length > 0 || !result.success) throw new ConfigError(source, problems);
  return result.data;
}

/** Reads, parses (YAML, which includes JSON) and validates a config file. */
const MAX_YAML_ERRORS = 10;

/** 1-based line of a character offset. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

export function loadConfig(path: string = DEFAULT_CONFIG_PATH, env: Env = process.env): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`(file): cannot read: ${(err as Error).message}`]);
  }
  // Plain errors: the pretty form builds a code frame per error, quadratic in a file with many of them.
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const shown = doc.errors.slice(0, MAX_YAML_ERRORS).map((e) => `(yaml) line ${lineOf(text, e.pos[0])}: ${e.message.split('\n')[0]}`);
    if (doc.errors.length > MAX_YAML_ERRORS) shown.push(`(yaml) and ${doc.errors.length - MAX_YAML_ERRORS} more errors`);
    throw new ConfigError(path, shown);
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // e.g. an alias whose anchor does not exist (`<<: *missing`)
    throw new ConfigError(path, [`(yaml) ${(err as Error).message}`]);
  }
  return parseConfig(raw, path, env);
}
