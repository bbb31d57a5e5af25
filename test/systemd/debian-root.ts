/**
 * A Debian 12 (bookworm) root made by debootstrap, cached between test runs.
 *
 * - Cache: `<os tmpdir>/wardgate-debian12-<arch>-<YYYYMMDD>/root`, so a day's runs share one root and the next day
 *   makes a fresh one (older days are removed). A `.complete` marker is written only after debootstrap succeeded;
 *   a half-made root (a run killed mid-way) is removed and made again. A lock directory keeps two test processes
 *   from building it at once.
 * - Contents: `--variant=minbase` plus systemd (for `systemd-notify`, which the daemon uses to send READY=1) and
 *   ca-certificates. Nothing else: no Node. Tests copy the host's `node` binary into a *copy* of this root (see
 *   `prepareTarget`), because Debian 12's own `nodejs` package is Node 18 and wardgate needs 20 or newer. The host
 *   node is dynamically linked against glibc and libstdc++, which minbase has (apt depends on them).
 * - Every test gets its own copy (an overlay mount, or `cp -a` where overlays are not allowed), so tests never see
 *   each other's installs and the cache stays clean.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MIRROR = process.env.WARDGATE_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

const DEB_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'armhf' };

function today(): string {
  return new Date().toISOString().slice(0, 10).replaceAll('-', '');
}

/** Why the debootstrap test cannot run here, or undefined when it can. */
export function debianRootUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (debootstrap, chroot, useradd, chown); CI runs as root';
  if (spawnSync('debootstrap', ['--version']).status !== 0) return 'debootstrap is not installed (apt-get install debootstrap)';
  if (!DEB_ARCH[process.arch]) return `no Debian architecture known for ${process.arch}`;
  return undefined;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** The cached root's path, building it first if today's is missing (a few minutes, once a day). */
export async function cachedDebianRoot(log: (line: string) => void = () => undefined): Promise<string> {
  const arch = DEB_ARCH[process.arch]!;
  const prefix = `wardgate-debian12-${arch}-`;
  const base = join(tmpdir(), `${prefix}${today()}`);
  const root = join(base, 'root');
  const done = join(base, '.complete');
  const lock = join(tmpdir(), `${prefix}lock`);
  for (;;) {
    if (existsSync(done)) return root;
    try {
      mkdirSync(lock);
    } catch {
      // Someone else builds it; a lock older than 20 min is from a killed run.
      if (Date.now() - statSync(lock).mtimeMs > 20 * 60_000) rmSync(lock, { recursive: true, force: true });
      await sleep(2000);
      continue;
    }
    try {
      if (existsSync(done)) return root;
      for (const name of readdirSync(tmpdir())) {
        if (name.startsWith(prefix) && name !== `${prefix}lock`) rmSync(join(tmpdir(), name), { recursive: true, force: true });
      }
      mkdirSync(base, { recursive: true });
      log(`debootstrap bookworm (${arch}) into ${root} from ${MIRROR}`);
      const started = Date.now();
      const r = spawnSync(
        'debootstrap',
        ['--variant=minbase', '--include=systemd,ca-certificates', `--arch=${arch}`, 'bookworm', root, MIRROR],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      if (r.status !== 0) {
        rmSync(base, { recursive: true, force: true });
        throw new Error(`debootstrap failed (${r.status}): ${(r.stderr || r.stdout).slice(-2000)}`);
      }
      writeFileSync(done, `${new Date().toISOString()} ${Math.round((Date.now() - started) / 1000)} s\n`);
      log(`debootstrap took ${Math.round((Date.now() - started) / 1000)} s`);
      return root;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/**
 * A private copy of the cached root for one test, with the host's node at /usr/bin/node (same architecture; the
 * Debian 12 package would be Node 18). An overlay mount over the cached root when the kernel allows it (instant),
 * else a full `cp -a` (about 250 MB). `release()` unmounts and deletes it.
 */
export function prepareTarget(cached: string, into: string): { root: string; how: 'overlay' | 'copy'; release(): void } {
  const root = join(into, 'merged');
  mkdirSync(root, { recursive: true });
  mkdirSync(join(into, 'upper'));
  mkdirSync(join(into, 'work'));
  const overlay = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${cached},upperdir=${join(into, 'upper')},workdir=${join(into, 'work')}`, root], {
    encoding: 'utf8',
  });
  let how: 'overlay' | 'copy' = 'overlay';
  if (overlay.status !== 0) {
    how = 'copy';
    rmSync(root, { recursive: true, force: true });
    const r = spawnSync('cp', ['-a', cached, root], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cp -a ${cached} ${root}: ${r.stderr}`);
  }
  copyFileSync(process.execPath, join(root, 'usr/bin/node'));
  chmodSync(join(root, 'usr/bin/node'), 0o755);
  return {
    root,
    how,
    release() {
      if (how === 'overlay') spawnSync('umount', [root]);
      // --one-file-system: never delete through a mount that is still there. In the background: deleting the
      // installed releases is disk-bound (tens of seconds on a busy machine) and nothing waits for it.
      spawn('rm', ['-rf', '--one-file-system', into], { detached: true, stdio: 'ignore' }).unref();
    },
  };
}
