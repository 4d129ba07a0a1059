#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The real ospreyd in the lab, for the tests that drive it through a front
# end (tests/cli/osprey-cli-lab.sh, tests/gui/tray-lab.sh).  Source after
# tests/lab/lab.sh and lab_up:
#
#   lab_bus_start                   a system-like dbus-daemon with the project's
#                                   policy at $LAB_DIR/bus/socket; exports
#                                   OSPREY_BUS_ADDRESS; sets LAB_BUS_PID
#   lab_ospreyd_start OSPREYD OSPREY  ospreyd in the client namespace on that bus
#                                   (profiles, secrets, state and authorization
#                                   rules in $LAB_DIR, log $LAB_DIR/ospreyd.log);
#                                   sets LAB_OSPREYD_PID; returns once `OSPREY list`
#                                   answers, 1 if it does not
#
# The caller ends both by PID (kill "$LAB_OSPREYD_PID"; kill "$LAB_BUS_PID").

LAB_BUS_PID=
LAB_OSPREYD_PID=

lab_bus_start()
{
  local dir=$LAB_DIR/bus i conf
  mkdir -p "$dir"
  conf=$(<"$(dirname "${BASH_SOURCE[0]}")/../data/system-like-bus.conf.in")
  conf=${conf//@LISTEN@/unix:path=$dir/socket}
  conf=${conf//@POLICY@/$(cd "$(dirname "${BASH_SOURCE[0]}")/../../data" && pwd)/net.ospreyvpn.Osprey1.conf}
  conf=${conf//@EXTRA@/}
  printf '%s\n' "$conf" >"$dir/bus.conf"
  dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile >/dev/null 2>&1 &
  LAB_BUS_PID=$!
  for i in $(seq 100); do
    [ -S "$dir/socket" ] && break
    sleep 0.05
  done
  [ -S "$dir/socket" ] || return 1
  export OSPREY_BUS_ADDRESS="unix:path=$dir/socket"
}

lab_ospreyd_start()
{
  local ospreyd=$1 osprey=$2 i rc
  mkdir -p "$LAB_DIR/profiles" "$LAB_DIR/secrets"
  echo "* * yes" >"$LAB_DIR/rules"
  export OSPREY_STATE_DIR=$LAB_DIR # what worked before: per test, not the host's
  lab_spawn_client "$LAB_DIR/ospreyd.log" "$ospreyd" -v --bus-address "$OSPREY_BUS_ADDRESS" \
    --profiles-dir "$LAB_DIR/profiles" --secrets-dir "$LAB_DIR/secrets" \
    --test-authz "$LAB_DIR/rules"
  LAB_OSPREYD_PID=$LAB_SPAWN_PID
  for i in $(seq 100); do
    "$osprey" -q list >/dev/null 2>&1
    rc=$?
    [ $rc != 4 ] && break
    sleep 0.1
  done
  [ $rc = 0 ]
}
