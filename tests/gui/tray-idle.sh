#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What osprey-tray costs while nothing is shown (a benchmark, run by hand as
# root; not part of the test suite):
#
#   tests/gui/tray-idle.sh OSPREYD OSPREY OSPREY-TRAY
#
# The lab's ospreyd on its system-like bus with one profile, the private
# desktop of tests/gui/desktop.sh with trayer, osprey-tray in it; after
# IDLE_SETTLE seconds (default 5) it counts, over IDLE_SECS (default 60),
# the voluntary and involuntary context switches of every thread of the
# tray (/proc/PID/task/*/status) and reads its VmRSS.  Then the same with
# the profile connected (the daemon signals Stats every 2 s while traffic
# flows; here none flows).  The target is zero wakeups while nothing is
# shown.  Prints the figures; exits 0 unless something did not start.
set -u

OSPREYD=$(readlink -f "$1")
OSPREY=$(readlink -f "$2")
TRAY=$(readlink -f "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
: "${IDLE_SETTLE:=5}"
: "${IDLE_SECS:=60}"
. "$HERE/../lab/lab.sh"
. "$HERE/../lab/lab-ospreyd.sh"
. "$HERE/desktop.sh"

TRAY_PID=
cleanup()
{
  [ -n "$TRAY_PID" ] && kill "$TRAY_PID" 2>/dev/null && wait "$TRAY_PID" 2>/dev/null
  desktop_stop
  [ -n "$LAB_OSPREYD_PID" ] && kill "$LAB_OSPREYD_PID" 2>/dev/null && wait "$LAB_OSPREYD_PID" 2>/dev/null
  [ -n "$LAB_BUS_PID" ] && kill "$LAB_BUS_PID" 2>/dev/null && wait "$LAB_BUS_PID" 2>/dev/null
  lab_check_host_resolv
  lab_down
}
trap cleanup EXIT

switches()
{
  cat /proc/"$TRAY_PID"/task/*/status 2>/dev/null |
    awk '$1 ~ /ctxt_switches:$/ { n += $2 } END { print n + 0 }'
}

measure()
{
  local before after
  sleep "$IDLE_SETTLE"
  before=$(switches)
  sleep "$IDLE_SECS"
  after=$(switches)
  echo "[tray-idle] $1: $((after - before)) context switches in ${IDLE_SECS} s" \
    "($(awk -v d=$((after - before)) -v s="$IDLE_SECS" 'BEGIN { printf "%.1f", d * 60 / s }')/min)," \
    "VmRSS $(awk '$1 == "VmRSS:" { print $2, $3 }' /proc/"$TRAY_PID"/status)," \
    "$(ls /proc/"$TRAY_PID"/task | wc -l) threads"
}

lab_up >/dev/null || exit $?
lab_bus_start || exit 1
lab_ospreyd_start "$OSPREYD" "$OSPREY" || exit 1
lab_write_vpnc_conf "$LAB_DIR/lab.conf"
"$OSPREY" import "$LAB_DIR/lab.conf" --name lab >/dev/null || exit 1
desktop_start "$LAB_DIR/desktop" || exit 1
desktop_tray
"$TRAY" >"$LAB_DIR/desktop/tray.log" 2>&1 &
TRAY_PID=$!
measure "idle, one profile, menu closed"
"$OSPREY" connect lab --timeout 60 >/dev/null || exit 1
measure "one connection up, no traffic, menu closed"
"$OSPREY" disconnect lab >/dev/null
