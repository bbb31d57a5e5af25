import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseConfig } from '../../config/load.js';
import { rulesConfigFrom } from '../../gateway/rules-config.js';
import { replayNdjson, type ReplayOptions } from '../../rules/replay.js';
import { loadScenarioFile, scenarioGatewayConfig, scenarioReplayInput } from './scenario-input.js';

/**
 * The event streams the golden fixtures hold: each shipped scenario (fixed seed, fixed clock) and the hand-built
 * ward stream, run through `wardgate replay`'s own code path (config parsed as the CLI does, then
 * rules/replay.ts replayNdjson), normalised.
 */
export const SCENARIOS = ['sepsis-deterioration', 'copd-news2-scale2', 'device-chaos', 'normal-ward-24'] as const;
export const WARD_SOURCE = 'ward-observations';
export type GoldenSource = (typeof SCENARIOS)[number] | typeof WARD_SOURCE;
export const SOURCES: readonly GoldenSource[] = [...SCENARIOS, WARD_SOURCE];

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
export const fixturePath = (source: GoldenSource) => here(`./${source}.events.ndjson`);
export const WARD_CONFIG = here('./ward.yaml');
export const WARD_INPUT = here('./ward-observations.ndjson');
export const INPUT_DIGESTS = new URL('./inputs.sha256.json', import.meta.url);

/** sha256 of the replay input, blank lines dropped. */
export function inputDigest(lines: readonly string[]): string {
  const h = createHash('sha256');
  for (const l of lines) if (l.trim() !== '') h.update(`${l.trim()}\n`);
  return h.digest('hex');
}

/** The committed fixture, parsed. */
export function readFixture(source: GoldenSource): unknown[] {
  return readFileSync(fixturePath(source), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
}

export interface GoldenRun {
  input: string[];
  /** Raw `wardgate replay` output lines. */
  out: string[];
  errors: string[];
}

export function runSource(source: GoldenSource, opts: ReplayOptions = {}): GoldenRun {
  if (source === WARD_SOURCE) {
    const config = rulesConfigFrom(parseConfig(parse(readFileSync(WARD_CONFIG, 'utf8')), WARD_CONFIG, {}));
    const input = readFileSync(WARD_INPUT, 'utf8').split('\n');
    return { input, ...replayNdjson(input, config, opts) };
  }
  const scenario = loadScenarioFile(here(`../../simulator/scenarios/${source}.yaml`));
  const config = rulesConfigFrom(parseConfig(scenarioGatewayConfig(scenario), `${source}.yaml`, {}));
  const input = scenarioReplayInput(scenario);
  return { input, ...replayNdjson(input, config, opts) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Fields holding ids: replaced by `<kind>-<n>` in order of first appearance. */
const ID_FIELDS: Readonly<Record<string, string>> = { id: 'alarm', alarmId: 'alarm', incidentId: 'incident' };

/**
 * Ids become stable placeholders by first appearance (a UUID anywhere else too, as `uuid-<n>`); every other field
 * stays: replay has no wall-clock field, all times come from the input records.
 */
export function normaliseEvents(lines: readonly string[]): unknown[] {
  const seen = new Map<string, string>();
  const counts = new Map<string, number>();
  const placeholder = (kind: string, value: string): string => {
    const key = `${kind}:${value}`;
    let p = seen.get(key);
    if (p === undefined) {
      const n = (counts.get(kind) ?? 0) + 1;
      counts.set(kind, n);
      p = `${kind}-${n}`;
      seen.set(key, p);
    }
    return p;
  };
  const walk = (v: unknown, field?: string): unknown => {
    if (typeof v === 'string') {
      const kind = field !== undefined ? ID_FIELDS[field] : undefined;
      if (kind !== undefined) return placeholder(kind, v);
      return UUID.test(v) ? placeholder('uuid', v) : v;
    }
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return lines.map((l) => walk(JSON.parse(l) as unknown));
}
