/**
 * Runs systemd/install.sh and uninstall.sh for real into a throwaway root (useradd --prefix, systemctl --root)
 * and checks every file they write, twice over to prove idempotence. Needs root (useradd, chown), as on CI.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const REPO = new URL('../..', import.meta.url).pathname;
const INSTALL = join(REPO, 'systemd/install.sh');
const UNINSTALL = join(REPO, 'systemd/uninstall.sh');
const isRoot = process.getuid?.() === 0;

let work: string;
let root: string;
let source: string;

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** Every path under dir (directories with a trailing slash), sorted, relative to dir. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        out.push(relative(dir, p) + '/');
        walk(p);
      } else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8);
const owner = (p: string) => `${statSync(p).uid}:${statSync(p).gid}`;
const idsOf = (file: string, name: string) => readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'wg-install-'));
  root = join(work, 'root');
  source = join(work, 'src');
  // A minimal target system: only the account files that shadow-utils edits.
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\ndialout:x:20:\n');
  writeFileSync(join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
  writeFileSync(join(root, 'etc/gshadow'), 'root:*::\ndialout:*::\n', { mode: 0o640 });
  // A built package, as `npm run build` plus production node_modules leaves it.
  mkdirSync(join(source, 'dist/gateway'), { recursive: true });
  mkdirSync(join(source, 'config'), { recursive: true });
  mkdirSync(join(source, 'docs'), { recursive: true });
  writeFileSync(join(source, 'dist/gateway/cli.js'), 'console.log("v1");\n');
  writeFileSync(join(source, 'package.json'), '{"name":"wardgate","version":"0.1.0"}\n');
  writeFileSync(join(source, 'package-lock.json'), '{"lockfileVersion":3}\n');
  writeFileSync(join(source, 'config/default.yaml'), '# commented default config\nward: demo\n');
  writeFileSync(join(source, 'docs/operations.md'), '# ops\n');
  cpSync(join(REPO, 'systemd'), join(source, 'systemd'), { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const REL = 'opt/wardgate/releases/0.1.0';
const PACKAGE_FILES = [
  'opt/', 'opt/wardgate/', 'opt/wardgate/current', 'opt/wardgate/releases/', `${REL}/`, `${REL}/config/`, `${REL}/config/default.yaml`,
  `${REL}/dist/`, `${REL}/dist/gateway/`, `${REL}/dist/gateway/cli.js`, `${REL}/docs/`, `${REL}/docs/operations.md`,
  `${REL}/package-lock.json`, `${REL}/package.json`, `${REL}/systemd/`, ...['99-wardgate-serial.rules', 'install.sh', 'uninstall.sh', 'wardgate.service'].map((f) => `${REL}/systemd/${f}`),
];
const ACCOUNT_FILES = [
  'etc/', 'etc/group', 'etc/group-', 'etc/gshadow', 'etc/gshadow-', 'etc/passwd', 'etc/passwd-', 'etc/shadow', 'etc/shadow-',
];
const SYSTEM_FILES = [
  'etc/systemd/', 'etc/systemd/system/', 'etc/systemd/system/wardgate.service', 'etc/udev/', 'etc/udev/rules.d/',
  'etc/udev/rules.d/99-wardgate-serial.rules', 'etc/wardgate/', 'etc/wardgate/wardgate.yaml', 'var/', 'var/lib/',
  'var/lib/wardgate/', 'usr/', 'usr/local/', 'usr/local/bin/', 'usr/local/bin/wardgate',
];

describe.skipIf(!isRoot)('systemd/install.sh into a throwaway root (needs root for useradd/chown)', () => {
  it('installs every file with the right owner and mode, twice, keeping config and data', () => {
    const first = run(INSTALL, ['--root', root, '--source', source, '--deps', 'none', '--no-systemctl']);
    expect(first.code, first.out).toBe(0);
    expect(tree(root)).toEqual([...ACCOUNT_FILES, ...SYSTEM_FILES, ...PACKAGE_FILES].sort());

    // The account: a system user with no login, in its own group and the device groups.
    const passwd = idsOf(join(root, 'etc/passwd'), 'wardgate')!.split(':');
    expect(passwd[5]).toBe('/var/lib/wardgate');
    expect(passwd[6]).toBe('/usr/sbin/nologin');
    const [uid, gid] = [Number(passwd[2]), Number(passwd[3])];
    expect(uid).toBeLessThan(1000);
    expect(idsOf(join(root, 'etc/group'), 'wardgate')!.split(':')[2]).toBe(String(gid));
    for (const g of ['dialout', 'gpio', 'bluetooth']) {
      expect(idsOf(join(root, 'etc/group'), g)!.split(':')[3]!.split(',')).toEqual(['wardgate']);
    }
    expect(idsOf(join(root, 'etc/group'), 'dialout')!.split(':')[2]).toBe('20'); // existing group reused

    // Contents, owners and modes.
    expect(readFileSync(join(root, 'etc/systemd/system/wardgate.service'), 'utf8')).toBe(
      readFileSync(join(REPO, 'systemd/wardgate.service'), 'utf8'),
    );
    expect(readFileSync(join(root, 'etc/wardgate/wardgate.yaml'), 'utf8')).toBe(
      readFileSync(join(source, 'config/default.yaml'), 'utf8'),
    );
    expect([mode(join(root, 'etc/wardgate')), owner(join(root, 'etc/wardgate'))]).toEqual(['750', `0:${gid}`]);
    expect([mode(join(root, 'etc/wardgate/wardgate.yaml')), owner(join(root, 'etc/wardgate/wardgate.yaml'))]).toEqual(['640', `0:${gid}`]);
    expect([mode(join(root, 'var/lib/wardgate')), owner(join(root, 'var/lib/wardgate'))]).toEqual(['750', `${uid}:${gid}`]);
    expect([mode(join(root, 'etc/systemd/system/wardgate.service')), owner(join(root, 'etc/systemd/system/wardgate.service'))]).toEqual(['644', '0:0']);
    expect([mode(join(root, `${REL}/dist/gateway/cli.js`)), owner(join(root, `${REL}/dist/gateway/cli.js`))]).toEqual(['644', '0:0']);
    expect(readlinkSync(join(root, 'opt/wardgate/current'))).toBe('releases/0.1.0');

    // The operator edits the config, the daemon writes data, a new version is built.
    writeFileSync(join(root, 'etc/wardgate/wardgate.yaml'), 'ward: 7B\n');
    writeFileSync(join(root, 'var/lib/wardgate/wardgate.db'), 'data');
    writeFileSync(join(root, 'etc/udev/rules.d/99-wardgate-serial.rules'), '# site symlinks\n');
    writeFileSync(join(source, 'dist/gateway/cli.js'), 'console.log("v2");\n');
    const passwdBefore = readFileSync(join(root, 'etc/passwd'), 'utf8');
    const groupBefore = readFileSync(join(root, 'etc/group'), 'utf8');

    const second = run(INSTALL, ['--source', source, '--deps', 'none', '--no-systemctl'], { DESTDIR: root });
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/keeping existing .*wardgate\.yaml/);
    expect(tree(root)).toEqual([...ACCOUNT_FILES, ...SYSTEM_FILES, ...PACKAGE_FILES, 'var/lib/wardgate/wardgate.db'].sort());
    expect(readFileSync(join(root, 'etc/wardgate/wardgate.yaml'), 'utf8')).toBe('ward: 7B\n');
    expect(readFileSync(join(root, 'var/lib/wardgate/wardgate.db'), 'utf8')).toBe('data');
    expect(readFileSync(join(root, 'etc/udev/rules.d/99-wardgate-serial.rules'), 'utf8')).toBe('# site symlinks\n');
    expect(readFileSync(join(root, `${REL}/dist/gateway/cli.js`), 'utf8')).toBe('console.log("v2");\n');
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toBe(passwdBefore);
    expect(readFileSync(join(root, 'etc/group'), 'utf8')).toBe(groupBefore);
  });

  it('enables the unit offline with systemctl --root', () => {
    const r = run(INSTALL, ['--root', root, '--source', source, '--deps', 'none']);
    expect(r.code, r.out).toBe(0);
    const link = join(root, 'etc/systemd/system/multi-user.target.wants/wardgate.service');
    expect(readlinkSync(link)).toBe('/etc/systemd/system/wardgate.service');
    const again = run(INSTALL, ['--root', root, '--source', source, '--deps', 'none']);
    expect(again.code, again.out).toBe(0);
    expect(readlinkSync(link)).toBe('/etc/systemd/system/wardgate.service');

    const un = run(UNINSTALL, ['--root', root]);
    expect(un.code, un.out).toBe(0);
    expect(() => lstatSync(link)).toThrow(/ENOENT/);
  });

  it('uninstall keeps config and data, is idempotent, and --purge removes them and the user', () => {
    expect(run(INSTALL, ['--root', root, '--source', source, '--deps', 'none', '--no-systemctl']).code).toBe(0);
    writeFileSync(join(root, 'var/lib/wardgate/wardgate.db'), 'data');
    for (let i = 0; i < 2; i++) {
      const r = run(UNINSTALL, ['--root', root, '--no-systemctl']);
      expect(r.code, r.out).toBe(0);
      expect(tree(root)).toEqual(
        [...ACCOUNT_FILES, 'etc/systemd/', 'etc/systemd/system/', 'etc/udev/', 'etc/udev/rules.d/', 'etc/wardgate/',
          'etc/wardgate/wardgate.yaml', 'opt/', 'usr/', 'usr/local/', 'usr/local/bin/', 'var/', 'var/lib/', 'var/lib/wardgate/', 'var/lib/wardgate/wardgate.db'].sort(),
      );
      expect(idsOf(join(root, 'etc/passwd'), 'wardgate')).toBeDefined();
    }
    for (let i = 0; i < 2; i++) {
      const r = run(UNINSTALL, ['--root', root, '--no-systemctl', '--purge']);
      expect(r.code, r.out).toBe(0);
      expect(tree(root).filter((p) => p.includes('wardgate'))).toEqual([]);
      expect(idsOf(join(root, 'etc/passwd'), 'wardgate')).toBeUndefined();
      expect(idsOf(join(root, 'etc/group'), 'wardgate')).toBeUndefined();
      expect(idsOf(join(root, 'etc/group'), 'dialout')).toBe('dialout:x:20:');
      expect(idsOf(join(root, 'etc/group'), 'gpio')).toMatch(/^gpio:x:\d+:$/);
    }
  });

  it('refuses bad usage and an incomplete package without writing anything', () => {
    expect(run(INSTALL, ['--root', root, '--bogus']).code).toBe(2);
    expect(run(INSTALL, ['--root', root, '--deps', 'maybe']).code).toBe(2);
    expect(run(UNINSTALL, ['--root', root, '--bogus']).code).toBe(2);
    rmSync(join(source, 'config/default.yaml'));
    const r = run(INSTALL, ['--root', root, '--source', source, '--deps', 'none', '--no-systemctl']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/config\/default\.yaml missing/);
    expect(tree(root)).toEqual(['etc/', 'etc/group', 'etc/gshadow', 'etc/passwd', 'etc/shadow']);
  });

  it('moves a flat /opt/wardgate install (the old layout) into releases/<version> on the first upgrade', () => {
    mkdirSync(join(root, 'opt/wardgate/dist/gateway'), { recursive: true });
    writeFileSync(join(root, 'opt/wardgate/dist/gateway/cli.js'), 'console.log("old");\n');
    writeFileSync(join(root, 'opt/wardgate/package.json'), '{\n  "name": "wardgate",\n  "version": "0.0.9"\n}\n');
    const r = run(INSTALL, ['--root', root, '--source', source, '--deps', 'none', '--no-systemctl']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/moving the existing install \(flat .*, version 0\.0\.9\)/);
    expect(readFileSync(join(root, 'opt/wardgate/releases/0.0.9/dist/gateway/cli.js'), 'utf8')).toBe('console.log("old");\n');
    expect(readlinkSync(join(root, 'opt/wardgate/current'))).toBe('releases/0.1.0');
    expect(readlinkSync(join(root, 'opt/wardgate/previous'))).toBe('releases/0.0.9');
    expect(readdirSync(join(root, 'opt/wardgate')).sort()).toEqual(['current', 'previous', 'releases']);
    // --rollback switches the links back (no service here: --no-systemctl).
    const back = run(INSTALL, ['--root', root, '--rollback', '--no-systemctl']);
    expect(back.code, back.out).toBe(0);
    expect(readlinkSync(join(root, 'opt/wardgate/current'))).toBe('releases/0.0.9');
    expect(readlinkSync(join(root, 'opt/wardgate/previous'))).toBe('releases/0.1.0');
  });

  it('refuses a package that does not match its SHA256SUMS, and an offline bundle for another architecture or Node ABI', () => {
    writeFileSync(join(source, 'SHA256SUMS'), `${'0'.repeat(64)}  dist/gateway/cli.js\n`);
    const damaged = run(INSTALL, ['--root', root, '--source', source, '--deps', 'none', '--no-systemctl']);
    expect(damaged.code).toBe(1);
    expect(damaged.out).toMatch(/does not match its SHA256SUMS[\s\S]*dist\/gateway\/cli\.js: FAILED/);
    rmSync(join(source, 'SHA256SUMS'));
    mkdirSync(join(source, 'node_modules'));
    const other = process.arch === 'arm64' ? 'x64' : 'arm64';
    writeFileSync(join(source, 'BUNDLE.json'), JSON.stringify({ platform: 'linux', arch: other, nodeModulesAbi: process.versions.modules }, null, 2));
    const foreign = run(INSTALL, ['--root', root, '--source', source, '--no-systemctl']);
    expect(foreign.code).toBe(1);
    expect(foreign.out).toContain(`the offline bundle was made for linux-${other}-abi${process.versions.modules} but this machine's node`);
    expect(foreign.out).toMatch(/Make the bundle on a machine of this architecture/);
    expect(tree(root)).toEqual(['etc/', 'etc/group', 'etc/gshadow', 'etc/passwd', 'etc/shadow']);
  });

  it('names every missing prerequisite for an npm install, with what to install', () => {
    // A PATH with every command of this machine except the native build tools and npm.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    const hidden = new Set(['python3', 'make', 'g++', 'npm']);
    for (const dir of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names) {
        if (hidden.has(n)) continue;
        try {
          symlinkSync(join(dir, n), join(bin, n));
        } catch {
          // first directory wins, as in PATH
        }
      }
    }
    const r = run(INSTALL, ['--root', root, '--source', source, '--deps', 'npm', '--no-systemctl'], { PATH: bin });
    expect(r.code, r.out).toBe(3);
    for (const tool of ['npm: package npm', 'python3: package python3', 'make: package make', 'g++: package g++']) expect(r.out).toContain(tool);
    expect(tree(root)).toEqual(['etc/', 'etc/group', 'etc/gshadow', 'etc/passwd', 'etc/shadow']);
  });
});
