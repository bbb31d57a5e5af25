/**
 * Fuzzing the configuration loader and the downlink path.
 * - parseConfig on the shipped default config with random edits at random paths, and loadConfig on mutated YAML
 *   text: the only exception that may come out is ConfigError (which `wardgate config check` prints).
 * - parseDownlink on mutated valid messages and random input: never throw; whatever they
 *   accept, DownlinkStore.apply (the real SQLite tables) applies or refuses without throwing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, loadConfig, parseConfig } from '../../config/load.js';
import { Store } from '../../gateway/store/store.js';
import { DownlinkStore } from '../../gateway/store/downlink.js';
import { parseDownlink } from '../../sync/wire.js';
import { FuzzTally, fuzzOptions, mutatedText, TALLIES } from './fuzz-harness.js';
import { figure, RELIABILITY } from './profile.js';

const RUNS = RELIABILITY.fuzzRuns;
const TIMEOUT = Math.max(60_000, RUNS * 30);
const DEFAULT_TEXT = readFileSync(new URL('../../config/default.yaml', import.meta.url), 'utf8');
const DEFAULT = parse(DEFAULT_TEXT) as Record<string, unknown>;

type Edit = { path: number[]; op: 'delete' | 'set' | 'wrap'; value: unknown };

/** Applies one edit at a path chosen by indices into the keys found on the way down (so every depth is reachable). */
function applyEdit(root: unknown, e: Edit): unknown {
  if (e.path.length === 0 || root === null || typeof root !== 'object') return e.op === 'delete' ? undefined : e.value;
  const keys = Object.keys(root);
  if (keys.length === 0) return root;
  const key = keys[e.path[0]! % keys.length]!;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(root) ? [...root] : { ...(root as Record<string, unknown>) };
  const child = (copy as Record<string, unknown>)[key];
  const next = e.path.length === 1 ? (e.op === 'delete' ? undefined : e.op === 'wrap' ? [child, e.value] : e.value) : applyEdit(child, { ...e, path: e.path.slice(1) });
  if (next === undefined && !Array.isArray(copy)) delete (copy as Record<string, unknown>)[key];
  else (copy as Record<string, unknown>)[key] = next;
  return copy;
}

const edit: fc.Arbitrary<Edit> = fc.record({
  path: fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 5 }),
  op: fc.constantFrom('delete' as const, 'set' as const, 'wrap' as const),
  value: fc.oneof(fc.anything({ maxDepth: 2 }), fc.constantFrom(0, -1, 65536, 1e999, Number.NaN, '', '0.0.0.0', 'mqtt://x', null, [], {}), fc.string()),
});

/** Runs one case: undefined when accepted, the ConfigError's text when refused; any other exception escapes. */
function onlyConfigError(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw new Error(`escaped: ${(err as Error)?.constructor?.name}: ${String((err as Error)?.message ?? err)}`);
    // The first problem names the path of the bad field.
    return err.problems[0] ?? err.message;
  }
}

const configOutcome = (r: string | undefined) => (r === undefined ? { accepted: true } : { rejected: r });

afterAll(() => {
  for (const t of TALLIES) for (const line of t.report()) figure('fuzz', line);
});

describe(`fuzz: configuration (${RUNS} cases per target)`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wg-fuzz-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the default config itself is valid', () => {
    expect(parseConfig(DEFAULT, 'default.yaml').beds.length).toBeGreaterThan(0);
  });

  it('parseConfig on the default config with random edits throws nothing but ConfigError', () => {
    const tally = new FuzzTally('config-parse (edited default config)');
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), fc.dictionary(fc.constantFrom('WARDGATE_BROKER_PORT', 'WARDGATE_SCREEN_PORT', 'WARDGATE_DATA_DIR', 'WARDGATE_LOG_LEVEL', 'WARDGATE_SYNC_URL'), fc.string({ maxLength: 12 }), { maxKeys: 2 }), (edits, env) => {
        // A fresh copy per case: parseConfig writes env overrides into the nested sections it is given.
        const raw = edits.reduce<unknown>((acc, e) => applyEdit(acc, e), structuredClone(DEFAULT));
        tally.time({ edits, env }, () => onlyConfigError(() => parseConfig(raw, 'fuzz', env)), configOutcome);
      }),
      fuzzOptions(RUNS),
    );
    // Some edits leave a valid config (a changed label, a deleted optional key): the fuzzer reached both outcomes.
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.rejected).toBeGreaterThan(0);
  }, TIMEOUT);

  it('an alias to an anchor that does not exist is a ConfigError (found by this fuzzer)', () => {
    const file = join(dir, 'alias.yaml');
    for (const t of ['*!', '<<: *x', 'gateway: *gw']) {
      writeFileSync(file, t);
      expect(() => loadConfig(file, {}), t).toThrow(ConfigError);
    }
  });

  it('loadConfig on mutated YAML text throws nothing but ConfigError', () => {
    const tally = new FuzzTally('config-file (mutated YAML text)');
    const file = join(dir, 'fuzz.yaml');
    const lines = DEFAULT_TEXT.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    const text = fc.oneof(
      mutatedText([DEFAULT_TEXT]),
      fc.array(fc.oneof(fc.constantFrom(...lines), fc.string({ maxLength: 40 })), { maxLength: 60 }).map((ls) => ls.join('\n')),
      fc.constantFrom('', '---\n', '[]', '"x"', 'a: &a [*a]', 'beds: !!binary AAAA', '{', 'gateway: {id: "x"}\n'.repeat(200)),
    );
    // Warm the YAML parser up first: its first parses compile (JIT) and can cost tens of ms of CPU by themselves,
    // which the 100 ms per-case hang budget would charge to whichever case came first.
    for (const t of [DEFAULT_TEXT, 'gateway: {id: "x"}\n'.repeat(200), '{']) {
      writeFileSync(file, t);
      onlyConfigError(() => loadConfig(file, {}));
    }
    fc.assert(
      fc.property(text, (t) => {
        writeFileSync(file, t);
        tally.time(t, () => onlyConfigError(() => loadConfig(file, {})), configOutcome);
      }),
      fuzzOptions(RUNS),
    );
    expect(tally.rejected).toBeGreaterThan(0);
  }, TIMEOUT);
});

describe(`fuzz: downlink messages (${RUNS} cases per target)`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wg-fuzz-downlink-'));
  const store = new Store(dir);
  const downlink = new DownlinkStore(store.db);
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const seeds = [
    { schema: 'wardgate/incident-status', schemaVersion: 1, messageId: 'm1', incidentId: 'inc-1', status: 'ASSIGNED', assignedTo: { id: 'rn', name: 'RN', role: 'nurse' }, at: 5 },
    { schema: 'wardgate/incident-status', schemaVersion: 1, messageId: 'm2', incidentId: 'inc-1', status: 'RESOLVED', at: 9 },
    { schema: 'wardgate/admission', schemaVersion: 1, messageId: 'm3', action: 'admit', bed: 'bed-01', patient: { id: 'p1', name: 'Pat' }, at: 7 },
    { schema: 'wardgate/admission', schemaVersion: 1, messageId: 'm4', action: 'discharge', bed: 'bed-01', at: 8 },
  ];

  it('valid seeds parse', () => {
    for (const s of seeds) expect(parseDownlink(JSON.stringify(s))).not.toHaveProperty('error');
  });

  it('structurally mutated messages: parse never throws, and whatever parses applies without throwing', () => {
    const tally = new FuzzTally('downlink (mutated valid messages)');
    const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { maxLength: 3 }), fc.nat()).map(([s, edits, n]) => {
      const m = edits.reduce<unknown>((acc, e) => applyEdit(acc, e), s) as Record<string, unknown>;
      // A unique id per case; a mutated messageId may be an object String() cannot convert (no prototype), so only
      // strings and numbers are kept in it.
      const id = typeof m?.messageId === 'string' || typeof m?.messageId === 'number' ? String(m.messageId) : 'mutated';
      return m && typeof m === 'object' && !Array.isArray(m) ? { ...m, messageId: `${id}-${n}` } : m;
    });
    fc.assert(
      fc.property(mutated, fc.boolean(), (m, asText) => {
        const payload = asText ? JSON.stringify(m) ?? 'undefined' : m;
        tally.time(payload, () => {
          const parsed = parseDownlink(payload);
          if ('error' in parsed) return parsed.error;
          downlink.apply(parsed, Date.now());
          return undefined;
        }, (r) => (r === undefined ? { accepted: true } : { rejected: r }));
      }),
      fuzzOptions(RUNS),
    );
    expect(tally.accepted).toBeGreaterThan(0);
  }, TIMEOUT);

  it('random text and bytes never throw', () => {
    const seedText = seeds.map((s) => JSON.stringify(s));
    fc.assert(
      fc.property(fc.oneof(mutatedText(seedText), fc.json(), fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b))), (p) => {
        const r = parseDownlink(p);
        if (!('error' in r)) downlink.apply(r, Date.now());
      }),
      fuzzOptions(RUNS),
    );
  }, TIMEOUT);
});
