#!/usr/bin/env bash
# Remove wardgate installed by systemd/install.sh.
#
#   sudo ./systemd/uninstall.sh            # stops and removes the service and /opt/wardgate;
#                                          # keeps /etc/wardgate (config) and /var/lib/wardgate (data, backups)
#   sudo ./systemd/uninstall.sh --purge    # also deletes config, data and the wardgate user and group
#   ./systemd/uninstall.sh --root /tmp/r --no-systemctl   # in a throwaway root
#
# Idempotent: removing what is already gone is not an error. The groups dialout, gpio and bluetooth are kept
# (other software uses them). Exit codes: 0 done, 1 failed, 2 bad usage.
set -euo pipefail

ROOT="${DESTDIR:-}"
PURGE=no
SYSTEMCTL=yes
while [[ $# -gt 0 ]]; do
  case "$1" in
    --root) ROOT="${2:?--root needs a directory}"; shift 2 ;;
    --root=*) ROOT="${1#--root=}"; shift ;;
    --purge) PURGE=yes; shift ;;
    --no-systemctl) SYSTEMCTL=no; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "uninstall.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [[ -n "$ROOT" ]]; then
  [[ -d "$ROOT" ]] || { echo "uninstall.sh: no such root: $ROOT" >&2; exit 2; }
  ROOT="$(cd "$ROOT" && pwd)"
  if [[ "$ROOT" == / ]]; then ROOT=""; fi
fi

log() { echo "wardgate-uninstall: $*"; }
[[ "$(id -u)" -eq 0 ]] || { echo "wardgate-uninstall: error: run as root (sudo)" >&2; exit 1; }
account_tool() {
  local tool="$1"; shift
  if [[ -n "$ROOT" ]]; then "$tool" --prefix "$ROOT" "$@"; else "$tool" "$@"; fi
}

UNIT="$ROOT/etc/systemd/system/wardgate.service"
if [[ "$SYSTEMCTL" == no ]]; then
  log "skipping systemctl (--no-systemctl)"
elif [[ -n "$ROOT" ]]; then
  if [[ -e "$UNIT" ]]; then systemctl --root="$ROOT" disable wardgate.service; fi
else
  if systemctl cat wardgate.service >/dev/null 2>&1; then
    systemctl disable --now wardgate.service
  fi
fi
rm -f "$UNIT" "$ROOT/etc/systemd/system/multi-user.target.wants/wardgate.service"
rm -rf "$ROOT/etc/systemd/system/wardgate.service.d"
rm -f "$ROOT/etc/udev/rules.d/99-wardgate-serial.rules"
rm -rf "$ROOT/opt/wardgate" "$ROOT/opt/wardgate.new" "$ROOT/opt/wardgate.old"
rm -f "$ROOT/usr/local/bin/wardgate"
log "removed the service, /usr/local/bin/wardgate and /opt/wardgate (every release)"
if [[ "$SYSTEMCTL" == yes && -z "$ROOT" ]]; then
  systemctl daemon-reload
  systemctl reset-failed wardgate.service 2>/dev/null || true
fi

if [[ "$PURGE" == yes ]]; then
  rm -rf "$ROOT/etc/wardgate" "$ROOT/var/lib/wardgate"
  if grep -q '^wardgate:' "$ROOT/etc/passwd"; then account_tool userdel wardgate; fi
  if grep -q '^wardgate:' "$ROOT/etc/group"; then account_tool groupdel wardgate; fi
  log "purged /etc/wardgate, /var/lib/wardgate and the wardgate user"
else
  log "kept /etc/wardgate and /var/lib/wardgate (use --purge to delete them)"
fi
log "done"
