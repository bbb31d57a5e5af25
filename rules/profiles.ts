import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { profileSchema, rulesConfigSchema, type Profile, type RulesConfig } from './config.js';

/**
 * Built-in limit profiles, one YAML file per profile in `config/profiles/<name>.yaml` (the file name is the
 * profile name). This module reads them from disk (the engine itself never does I/O).
 *
 * Location: from source (`rules/profiles.ts`) the folder is `../config/profiles/`; from the build
 * (`dist/rules/profiles.js`) it is `../../config/profiles/` (the repository's folder, next to dist) or
 * `../config/profiles/` when the build copies config/ into dist. All three are tried, in that order:
 * the first that exists wins.
 */
export function builtinProfileDirs(): string[] {
  return [
    new URL('../config/profiles/', import.meta.url),
    new URL('../../config/profiles/', import.meta.url),
  ].map((u) => fileURLToPath(u));
}

function profileDir(): string | undefined {
  return builtinProfileDirs().find((d) => existsSync(d));
}

/** Reads and validates one built-in profile; throws with the file name when it is missing or invalid. */
export function loadBuiltinProfile(name: string): Profile {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(name)) throw new Error(`bad profile name ${JSON.stringify(name)}`);
  const dir = profileDir();
  if (!dir) throw new Error(`built-in profile folder not found (looked in ${builtinProfileDirs().join(', ')})`);
  const file = `${dir}${name}.yaml`;
  if (!existsSync(file)) throw new Error(`no built-in profile ${name} (${file})`);
  const parsed = profileSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.message}`);
  return parsed.data;
}

/** Names of the built-in profiles on disk (file names without `.yaml`), sorted. */
export function listBuiltinProfiles(): string[] {
  const dir = profileDir();
  if (!dir) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/**
 * Parses a rules config (the `rules` part of the gateway config, or a replay config) and adds the built-in profiles
 * it does not define itself: every one on disk (so the screen can switch a bed to any of them) and, with an error
 * when missing, every one it names (beds, `defaultProfile`). Profiles defined in the config win.
 */
export function loadRulesConfig(input: unknown): RulesConfig {
  const config = rulesConfigSchema.parse(input ?? {});
  return withBuiltinProfiles(config);
}

export function withBuiltinProfiles(config: RulesConfig): RulesConfig {
  const names = new Set([config.defaultProfile, ...config.beds.map((b) => b.profile), ...listBuiltinProfiles()]);
  const profiles = { ...config.profiles };
  for (const n of names) if (!profiles[n]) profiles[n] = loadBuiltinProfile(n);
  return { ...config, profiles };
}
