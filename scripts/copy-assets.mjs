// Copies the non-TypeScript files the compiled daemon reads at run time into dist/, keeping their paths,
// so `new URL('./x.yaml', import.meta.url)` works the same from source (tsx, vitest) and from dist.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ASSET = /\.(ya?ml|json|html|css|js|svg|png|ico|wav)$/;
const ROOTS = ['config', 'gateway', 'drivers', 'rules', 'sync', 'simulator'];

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSET.test(name) && !name.endsWith('.test.ts')) cpSync(path, join('dist', path));
  }
}
for (const root of ROOTS) if (existsSync(root)) walk(root);
