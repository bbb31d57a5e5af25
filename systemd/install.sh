#!/usr/bin/env bash
# Install, upgrade or roll back wardgate on a Raspberry Pi (Raspberry Pi OS / Debian 12 bookworm) as a systemd
# service, from an unpacked release (`npm run package`; see docs/operations.md).
#
#   sudo ./systemd/install.sh                 # first install, or upgrade when a release is already installed
#   sudo ./systemd/install.sh --upgrade       # the same, but fails if nothing is installed yet
#   sudo ./systemd/install.sh --rollback      # switch back to the previous release (and its unit), wait for ready
#   ./systemd/install.sh --root /tmp/r --no-systemctl   # into a throwaway root (tests, image builds)
#
# Layout: each version side by side in /opt/wardgate/releases/<version>; /opt/wardgate/current and
# /opt/wardgate/previous are links; the unit runs /opt/wardgate/current/dist/gateway/cli.js. An install of the old
# flat layout (/opt/wardgate/dist) is moved into releases/<its version> on the first upgrade.
#
# What it does (idempotent; config and data are never overwritten):
#   0. checks the package (SHA256SUMS) and the prerequisites, each missing one with what to install;
#   1. system groups dialout, gpio, bluetooth (created if missing) and the system user `wardgate` in them;
#   2. the release into releases/<version>: node_modules from the offline bundle (same arch and Node ABI checked)
#      or `npm ci --omit=dev`;
#   3. /etc/wardgate/wardgate.yaml from config/default.yaml, only if there is none (root:wardgate 0640);
#   4. /var/lib/wardgate (wardgate:wardgate 0750);
#   5. the unit /etc/systemd/system/wardgate.service, udev rules (only if absent: site symlinks) and the command
#      /usr/local/bin/wardgate (runs the current release);
#   6. upgrade: backs up the database (SQLite online backup API) and the config into /var/lib/wardgate/backups/,
#      stops the service, switches `current`, starts it (migrations run at start), and waits for READY and
#      /readyz; if the new release is not ready within --ready-timeout, it switches back to the previous release
#      and config and starts that (migrations only add, so the previous release runs on the migrated store).
# Exit codes: 0 done, 1 failed, 2 bad usage, 3 prerequisites missing, 4 upgrade failed and rolled back.
set -euo pipefail

usage() {
  sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'EOF'
Options: --root DIR (or DESTDIR=DIR)  --source DIR  --deps auto|bundle|npm|none  --upgrade  --rollback
         --ready-timeout SECONDS (default 180)  --no-systemctl  -h
         --service-ctl CMD   start/stop/is-active through CMD instead of systemctl (CMD start|stop|is-active):
                             for a root where systemd is not PID 1 (tests, image builds)
EOF
}

ROOT="${DESTDIR:-}"
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS=auto
SYSTEMCTL=yes
MODE=install
SERVICE_CTL=""
READY_TIMEOUT=180
while [[ $# -gt 0 ]]; do
  case "$1" in
    --root) ROOT="${2:?--root needs a directory}"; shift 2 ;;
    --root=*) ROOT="${1#--root=}"; shift ;;
    --source) SOURCE="${2:?--source needs a directory}"; shift 2 ;;
    --source=*) SOURCE="${1#--source=}"; shift ;;
    --deps) DEPS="${2:?--deps needs a value}"; shift 2 ;;
    --deps=*) DEPS="${1#--deps=}"; shift ;;
    --upgrade) MODE=upgrade; shift ;;
    --rollback) MODE=rollback; shift ;;
    --service-ctl) SERVICE_CTL="${2:?--service-ctl needs a command}"; shift 2 ;;
    --ready-timeout) READY_TIMEOUT="${2:?--ready-timeout needs seconds}"; shift 2 ;;
    --no-systemctl) SYSTEMCTL=no; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$DEPS" in auto|bundle|npm|none) ;; *) echo "install.sh: --deps must be auto, bundle, npm or none" >&2; exit 2 ;; esac
[[ "$READY_TIMEOUT" =~ ^[0-9]+$ ]] || { echo "install.sh: --ready-timeout must be whole seconds" >&2; exit 2; }
if [[ -n "$ROOT" ]]; then
  mkdir -p "$ROOT"
  ROOT="$(cd "$ROOT" && pwd)"
  if [[ "$ROOT" == / ]]; then ROOT=""; fi
fi

SERVICE_USER=wardgate
GROUPS_WANTED=(dialout gpio bluetooth)
PREFIX="$ROOT/opt/wardgate"
RELEASES="$PREFIX/releases"
CONF_DIR="$ROOT/etc/wardgate"
CONFIG="$CONF_DIR/wardgate.yaml"
DATA_DIR="$ROOT/var/lib/wardgate"
UNIT_DIR="$ROOT/etc/systemd/system"
UDEV_DIR="$ROOT/etc/udev/rules.d"
KEEP_RELEASES=3

log() { echo "wardgate-install: $*"; }
die() { echo "wardgate-install: error: $*" >&2; exit 1; }

# useradd and friends edit $ROOT/etc/{passwd,group,shadow,gshadow} with --prefix (shadow-utils >= 4.9).
account_tool() {
  local tool="$1"; shift
  if [[ -n "$ROOT" ]]; then "$tool" --prefix "$ROOT" "$@"; else "$tool" "$@"; fi
}
group_exists() { grep -q "^$1:" "$ROOT/etc/group"; }
user_exists() { grep -q "^$1:" "$ROOT/etc/passwd"; }
# Numeric ids from the target's own files, so a throwaway root needs no matching host accounts.
uid_of() { awk -F: -v n="$1" '$1 == n { print $3 }' "$ROOT/etc/passwd"; }
gid_of() { awk -F: -v n="$1" '$1 == n { print $3 }' "$ROOT/etc/group"; }
json_field() { grep -o "\"$2\" *: *\"[^\"]*\"" "$1" | head -n 1 | sed 's/.*: *"\(.*\)"$/\1/'; }
release_of() { [[ -L "$PREFIX/$1" ]] && basename "$(readlink "$PREFIX/$1")" || true; }
# Atomic link switch: a new link renamed over the old one.
point() { ln -sfn "releases/$2" "$PREFIX/.$1.tmp" && mv -T "$PREFIX/.$1.tmp" "$PREFIX/$1"; }

# The node that runs the helper scripts: the target's own when installing into this system.
NODE=/usr/bin/node
if [[ -n "$ROOT" ]]; then NODE="$(command -v node || echo /usr/bin/node)"; fi

# --- 0. package and prerequisites ------------------------------------------------------------------------------
[[ "$(id -u)" -eq 0 ]] || die "run as root (sudo)"
[[ -f "$ROOT/etc/passwd" && -f "$ROOT/etc/group" ]] || die "$ROOT/etc/passwd or group missing"
if [[ "$MODE" != rollback ]]; then
  for f in dist/gateway/cli.js package.json config/default.yaml systemd/wardgate.service; do
    [[ -f "$SOURCE/$f" ]] || die "$SOURCE/$f missing: not a complete release (make one with 'npm run package')"
  done
  if [[ -f "$SOURCE/SHA256SUMS" ]]; then
    command -v sha256sum >/dev/null || die "sha256sum missing (package coreutils)"
    if ! bad="$(cd "$SOURCE" && sha256sum --quiet --strict -c SHA256SUMS 2>&1)"; then
      die "the package does not match its SHA256SUMS (damaged download or changed files):
$bad"
    fi
    log "package checksums ok ($(wc -l <"$SOURCE/SHA256SUMS") files)"
  else
    log "warning: no SHA256SUMS in $SOURCE (a source checkout, not a release): files not verified"
  fi
  VERSION="$(json_field "$SOURCE/package.json" version)"
  [[ -n "$VERSION" && "$VERSION" =~ ^[0-9A-Za-z.+_-]+$ ]] || die "no usable version in $SOURCE/package.json"
  if [[ "$DEPS" == auto ]]; then
    if [[ -f "$SOURCE/BUNDLE.json" && -d "$SOURCE/node_modules" ]]; then DEPS=bundle; else DEPS=npm; fi
  fi
fi

missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$1: $2"); }
need useradd "package passwd (useradd, groupadd, usermod)"
need tar "package tar"
if [[ -z "$ROOT" ]]; then
  # The unit runs /usr/bin/node; Node 20 or newer. Debian 12 and Raspberry Pi OS bookworm ship Node 18.
  if [[ ! -x /usr/bin/node ]]; then
    missing+=("/usr/bin/node: Node.js 20 or newer, e.g. NodeSource's nodejs package (docs/operations.md, 'Node.js')")
  else
    node_major="$(/usr/bin/node -p 'process.versions.node.split(".")[0]')"
    [[ "$node_major" -ge 20 ]] || missing+=("Node.js >= 20 at /usr/bin/node (found $(/usr/bin/node --version)): install NodeSource's nodejs 20 or newer")
  fi
  need systemd-notify "package systemd (the daemon sends READY=1 and watchdog pings with it)"
fi
if [[ "$MODE" != rollback && "$DEPS" == npm ]]; then
  need npm "package npm, or NodeSource's nodejs (it includes npm); or install an offline bundle (--deps bundle)"
  # better-sqlite3 and serialport download prebuilt binaries when they can, and compile otherwise.
  need python3 "package python3 (node-gyp, to compile better-sqlite3 / serialport when no prebuilt binary fits)"
  need make "package make (native module build)"
  need g++ "package g++ (native module build)"
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "wardgate-install: error: missing prerequisites:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  echo "  on Debian / Raspberry Pi OS: sudo apt-get install passwd tar systemd python3 make g++ (Node.js: see docs/operations.md)" >&2
  exit 3
fi
if [[ "$MODE" != rollback && "$DEPS" == bundle ]]; then
  [[ -f "$SOURCE/BUNDLE.json" && -d "$SOURCE/node_modules" ]] || die "--deps bundle but $SOURCE has no BUNDLE.json and node_modules/ (make it with 'npm run package -- --with-deps')"
  want="$(json_field "$SOURCE/BUNDLE.json" platform)-$(json_field "$SOURCE/BUNDLE.json" arch)-abi$(json_field "$SOURCE/BUNDLE.json" nodeModulesAbi)"
  have="$("$NODE" -p 'process.platform + "-" + process.arch + "-abi" + process.versions.modules')"
  [[ "$want" == "$have" ]] || die "the offline bundle was made for $want but this machine's node ($NODE $("$NODE" --version)) is $have; native modules (better-sqlite3, serialport) would not load. Make the bundle on a machine of this architecture with the same Node major version, or install with --deps npm"
  log "offline bundle matches this machine ($have)"
fi

# --- service control --------------------------------------------------------------------------------------------
CAN_RUN=no
if [[ "$SYSTEMCTL" == yes ]]; then
  if [[ -n "$SERVICE_CTL" ]]; then CAN_RUN=yes
  elif [[ -z "$ROOT" && -d /run/systemd/system ]]; then CAN_RUN=yes
  fi
fi
svc() {
  if [[ -n "$SERVICE_CTL" ]]; then "$SERVICE_CTL" "$1"; return; fi
  case "$1" in
    start) systemctl start wardgate.service ;;
    stop) systemctl stop wardgate.service ;;
    is-active) systemctl is-active --quiet wardgate.service ;;
  esac
}
install_unit() { # the unit of release $1
  local unit="$RELEASES/$1/systemd/wardgate.service"
  mkdir -p "$UNIT_DIR"
  if [[ -f "$unit" ]] && grep -q '/opt/wardgate/current/' "$unit"; then
    install -m 0644 -o 0 -g 0 "$unit" "$UNIT_DIR/wardgate.service"
  else
    # A release from before the releases/ layout: its unit runs /opt/wardgate/dist, which is gone; the installed
    # unit (through the current link) runs it just as well.
    log "keeping the installed unit ($1 has none for the releases layout)"
  fi
  if [[ "$SYSTEMCTL" == no ]]; then return; fi
  if [[ -n "$ROOT" ]]; then systemctl --root="$ROOT" enable wardgate.service
  elif [[ -d /run/systemd/system ]]; then systemctl daemon-reload && systemctl enable wardgate.service
  else systemctl enable wardgate.service # offline (a chroot, an image build): just the links
  fi
}
# Starts the service and waits for READY (the start job returns only then, Type=notify) and /readyz, within the
# bound. Returns non-zero when the release did not become ready.
start_and_wait() {
  local version="$1" t0 left
  t0=$SECONDS
  log "starting $version (bound ${READY_TIMEOUT}s for READY=1 and /readyz)"
  if ! timeout "$READY_TIMEOUT" bash -c "$(declare -f svc); SERVICE_CTL='$SERVICE_CTL' svc start"; then
    log "$version did not report READY=1 within the bound (start failed or timed out: see journalctl -u wardgate)"
    return 1
  fi
  log "$version reported READY=1 after $((SECONDS - t0)) s"
  left=$((READY_TIMEOUT - (SECONDS - t0)))
  [[ $left -gt 5 ]] || left=5
  # The helper of the release being started, else of any release that has one (releases from before the
  # releases/ layout have none).
  local helper="$RELEASES/$version/scripts/installer/wait-ready.mjs" r
  if [[ ! -f "$helper" ]]; then
    for r in "${VERSION:-}" "$PREVIOUS"; do
      if [[ -n "$r" && -f "$RELEASES/$r/scripts/installer/wait-ready.mjs" ]]; then helper="$RELEASES/$r/scripts/installer/wait-ready.mjs"; break; fi
    done
  fi
  if ! "$NODE" "$helper" --config "$CONFIG" --timeout "$left" --version "$version"; then
    return 1
  fi
}

# --- 1. groups and user ----------------------------------------------------------------------------------------
for g in "${GROUPS_WANTED[@]}"; do
  if ! group_exists "$g"; then
    log "creating system group $g"
    account_tool groupadd --system "$g"
  fi
done
group_list="$(IFS=,; echo "${GROUPS_WANTED[*]}")"
if user_exists "$SERVICE_USER"; then
  account_tool usermod --append --groups "$group_list" "$SERVICE_USER"
else
  log "creating system user $SERVICE_USER (groups $group_list)"
  account_tool useradd --system --user-group --home-dir /var/lib/wardgate --no-create-home \
    --shell /usr/sbin/nologin --comment "wardgate gateway" --groups "$group_list" "$SERVICE_USER"
fi
uid="$(uid_of "$SERVICE_USER")"
gid="$(gid_of "$SERVICE_USER")"
[[ -n "$uid" && -n "$gid" ]] || die "could not resolve uid/gid of $SERVICE_USER"

# --- layout: move today's flat /opt/wardgate into releases/<version> --------------------------------------------
if [[ -f "$PREFIX/dist/gateway/cli.js" && ! -L "$PREFIX/current" ]]; then
  old="$(json_field "$PREFIX/package.json" version)"
  old="${old:-0.0.0-unknown}"
  log "moving the existing install (flat $PREFIX, version $old) to $RELEASES/$old"
  mkdir -p "$RELEASES/$old"
  for entry in "$PREFIX"/* "$PREFIX"/.[!.]*; do
    [[ -e "$entry" && "$entry" != "$RELEASES" ]] || continue
    mv "$entry" "$RELEASES/$old/"
  done
  point current "$old"
  # Its own unit runs /opt/wardgate/dist, which has just moved: the new unit runs it through `current`, so the
  # old release still starts (e.g. after a reboot) even if this install stops half-way.
  if [[ "$MODE" != rollback && -f "$SOURCE/systemd/wardgate.service" ]]; then
    mkdir -p "$UNIT_DIR"
    install -m 0644 -o 0 -g 0 "$SOURCE/systemd/wardgate.service" "$UNIT_DIR/wardgate.service"
    if [[ "$SYSTEMCTL" == yes && -z "$ROOT" && -d /run/systemd/system ]]; then systemctl daemon-reload; fi
  fi
fi
PREVIOUS="$(release_of current)"

# --- rollback on request ---------------------------------------------------------------------------------------
if [[ "$MODE" == rollback ]]; then
  back="$(release_of previous)"
  [[ -n "$back" && -d "$RELEASES/$back" ]] || die "no previous release to roll back to (releases: $(ls "$RELEASES" 2>/dev/null | tr '\n' ' '))"
  log "rolling back from $PREVIOUS to $back"
  if [[ "$CAN_RUN" == yes ]]; then svc stop || true; fi
  point current "$back"
  point previous "$PREVIOUS"
  install_unit "$back"
  if [[ "$CAN_RUN" == yes ]]; then start_and_wait "$back" || die "$back did not become ready either: see journalctl -u wardgate"; fi
  log "done: running $back"
  exit 0
fi
if [[ "$MODE" == upgrade && -z "$PREVIOUS" ]]; then die "--upgrade: nothing is installed in $PREFIX yet (run without --upgrade)"; fi

# --- 2. the release --------------------------------------------------------------------------------------------
mkdir -p "$RELEASES"
stage="$RELEASES/.$VERSION.new"
rm -rf "$stage"
mkdir -p "$stage"
for entry in dist config systemd scripts docs package.json package-lock.json README.md SHA256SUMS BUNDLE.json; do
  if [[ -e "$SOURCE/$entry" ]]; then cp -a "$SOURCE/$entry" "$stage/"; fi
done
case "$DEPS" in
  bundle)
    cp -a "$SOURCE/node_modules" "$stage/node_modules" ;;
  npm)
    [[ -f "$stage/package-lock.json" ]] || die "--deps npm needs package-lock.json"
    log "npm ci --omit=dev in $stage (downloads or builds better-sqlite3 and serialport; minutes on a Pi)"
    (cd "$stage" && npm ci --omit=dev --no-audit --no-fund) || die "npm ci failed: check network access to the npm registry, or use an offline bundle" ;;
  none) log "not installing node_modules (--deps none)" ;;
esac
chown -R 0:0 "$stage"
chmod -R u=rwX,go=rX "$stage"

# --- 3. config (never overwritten) and 4. state -------------------------------------------------------------------
mkdir -p "$CONF_DIR"
chown 0:"$gid" "$CONF_DIR"
chmod 0750 "$CONF_DIR"
if [[ -e "$CONFIG" ]]; then
  log "keeping existing $CONFIG (the shipped default is $PREFIX/current/config/default.yaml)"
else
  install -m 0640 -o 0 -g "$gid" "$SOURCE/config/default.yaml" "$CONFIG"
  log "wrote $CONFIG from the commented default: edit it (examples in $PREFIX/current/config/examples/), then restart"
fi
if [[ ! -d "$DATA_DIR" ]]; then install -d -m 0750 -o "$uid" -g "$gid" "$DATA_DIR"; fi
# The CLI on PATH (wardgate --version, config check, sync check), always the current release.
mkdir -p "$ROOT/usr/local/bin"
printf '#!/bin/sh\n# Installed by wardgate install.sh: runs the current release.\nexec /usr/bin/node /opt/wardgate/current/dist/gateway/cli.js "$@"\n' >"$ROOT/usr/local/bin/wardgate"
chmod 0755 "$ROOT/usr/local/bin/wardgate"
mkdir -p "$UDEV_DIR"
if [[ ! -e "$UDEV_DIR/99-wardgate-serial.rules" ]]; then
  install -m 0644 -o 0 -g 0 "$SOURCE/systemd/99-wardgate-serial.rules" "$UDEV_DIR/99-wardgate-serial.rules"
  if [[ -z "$ROOT" ]] && command -v udevadm >/dev/null && [[ -d /run/udev ]]; then
    udevadm control --reload && udevadm trigger --subsystem-match=tty --subsystem-match=gpio || true
  fi
fi

# --- 6a. backups before anything runs the new release's migrations ---------------------------------------------
backup_dir=""
if [[ -n "$PREVIOUS" && "$PREVIOUS" != "$VERSION" ]]; then
  backup_dir="$DATA_DIR/backups/$(date -u +%Y%m%dT%H%M%SZ)-$PREVIOUS-to-$VERSION"
  install -d -m 0750 -o "$uid" -g "$gid" "$DATA_DIR/backups" "$backup_dir"
  cp -p "$CONFIG" "$backup_dir/wardgate.yaml"
  helper_release="$stage"
  [[ -d "$stage/node_modules/better-sqlite3" ]] || helper_release="$RELEASES/$PREVIOUS"
  if [[ -f "$DATA_DIR/wardgate.db" ]]; then
    [[ -d "$helper_release/node_modules/better-sqlite3" ]] || die "cannot back up the database: no better-sqlite3 in the new or the current release"
    # The helper runs from the staged release but may need the current release's modules.
    set +e
    WARDGATE_MODULES="$helper_release" "$NODE" "$stage/scripts/installer/db-backup.mjs" "$DATA_DIR/wardgate.db" "$backup_dir/wardgate.db"
    rc=$?
    set -e
    [[ $rc -eq 0 ]] || die "database backup failed (exit $rc); nothing was changed"
  fi
  log "backed up config and database to $backup_dir"
  # Keep the last 5 backups.
  ls -1d "$DATA_DIR"/backups/*/ 2>/dev/null | sort | head -n -5 | xargs -r rm -rf
fi

# --- 6b. switch ---------------------------------------------------------------------------------------------------
if [[ "$CAN_RUN" == yes && -n "$PREVIOUS" ]]; then
  svc stop || true
fi
if [[ "$PREVIOUS" == "$VERSION" ]]; then
  log "reinstalling $VERSION in place"
  rm -rf "$RELEASES/.$VERSION.old"
  mv "$RELEASES/$VERSION" "$RELEASES/.$VERSION.old"
  mv "$stage" "$RELEASES/$VERSION"
  rm -rf "$RELEASES/.$VERSION.old"
else
  rm -rf "${RELEASES:?}/$VERSION"
  mv "$stage" "$RELEASES/$VERSION"
  if [[ -n "$PREVIOUS" ]]; then point previous "$PREVIOUS"; fi
fi
point current "$VERSION"
install_unit "$VERSION"
log "installed $VERSION to $RELEASES/$VERSION (current)${PREVIOUS:+; previous: $PREVIOUS}"

# Old releases beyond the last $KEEP_RELEASES, never current or previous.
keep_prev="$(release_of previous)"
for r in $(ls -1t "$RELEASES" | tail -n +$((KEEP_RELEASES + 1))); do
  [[ "$r" == "$VERSION" || "$r" == "$keep_prev" ]] || rm -rf "${RELEASES:?}/$r"
done

if [[ "$CAN_RUN" != yes ]]; then
  if [[ "$SYSTEMCTL" == no ]]; then log "skipping systemctl (--no-systemctl)"
  else log "systemd is not running here: the unit is enabled and starts on boot"; fi
  log "done"
  exit 0
fi

# --- 6c. start, wait, roll back on failure ------------------------------------------------------------------------
if start_and_wait "$VERSION"; then
  log "done: running $VERSION. Status: systemctl status wardgate; logs: journalctl -u wardgate -f"
  exit 0
fi
if [[ -z "$PREVIOUS" || "$PREVIOUS" == "$VERSION" ]]; then
  die "$VERSION did not become ready and there is no other release to go back to: see journalctl -u wardgate"
fi
log "ROLLING BACK to $PREVIOUS: $VERSION was not ready within ${READY_TIMEOUT}s"
svc stop || true
point current "$PREVIOUS"
point previous "$VERSION"
install_unit "$PREVIOUS"
if [[ -n "$backup_dir" ]] && ! cmp -s "$backup_dir/wardgate.yaml" "$CONFIG"; then
  cp -p "$CONFIG" "$CONFIG.rejected-$VERSION"
  cp -p "$backup_dir/wardgate.yaml" "$CONFIG"
  log "restored the config from before the upgrade (the other one is $CONFIG.rejected-$VERSION)"
fi
if start_and_wait "$PREVIOUS"; then
  echo "wardgate-install: error: upgrade to $VERSION failed; rolled back to $PREVIOUS, which is running on the same store (nothing written meanwhile is lost). Backup for disaster recovery: $backup_dir" >&2
  exit 4
fi
die "upgrade to $VERSION failed and $PREVIOUS did not become ready either: see journalctl -u wardgate; database backup in $backup_dir"
