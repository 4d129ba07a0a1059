#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# nm-osprey-service holds group secrets, passwords and keys like ospreyd:
# it must not be dumpable (no core file, no ptrace or /proc/PID/mem by the
# same user).  The files in /proc/PID of a
# non-dumpable process belong to root:root whatever its ids, so the service
# is started with another group and the owner of /proc/PID/status is
# looked at.  Its "system bus" is a private dbus-daemon.  Root only
# (setpriv --regid); TAP output.
#
#   service-hardened.sh NM-OSPREY-SERVICE
set -u
service=${1:?usage: service-hardened.sh NM-OSPREY-SERVICE}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../unit/tap.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
  echo "1..0 # SKIP needs root and setpriv (to start the service with another group)"
  exit 77
fi

bus_pid=
svc_pid=
stop()
{
  local pid=$1 _
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 30); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
}
cleanup()
{
  [ -n "$svc_pid" ] && stop "$svc_pid"
  [ -n "$bus_pid" ] && stop "$bus_pid"
  rm -f "$pidfile"
}
pidfile=$(mktemp)
trap cleanup EXIT

address=$(dbus-daemon --session --fork --print-address=1 --print-pid=3 3>"$pidfile")
bus_pid=$(cat "$pidfile")
[ -n "$address" ] && [ -n "$bus_pid" ] || { result fail "private bus started"; tap_end; exit 1; }

name=org.freedesktop.NetworkManager.osprey.hardened$$
DBUS_SYSTEM_BUS_ADDRESS=$address setpriv --regid=65534 --clear-groups \
  "$service" --persist --bus-name "$name" &
svc_pid=$!

# started (past main's first lines) once it owns its name on the bus
owner=
for _ in $(seq 100); do
  if dbus-send --bus="$address" --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:"$name" 2>/dev/null | grep -q 'boolean true'; then
    grep -qE '^Gid:\s+65534\s' "/proc/$svc_pid/status" && owner=$(stat -c %u:%g "/proc/$svc_pid/status")
    break
  fi
  sleep 0.1
done
if [ -z "$owner" ]; then
  result fail "nm-osprey-service runs with group 65534"
else
  result ok "nm-osprey-service runs with group 65534"
  if [ "$owner" = 0:0 ]; then
    result ok "not dumpable: /proc/PID/status owned by root:root"
  else
    result fail "dumpable: /proc/PID/status owned by $owner"
  fi
fi

tap_end
