#!/usr/bin/env node
// Makes the release artifact: release/wardgate-<version>.tar.gz (+ .sha256 beside it).
//
//   npm run package                      # built dist/, production package.json and lockfile, unit, install
//                                        # scripts, default config and examples, docs, SHA256SUMS; no node_modules,
//                                        # no native binaries: install.sh runs `npm ci --omit=dev` on the Pi
//   npm run package -- --with-deps       # also the production node_modules of THIS machine, for a ward that cannot
//                                        # reach the npm registry: wardgate-<version>-linux-<arch>-node<abi>.tar.gz.
//                                        # Make it on a machine of the Pi's architecture (a Pi, an arm64 build host);
//                                        # BUNDLE.json records arch and Node ABI and install.sh refuses a mismatch.
//   --out DIR                            # where to write (default: release/)
//
// Runs after `npm run build` (the npm script does both). Exit 0 with the tarball path on stdout's last line.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const REPO = resolve(new URL('..', import.meta.url).pathname);
const args = process.argv.slice(2);
const withDeps = args.includes('--with-deps');
const outIdx = args.indexOf('--out');
const OUT = resolve(outIdx >= 0 ? args[outIdx + 1] : join(REPO, 'release'));
for (const a of args) {
  if (a.startsWith('--') && a !== '--with-deps' && a !== '--out') {
    console.error(`package: unknown option ${a} (use --with-deps, --out DIR)`);
    process.exit(2);
  }
}

const fail = (msg) => {
  console.error(`package: ${msg}`);
  process.exit(1);
};
const run = (cmd, argv, cwd) => {
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) fail(`${cmd} ${argv.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
};

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const version = pkg.version;
if (!existsSync(join(REPO, 'dist/gateway/cli.js'))) fail('dist/ is missing: run `npm run build` first');

const name = `wardgate-${version}`;
const suffix = withDeps ? `-${process.platform}-${process.arch}-node${process.versions.modules}` : '';
const stageRoot = join(OUT, `.stage-${process.pid}`);
const stage = join(stageRoot, name);
rmSync(stageRoot, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

// --- contents ---------------------------------------------------------------------------------------------------
cpSync(join(REPO, 'dist'), join(stage, 'dist'), {
  recursive: true,
  filter: (src) => !src.endsWith('.test.js') && !src.endsWith('.tsbuildinfo') && !src.includes('/dist/bench'),
});
mkdirSync(join(stage, 'config'));
cpSync(join(REPO, 'config/default.yaml'), join(stage, 'config/default.yaml'));
if (existsSync(join(REPO, 'config/examples'))) cpSync(join(REPO, 'config/examples'), join(stage, 'config/examples'), { recursive: true });
mkdirSync(join(stage, 'systemd'));
for (const f of readdirSync(join(REPO, 'systemd'))) cpSync(join(REPO, 'systemd', f), join(stage, 'systemd', f));
cpSync(join(REPO, 'scripts/installer'), join(stage, 'scripts/installer'), { recursive: true });
mkdirSync(join(stage, 'docs'));
for (const f of readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md'))) cpSync(join(REPO, 'docs', f), join(stage, 'docs', f));
cpSync(join(REPO, 'README.md'), join(stage, 'README.md'));

// Production package.json and lockfile: no scripts, no dev dependencies (so `npm ci --omit=dev` and the bundle
// agree with what is listed; the lockfile keeps the exact versions and integrity hashes).
const prodPkg = { ...pkg };
delete prodPkg.scripts;
delete prodPkg.devDependencies;
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(prodPkg, null, 2)}\n`);
const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8'));
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  if (path === '') delete entry.devDependencies;
  else if (entry.dev) delete lock.packages[path];
}
writeFileSync(join(stage, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);

if (withDeps) {
  // This machine's installed production modules (the lockfile's non-dev entries; nested ones come along with their
  // parent), so the native ones are built for this arch and ABI. No network, no npm.
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path.startsWith('node_modules/') || path.indexOf('/node_modules/', 1) > 0 || entry.link) continue;
    if (!existsSync(join(REPO, path))) {
      if (entry.optional) continue;
      fail(`${path} is in the lockfile but not installed: run npm ci first`);
    }
    cpSync(join(REPO, path), join(stage, path), { recursive: true, verbatimSymlinks: true });
  }
  const bundle = {
    platform: process.platform,
    arch: process.arch,
    nodeModulesAbi: process.versions.modules,
    node: process.versions.node,
    madeAt: new Date().toISOString(),
  };
  writeFileSync(join(stage, 'BUNDLE.json'), `${JSON.stringify(bundle, null, 2)}\n`);
}

// --- no native binaries without --with-deps ----------------------------------------------------------------------
const files = [];
const walk = (dir) => {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const st = statSync(p);
    if (st.isDirectory()) walk(p);
    else files.push(relative(stage, p));
  }
};
walk(stage);
if (!withDeps) {
  const native = files.filter((f) => f.endsWith('.node'));
  if (native.length > 0) fail(`native binaries in a package without --with-deps: ${native.join(', ')}`);
}
for (const f of ['systemd/install.sh', 'systemd/uninstall.sh']) chmodSync(join(stage, f), 0o755);

// --- checksums: SHA256SUMS inside (install.sh checks it), <tarball>.sha256 beside ---------------------------------
const sha = (p) => createHash('sha256').update(readFileSync(p)).digest('hex');
files.sort();
writeFileSync(join(stage, 'SHA256SUMS'), files.map((f) => `${sha(join(stage, f))}  ${f}\n`).join(''));

mkdirSync(OUT, { recursive: true });
const tarball = join(OUT, `${name}${suffix}.tar.gz`);
run('tar', ['--owner=0', '--group=0', '--numeric-owner', '-czf', tarball, '-C', stageRoot, name]);
writeFileSync(`${tarball}.sha256`, `${sha(tarball)}  ${name}${suffix}.tar.gz\n`);
rmSync(stageRoot, { recursive: true, force: true });
const mb = (statSync(tarball).size / 1024 / 1024).toFixed(1);
console.log(`package: ${files.length + 1} files, ${mb} MB${withDeps ? `, node_modules for ${process.arch} ABI ${process.versions.modules}` : ''}`);
console.log(tarball);
