/**
 * The repo stands on its own: no comment or doc cites a build machine's path, a `shared/` reference note or an issue
 * number; facts cite the published source or a doc in docs/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FOLDERS = ['gateway', 'drivers', 'rules', 'sync', 'simulator', 'config', 'docs', 'bench', 'scripts', 'systemd', 'test', '.ci'];
const TEXT = /\.(ts|mjs|js|css|html|ya?ml|json|md|sh|service)$|^run$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : files(path);
    return TEXT.test(name) ? [path] : [];
  });
}

const FORBIDDEN: Array<[string, RegExp]> = [
  ['a shared reference note', /shared\/references|references\/(anchors|intellivue|ihe-pcd|platform-notes)\.md/],
  ['a build machine path', /(^|[\s'"`(])\/(work|root|home)\/[\w.-]/],
  ['an issue number as a source', /\bissues?\s*#?\d+\b/i],
];

describe('citations inside the repo', () => {
  const all = [...FOLDERS.flatMap((f) => files(join(ROOT, f))), join(ROOT, 'README.md')].filter((f) => f !== fileURLToPath(import.meta.url));

  it('checks a real set of files', () => {
    expect(all.length).toBeGreaterThan(100);
  });

  for (const [what, re] of FORBIDDEN) {
    it(`no file cites ${what}`, () => {
      const hits = all.flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => [line, i] as const)
          .filter(([line]) => re.test(line))
          .map(([line, i]) => `${relative(ROOT, f)}:${i + 1}: ${line.trim().slice(0, 120)}`),
      );
      expect(hits).toEqual([]);
    });
  }
});
