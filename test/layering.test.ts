/**
 * The layering the README states, checked on the source itself: which folder may import which, and that SQL lives
 * only under gateway/store/. Import cycles are checked by dpdm (`npm run check:cycles`, part of `npm test`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Non-test TypeScript source files under `folder` (repo-relative paths). */
function sources(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'public' && name !== 'node_modules') walk(path);
      } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) {
        out.push(relative(ROOT, path));
      }
    }
  };
  walk(join(ROOT, folder));
  return out;
}

/** Repo-relative targets of a file's relative imports (static, re-exports and dynamic), with `.js` read as `.ts`. */
export function localImports(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:^|\s)(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)]
    .map((m) => m[1] ?? m[2] ?? m[3] ?? '')
    .filter((s) => s.startsWith('.'));
  return specs.map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)).replace(/\.js$/, '.ts'));
}

interface Rule {
  folder: string;
  /** Path prefixes the folder's files must not import... */
  forbidden: string[];
  /** ...except these. */
  allowed?: string[];
}

const RULES: Rule[] = [
  { folder: 'drivers/core', forbidden: [''], allowed: ['drivers/core/'] },
  { folder: 'drivers', forbidden: ['rules/', 'sync/', 'gateway/', 'simulator/'] },
  { folder: 'rules', forbidden: ['gateway/', 'sync/', 'drivers/', 'simulator/'], allowed: ['drivers/core/'] },
  { folder: 'sync', forbidden: ['drivers/', 'rules/', 'gateway/screen/', 'gateway/store/', 'simulator/'], allowed: ['drivers/core/'] },
  { folder: 'gateway/screen', forbidden: ['drivers/', 'rules/', 'sync/', 'gateway/store/store.ts'], allowed: ['drivers/core/'] },
];

function violations(rule: Rule): string[] {
  const found: string[] = [];
  for (const file of sources(rule.folder)) {
    for (const target of localImports(file, readFileSync(join(ROOT, file), 'utf8'))) {
      const bad = rule.forbidden.some((p) => target.startsWith(p)) && !(rule.allowed ?? []).some((p) => target.startsWith(p));
      if (bad) found.push(`${file} -> ${target}`);
    }
  }
  return found;
}

describe('layering', () => {
  it('finds the imports it checks (the parser is not blind)', () => {
    const text = "import a from './x.js';\nimport type { B } from '../core/y.js';\nexport { c } from './z.js';\nconst d = await import('../../e.js');\nimport './side.js';";
    expect(localImports('drivers/serial/f.ts', text)).toEqual(['drivers/serial/x.ts', 'drivers/core/y.ts', 'drivers/serial/z.ts', 'e.ts', 'drivers/serial/side.ts']);
    expect(violations({ folder: 'sync', forbidden: ['sync/'] }).length).toBeGreaterThan(0);
  });

  for (const rule of RULES) {
    it(`${rule.folder}/ imports nothing from ${rule.forbidden.map((p) => p || 'elsewhere in the repo').join(', ')}${rule.allowed ? ` (except ${rule.allowed.join(', ')})` : ''}`, () => {
      expect(violations(rule)).toEqual([]);
    });
  }

  it('all SQL of the gateway lives under gateway/store/', () => {
    const sql = /\b(SELECT\s+[\w*(]|INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|CREATE\s+TABLE\s)|better-sqlite3|\.prepare\(|\.pragma\(/;
    const offenders = ['gateway', 'rules', 'sync', 'drivers']
      .flatMap(sources)
      .filter((f) => !f.startsWith('gateway/store/'))
      .filter((f) => sql.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
