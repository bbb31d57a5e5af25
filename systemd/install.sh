#!/usr/bin/env bash
# Install or upgrade wardgate on a Raspberry Pi (Debian 12 / Raspberry Pi OS bookworm) as a systemd service.
#
#   sudo ./systemd/install.sh                      # from an unpacked release (dist/ and production node_modules/)
#   sudo ./systemd/install.sh --deps npm           # run `npm ci --omit=dev` in /opt/wardgate instead of copying
#   ./systemd/install.sh --root /tmp/r --no-systemctl   # into a throwaway root (tests, image builds)
#
# What it does (each step is idempotent; running it again upgrades the code and keeps config and data):
#   1. system groups dialout, gpio, bluetooth (created if missing) and the system user `wardgate` in them;
#   2. the package into /opt/wardgate (staged in /opt/wardgate.new, then swapped in);
#   3. /etc/wardgate/wardgate.yaml from config/default.yaml, only if there is none (root:wardgate 0640);
#   4. /var/lib/wardgate (wardgate:wardgate 0750), never touched when it exists;
#   5. the unit /etc/systemd/system/wardgate.service and udev rules /etc/udev/rules.d/99-wardgate-serial.rules
#      (the rules file only if absent: it holds the site's device symlinks);
#   6. systemctl daemon-reload, enable --now, and restart when it was already running (an upgrade).
#      With --root, only `systemctl --root=DIR enable` (works offline); with --no-systemctl, nothing.
# Exit codes: 0 done, 1 failed, 2 bad usage.
set -euo pipefail

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  echo "Options: --root DIR (or DESTDIR=DIR)  --source DIR  --deps auto|copy|npm|none  --no-systemctl  -h"
}

ROOT="${DESTDIR:-}"
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS=auto
SYSTEMCTL=yes
while [[ $# -gt 0 ]]; do
  case "$1" in
    --root) ROOT="${2:?--root needs a directory}"; shift 2 ;;
    --root=*) ROOT="${1#--root=}"; shift ;;
    --source) SOURCE="${2:?--source needs a directory}"; shift 2 ;;
    --source=*) SOURCE="${1#--source=}"; shift ;;
    --deps) DEPS="${2:?--deps needs a value}"; shift 2 ;;
    --deps=*) DEPS="${1#--deps=}"; shift ;;
    --no-systemctl) SYSTEMCTL=no; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$DEPS" in auto|copy|npm|none) ;; *) echo "install.sh: --deps must be auto, copy, npm or none" >&2; exit 2 ;; esac
if [[ -n "$ROOT" ]]; then
  mkdir -p "$ROOT"
  ROOT="$(cd "$ROOT" && pwd)"
  if [[ "$ROOT" == / ]]; then ROOT=""; fi
fi

SERVICE_USER=wardgate
GROUPS_WANTED=(dialout gpio bluetooth)
PREFIX="$ROOT/opt/wardgate"
CONF_DIR="$ROOT/etc/wardgate"
DATA_DIR="$ROOT/var/lib/wardgate"
UNIT_DIR="$ROOT/etc/systemd/system"
UDEV_DIR="$ROOT/etc/udev/rules.d"

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

# --- preflight -------------------------------------------------------------------------------------------------
[[ "$(id -u)" -eq 0 ]] || die "run as root (sudo)"
[[ -f "$SOURCE/dist/gateway/cli.js" ]] || die "$SOURCE/dist/gateway/cli.js missing: run 'npm run build' first"
[[ -f "$SOURCE/package.json" ]] || die "$SOURCE/package.json missing"
[[ -f "$SOURCE/config/default.yaml" ]] || die "$SOURCE/config/default.yaml missing"
[[ -f "$SOURCE/systemd/wardgate.service" ]] || die "$SOURCE/systemd/wardgate.service missing"
[[ -f "$ROOT/etc/passwd" && -f "$ROOT/etc/group" ]] || die "$ROOT/etc/passwd or group missing"
if [[ -z "$ROOT" ]]; then
  # The unit runs /usr/bin/node; Node 20 or newer is required.
  [[ -x /usr/bin/node ]] || die "/usr/bin/node not found: install Node.js 20 (e.g. the NodeSource nodejs package)"
  node_major="$(/usr/bin/node -p 'process.versions.node.split(".")[0]')"
  [[ "$node_major" -ge 20 ]] || die "Node.js $node_major at /usr/bin/node; wardgate needs 20 or newer"
fi

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

# --- 2. package ------------------------------------------------------------------------------------------------
stage="$PREFIX.new"
rm -rf "$stage"
mkdir -p "$stage/config" "$stage/docs" "$stage/systemd"
cp -a "$SOURCE/dist" "$stage/dist"
cp "$SOURCE/package.json" "$stage/"
if [[ -f "$SOURCE/package-lock.json" ]]; then cp "$SOURCE/package-lock.json" "$stage/"; fi
cp "$SOURCE/config/default.yaml" "$stage/config/default.yaml"
cp "$SOURCE/systemd/wardgate.service" "$SOURCE/systemd/99-wardgate-serial.rules" "$stage/systemd/"
if [[ -f "$SOURCE/docs/operations.md" ]]; then cp "$SOURCE/docs/operations.md" "$stage/docs/"; fi
if [[ "$DEPS" == auto ]]; then
  if [[ -d "$SOURCE/node_modules" ]]; then DEPS=copy; else DEPS=npm; fi
fi
case "$DEPS" in
  copy)
    [[ -d "$SOURCE/node_modules" ]] || die "--deps copy but $SOURCE/node_modules is missing"
    cp -a "$SOURCE/node_modules" "$stage/node_modules" ;;
  npm)
    [[ -f "$stage/package-lock.json" ]] || die "--deps npm needs package-lock.json"
    log "npm ci --omit=dev in $stage (builds better-sqlite3; a few minutes on a Pi)"
    (cd "$stage" && npm ci --omit=dev --no-audit --no-fund) ;;
  none) log "not installing node_modules (--deps none)" ;;
esac
chown -R 0:0 "$stage"
chmod -R u=rwX,go=rX "$stage"
if [[ -d "$PREFIX" ]]; then
  rm -rf "$PREFIX.old"
  mv "$PREFIX" "$PREFIX.old"
fi
mv "$stage" "$PREFIX"
rm -rf "$PREFIX.old"
log "installed package to ${PREFIX}"

# --- 3. config (never overwritten) -----------------------------------------------------------------------------
mkdir -p "$CONF_DIR"
chown 0:"$gid" "$CONF_DIR"
chmod 0750 "$CONF_DIR"
if [[ -e "$CONF_DIR/wardgate.yaml" ]]; then
  log "keeping existing $CONF_DIR/wardgate.yaml (the shipped default is $PREFIX/config/default.yaml)"
else
  install -m 0640 -o 0 -g "$gid" "$SOURCE/config/default.yaml" "$CONF_DIR/wardgate.yaml"
  log "wrote $CONF_DIR/wardgate.yaml from the commented default: edit it, then: systemctl restart wardgate"
fi

# --- 4. state --------------------------------------------------------------------------------------------------
if [[ ! -d "$DATA_DIR" ]]; then
  install -d -m 0750 -o "$uid" -g "$gid" "$DATA_DIR"
fi

# --- 5. unit and udev rules ------------------------------------------------------------------------------------
mkdir -p "$UNIT_DIR" "$UDEV_DIR"
install -m 0644 -o 0 -g 0 "$SOURCE/systemd/wardgate.service" "$UNIT_DIR/wardgate.service"
if [[ ! -e "$UDEV_DIR/99-wardgate-serial.rules" ]]; then
  install -m 0644 -o 0 -g 0 "$SOURCE/systemd/99-wardgate-serial.rules" "$UDEV_DIR/99-wardgate-serial.rules"
fi

# --- 6. systemd ------------------------------------------------------------------------------------------------
if [[ "$SYSTEMCTL" == no ]]; then
  log "skipping systemctl (--no-systemctl)"
elif [[ -n "$ROOT" ]]; then
  systemctl --root="$ROOT" enable wardgate.service
else
  if command -v udevadm >/dev/null; then udevadm control --reload && udevadm trigger --subsystem-match=tty --subsystem-match=gpio || true; fi
  was_active=no
  systemctl is-active --quiet wardgate.service && was_active=yes
  systemctl daemon-reload
  systemctl enable --now wardgate.service
  if [[ "$was_active" == yes ]]; then
    log "restarting the running service to load the new version"
    systemctl restart wardgate.service
  fi
  log "status: systemctl status wardgate; logs: journalctl -u wardgate -f"
fi
log "done"
