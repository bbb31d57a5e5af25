/**
 * `npm run package` (scripts/package.mjs, after the build): one versioned tarball with a .sha256 beside it; inside,
 * the built dist/, production package.json and lockfile (no dev dependencies, no scripts), the unit and install
 * scripts, the default config and examples, the docs and a SHA256SUMS that sha256sum accepts; no node_modules and no
 * native binaries. The --with-deps bundle is exercised by release-install.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'wg-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd = REPO) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('npm run package', () => {
  it('makes a versioned, checksummed tarball of the built release without dependencies or native code', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
    const made = run(process.execPath, [join(REPO, 'scripts/package.mjs'), '--out', work]);
    expect(made.code, made.out).toBe(0);
    const tarball = made.out.trim().split('\n').pop()!;
    expect(tarball).toBe(join(work, `wardgate-${pkg.version}.tar.gz`));
    expect(run('sha256sum', ['-c', `wardgate-${pkg.version}.tar.gz.sha256`], work)).toMatchObject({ code: 0 });

    const list = run('tar', ['-tzf', tarball]).out.trim().split('\n');
    const top = `wardgate-${pkg.version}/`;
    expect(list.every((p) => p.startsWith(top))).toBe(true);
    for (const f of ['dist/gateway/cli.js', 'dist/gateway/store/migrations.js', 'package.json', 'package-lock.json', 'SHA256SUMS', 'README.md',
      'systemd/install.sh', 'systemd/uninstall.sh', 'systemd/wardgate.service', 'systemd/99-wardgate-serial.rules',
      'scripts/installer/db-backup.mjs', 'scripts/installer/wait-ready.mjs', 'config/default.yaml', 'config/examples/central-mqtt-mtls.yaml',
      'config/examples/central-https.yaml', 'config/examples/central-mosquitto.acl', 'docs/operations.md', 'docs/central-checklist.md']) {
      expect(list, f).toContain(top + f);
    }
    expect(list.filter((p) => p.includes('node_modules/') || p.endsWith('.node') || p.endsWith('.test.js') || p.includes('/dist/bench/'))).toEqual([]);

    run('tar', ['-xzf', tarball, '-C', work]);
    const dir = join(work, top);
    const sums = run('sha256sum', ['--strict', '-c', 'SHA256SUMS'], dir);
    expect(sums.code, sums.out).toBe(0);
    const prod = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(prod.devDependencies).toBeUndefined();
    expect(prod.scripts).toBeUndefined();
    expect(prod.dependencies).toEqual(pkg.dependencies);
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devDependencies?: unknown }> };
    expect(Object.values(lock.packages).filter((e) => e.dev)).toEqual([]);
    expect(lock.packages['']!.devDependencies).toBeUndefined();
    expect(lock.packages['node_modules/better-sqlite3']).toBeDefined();
    expect(existsSync(join(dir, 'BUNDLE.json'))).toBe(false);
    expect(run('bash', ['-n', join(dir, 'systemd/install.sh')]).code).toBe(0);

    // The installer notices a changed file.
    writeFileSync(join(dir, 'dist/gateway/cli.js'), '// changed\n');
    expect(run('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], dir).out).toMatch(/dist\/gateway\/cli\.js: FAILED/);
  }, 120_000);

  it('its production package.json and lockfile agree: npm ci --omit=dev installs the runtime dependencies only', () => {
    const made = run(process.execPath, [join(REPO, 'scripts/package.mjs'), '--out', join(work, 'ci')]);
    expect(made.code, made.out).toBe(0);
    run('tar', ['-xzf', made.out.trim().split('\n').pop()!, '-C', join(work, 'ci')]);
    const dir = join(work, 'ci', readdirSync(join(work, 'ci')).find((n) => n.startsWith('wardgate-') && !n.endsWith('.gz') && !n.endsWith('.sha256'))!);
    // --ignore-scripts: only the dependency tree is checked here (no native builds); --prefer-offline: npm's cache
    // from the repository's own `npm ci` serves it.
    const ci = run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], dir);
    expect(ci.code, ci.out).toBe(0);
    for (const dep of ['better-sqlite3', 'mqtt', 'serialport', 'zod']) expect(existsSync(join(dir, 'node_modules', dep, 'package.json')), dep).toBe(true);
    for (const dev of ['vitest', 'typescript', 'tsx', 'playwright-core']) expect(existsSync(join(dir, 'node_modules', dev)), dev).toBe(false);
  }, 300_000);
});
