#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The real ospreyd in the lab, for the tests that drive it through a front
# end (tests/cli/osprey-cli-lab.sh, tests/gui/tray-lab.sh).  Source after
# tests/lab/lab.sh and lab_up:
#
#   lab_bus_start [--activation]    a system-like dbus-daemon with the project's
#                                   policy at $LAB_DIR/bus/socket; exports
#                                   OSPREY_BUS_ADDRESS; sets LAB_BUS_PID;
#                                   --activation: it reads .service files in
#                                   $LAB_DIR/bus/services
#   lab_ospreyd_start OSPREYD OSPREY  ospreyd in the client namespace on that bus
#                                   (profiles, secrets, state and authorization
#                                   rules in $LAB_DIR, log $LAB_DIR/ospreyd.log);
#                                   sets LAB_OSPREYD_PID; returns once `OSPREY list`
#                                   answers, 1 if it does not
#   lab_ospreyd_service OSPREYD     $LAB_DIR/bus/services/net.ospreyvpn.Osprey1.service:
#                                   the bus starts ospreyd as lab_ospreyd_start does
#                                   when a client calls it (remove the file to stop that)
#
# The caller ends both by PID (kill "$LAB_OSPREYD_PID"; kill "$LAB_BUS_PID").

LAB_BUS_PID=
LAB_OSPREYD_PID=

lab_bus_start()
{
  local dir=$LAB_DIR/bus i conf extra=
  mkdir -p "$dir"
  if [ "${1:-}" = --activation ]; then
    mkdir -p "$dir/services"
    extra="<servicedir>$dir/services</servicedir>"
  fi
  conf=$(<"$(dirname "${BASH_SOURCE[0]}")/../data/system-like-bus.conf.in")
  conf=${conf//@LISTEN@/unix:path=$dir/socket}
  conf=${conf//@POLICY@/$(cd "$(dirname "${BASH_SOURCE[0]}")/../../data" && pwd)/net.ospreyvpn.Osprey1.conf}
  conf=${conf//@EXTRA@/$extra}
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

_lab_ospreyd_args()
{
  mkdir -p "$LAB_DIR/profiles" "$LAB_DIR/secrets"
  echo "* * yes" >"$LAB_DIR/rules"
  LAB_OSPREYD_ARGS=(-v --profiles-dir "$LAB_DIR/profiles" --secrets-dir "$LAB_DIR/secrets"
    --test-authz "$LAB_DIR/rules")
}

lab_ospreyd_start()
{
  local ospreyd=$1 osprey=$2 i rc
  _lab_ospreyd_args
  export OSPREY_STATE_DIR=$LAB_DIR # what worked before: per test, not the host's
  lab_spawn_client "$LAB_DIR/ospreyd.log" "$ospreyd" --bus-address "$OSPREY_BUS_ADDRESS" \
    "${LAB_OSPREYD_ARGS[@]}"
  LAB_OSPREYD_PID=$LAB_SPAWN_PID
  for i in $(seq 100); do
    "$osprey" -q list >/dev/null 2>&1
    rc=$?
    [ $rc != 4 ] && break
    sleep 0.1
  done
  [ $rc = 0 ]
}

lab_ospreyd_service()
{
  local ospreyd=$1 dir=$LAB_DIR/bus
  _lab_ospreyd_args
  _lab_client_prefix
  # a script, so that no quoting rules of .service files apply; the exec
  # chain keeps one PID, the one the bus reports for the daemon's connection.
  # No --bus-address: ospreyd serves the bus that started it, as installed.
  {
    echo '#!/bin/bash'
    printf 'exec >>%q 2>&1\n' "$LAB_DIR/ospreyd.log"
    printf 'exec'
    printf ' %q' "${LAB_CLIENT_EXEC[@]}" env "OSPREY_STATE_DIR=$LAB_DIR" "$ospreyd" \
      "${LAB_OSPREYD_ARGS[@]}"
    echo
  } >"$dir/ospreyd-activated"
  chmod 0755 "$dir/ospreyd-activated"
  printf '[D-BUS Service]\nName=net.ospreyvpn.Osprey1\nExec=%s\nUser=root\n' \
    "$dir/ospreyd-activated" >"$dir/services/net.ospreyvpn.Osprey1.service"
}
