import type { z } from 'zod';

/**
 * "Did you mean": for an unknown config key, the valid keys at its place in the schema and the nearest of them.
 * Reads zod's schema definitions (object shapes through optional/default/prefault/pipe wrappers, arrays and records).
 */

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The object schema's keys at `path` (numbers index arrays, strings name keys), or [] when there is none. */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let s: z.ZodType | undefined = schema;
  let i = 0;
  while (s) {
    const d = defOf(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else if (i === path.length) return d.type === 'object' && d.shape ? Object.keys(d.shape) : [];
    else if (d.type === 'object' && d.shape) s = d.shape[String(path[i++])];
    else if (d.type === 'array' && d.element) (s = d.element), i++;
    else if (d.type === 'record' && d.valueType) (s = d.valueType), i++;
    else return [];
  }
  return [];
}

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[y.length]!;
}

/** The nearest valid key, when one is close enough to be a likely misspelling (or a prefix of it, `maxSilenceSecs`). */
export function nearestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = c.toLowerCase().startsWith(key.toLowerCase().slice(0, Math.max(4, key.length - 4))) ? Math.min(editDistance(key, c), 2) : editDistance(key, c);
    if (d < bestD) (best = c), (bestD = d);
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}
