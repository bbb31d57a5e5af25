import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package version, read from package.json beside the source tree or beside dist/. */
function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'wardgate' && pkg.version) return pkg.version;
    }
  }
  return '0.0.0-unknown';
}

export const VERSION = readVersion();
