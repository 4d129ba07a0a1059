#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What ospreyd costs while nothing is connected (not part of the test suite;
# run by hand, as any user; no network, no root needed):
#
#   tests/bench/idle.sh build/daemon/ospreyd [OSPREY]
#
# Starts a private system-like dbus-daemon (the project's bus policy, as in
# tests/dbus/test-ospreyd.py) and the real ospreyd on it with temporary
# profiles and secrets directories and the test authorization backend,
# imports one profile with the command line (OSPREY, default the build's
# cli/osprey next to OSPREYD), lets it settle for IDLE_SETTLE seconds, then
# measures over IDLE_SECS seconds (default 60):
#
#   - VmRSS and VmHWM (/proc/PID/status)
#   - voluntary and involuntary context switches of every thread
#     (/proc/PID/task/*/status), undisturbed;
#   - then, over another IDLE_SECS, every system call of every thread
#     (strace -f -c -p PID).  Attaching and detaching interrupt each
#     thread's blocking poll() once; those restarts are not wakeups and
#     are subtracted (restart_syscall).
#
# The target is zero periodic wakeups: no context switch and no system
# call while nobody calls ospreyd.  Anything else is listed by thread and
# system call.  Every process started here is stopped by PID at the end.
set -u

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 OSPREYD [OSPREY]" >&2
  exit 2
fi
OSPREYD=$(readlink -f "$1")
OSPREY=${2:-$(dirname "$OSPREYD")/../cli/osprey}
OSPREY=$(readlink -f "$OSPREY")
if [ ! -x "$OSPREY" ]; then
  echo "$0: no osprey command line at $OSPREY (pass it as second argument)" >&2
  exit 2
fi
IDLE_SECS=${IDLE_SECS:-60}
IDLE_SETTLE=${IDLE_SETTLE:-5}
case $IDLE_SECS$IDLE_SETTLE in
  '' | *[!0-9]*) echo "$0: IDLE_SECS and IDLE_SETTLE must be numbers" >&2; exit 2 ;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
for tool in dbus-daemon strace; do
  command -v $tool >/dev/null || { echo "$0: $tool is needed" >&2; exit 2; }
done

TMP=$(mktemp -d /tmp/osprey-idle.XXXXXX)
chmod 755 "$TMP"
BUS_PID=
DAEMON_PID=
STRACE_PID=
cleanup()
{
  [ -n "$STRACE_PID" ] && kill -INT "$STRACE_PID" 2>/dev/null && wait "$STRACE_PID" 2>/dev/null
  if [ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null; then
    for _ in $(seq 100); do
      kill -0 "$DAEMON_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$DAEMON_PID" 2>/dev/null
    wait "$DAEMON_PID" 2>/dev/null
  fi
  if [ -n "$BUS_PID" ]; then
    kill -TERM "$BUS_PID" 2>/dev/null
    wait "$BUS_PID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SOCKET=$TMP/bus
ADDRESS=unix:path=$SOCKET
USER_POLICY=
if [ "$(id -u)" != 0 ]; then
  # the daemon runs as this user: let it stand in for root in the policy
  USER_POLICY="<policy user=\"$(id -un)\">
    <allow own=\"net.ospreyvpn.Osprey1\"/>
    <allow send_destination=\"net.ospreyvpn.Osprey1\"/>
    <allow send_interface=\"net.ospreyvpn.Osprey1.Agent\"/>
  </policy>"
fi
conf=$(<"$SRC/tests/data/system-like-bus.conf.in")
conf=${conf//@LISTEN@/$ADDRESS}
conf=${conf//@POLICY@/$SRC/data/net.ospreyvpn.Osprey1.conf}
conf=${conf//@EXTRA@/$USER_POLICY}
printf '%s\n' "$conf" >"$TMP/bus.conf"
echo '* * yes' >"$TMP/rules"

dbus-daemon --config-file="$TMP/bus.conf" --nofork --print-address=1 \
  >"$TMP/bus.address" 2>"$TMP/bus.log" &
BUS_PID=$!
for _ in $(seq 100); do
  [ -s "$TMP/bus.address" ] && break
  sleep 0.05
done
[ -s "$TMP/bus.address" ] || { echo "$0: dbus-daemon did not start" >&2; cat "$TMP/bus.log" >&2; exit 1; }
chmod 777 "$SOCKET"

OSPREY_STATE_DIR=$TMP/state "$OSPREYD" --bus-address "$ADDRESS" --profiles-dir "$TMP/profiles" \
  --secrets-dir "$TMP/secrets" --test-authz "$TMP/rules" >"$TMP/ospreyd.log" 2>&1 &
DAEMON_PID=$!
osprey()
{
  LC_ALL=C "$OSPREY" --bus-address "$ADDRESS" "$@"
}
up=
for _ in $(seq 100); do
  if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
    echo "$0: ospreyd exited:" >&2
    cat "$TMP/ospreyd.log" >&2
    DAEMON_PID=
    exit 1
  fi
  if grep -q "serving net.ospreyvpn.Osprey1" "$TMP/ospreyd.log"; then
    up=1
    break
  fi
  sleep 0.05
done
[ -n "$up" ] || { echo "$0: ospreyd did not take its name" >&2; cat "$TMP/ospreyd.log" >&2; exit 1; }
osprey import "$SRC/tests/data/profiles/vpnc-basic.conf" --name idle >/dev/null || exit 1
osprey list >/dev/null || exit 1

sleep "$IDLE_SETTLE"

status_kb()
{
  awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DAEMON_PID/status"
}
# per thread: "TID NAME VOLUNTARY NONVOLUNTARY"
thread_switches()
{
  local t
  for t in /proc/"$DAEMON_PID"/task/*; do
    awk -v tid="${t##*/}" '
      $1 == "Name:" { name = $2 }
      $1 == "voluntary_ctxt_switches:" { v = $2 }
      $1 == "nonvoluntary_ctxt_switches:" { n = $2 }
      END { print tid, name, v, n }' "$t/status"
  done | sort -n
}

# 1. context switches, nothing attached
thread_switches >"$TMP/ctxt.before"
sleep "$IDLE_SECS"
thread_switches >"$TMP/ctxt.after"
kill -0 "$DAEMON_PID" 2>/dev/null || { echo "$0: ospreyd died" >&2; cat "$TMP/ospreyd.log" >&2; exit 1; }
RSS=$(status_kb VmRSS)
HWM=$(status_kb VmHWM)
THREADS=$(status_kb Threads)
# threads that came or went count with what they did
CTXT_DETAIL=$(join -a1 -a2 -e0 -o 0,1.2,2.2,1.3,2.3,1.4,2.4 "$TMP/ctxt.before" "$TMP/ctxt.after" |
  awk '{ name = ($2 != "0") ? $2 : $3; d = ($5 - $4) + ($7 - $6)
         if (d) printf "  thread %s (%s): %d voluntary, %d involuntary\n", $1, name, $5 - $4, $7 - $6
         total += d }
       END { print total + 0 > "/dev/stderr" }' 2>"$TMP/ctxt.total")
CTXT=$(cat "$TMP/ctxt.total")
CTXT_MIN=$(awk -v c="$CTXT" -v s="$IDLE_SECS" 'BEGIN { printf "%.1f", c * 60 / s }')

# 2. system calls, every thread, strace attached
strace -f -c -q -o "$TMP/strace.out" -p "$DAEMON_PID" &
STRACE_PID=$!
sleep "$IDLE_SECS"
kill -INT "$STRACE_PID" 2>/dev/null
wait "$STRACE_PID" 2>/dev/null
STRACE_PID=
# the summary: "% time seconds usecs/call calls errors syscall", then "total"
SYSCALLS=$(awk '$NF == "total" && $4 ~ /^[0-9]+$/ { print $4 }' "$TMP/strace.out")
RESTARTS=$(awk '$NF == "restart_syscall" && $4 ~ /^[0-9]+$/ { print $4 }' "$TMP/strace.out")
SYSCALLS=${SYSCALLS:-0}
RESTARTS=${RESTARTS:-0}
WAKEUP_CALLS=$((SYSCALLS - RESTARTS))

mb()
{
  awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}
echo "ospreyd idle: RSS $(mb "$RSS") MB, HWM $(mb "$HWM") MB," \
  "syscalls in ${IDLE_SECS} s: $WAKEUP_CALLS, context switches per minute: $CTXT_MIN"
echo "  ($THREADS threads; strace counted $SYSCALLS calls, $RESTARTS of them restart_syscall" \
  "after its own attach/detach)"
if [ "$CTXT" != 0 ]; then
  echo "context switches in ${IDLE_SECS} s, by thread:"
  echo "$CTXT_DETAIL"
fi
if [ "$WAKEUP_CALLS" != 0 ]; then
  echo "system calls in ${IDLE_SECS} s:"
  sed -n '/^%/,$p' "$TMP/strace.out"
fi
