#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A private desktop session for the GUI tests, never the machine's:
#
#   Xvfb :N (its own display, found with -displayfd)
#   dbus-daemon --session (its own session bus)
#     at-spi-bus-launcher (the accessibility bus; at-spi2-registryd on it)
#     gnome-keyring-daemon --unlock (a login keyring unlocked with a known password)
#     python3-dbusmock notification_daemon (org.freedesktop.Notifications, calls logged)
#     optional: trayer (an XEmbed system tray)
#
# Library: . tests/gui/desktop.sh; desktop_start DIR; ...; desktop_stop
# (desktop_check_criticals LOG... after a run)
# Every process is recorded by PID in DESKTOP_PIDS and ended by PID, children
# of the launchers included (their parent PID is ours).  HOME, XDG_* point
# into DIR.
set -u

DESKTOP_PIDS=()
DESKTOP_KEYRING_PASSWORD=osprey-test-keyring
DESKTOP_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# desktop_check_requirements: prints a SKIP line and returns 77 when a
# program the private desktop or the driver needs is missing.
desktop_check_requirements()
{
  local tool
  for tool in Xvfb xdotool trayer gnome-keyring-daemon secret-tool import dbus-daemon; do
    command -v $tool >/dev/null || { echo "SKIP: $tool is not installed"; return 77; }
  done
  [ -x /usr/libexec/at-spi-bus-launcher ] || { echo "SKIP: at-spi2-core is not installed"; return 77; }
  /usr/bin/python3 -c 'import dogtail, dbusmock' 2>/dev/null ||
    { echo "SKIP: python3-dogtail or python3-dbusmock is not installed"; return 77; }
}

_desktop_fail() { echo "FAIL [desktop]: $*" >&2; return 1; }

_desktop_wait_file()
{
  local f=$1 i
  for i in $(seq 200); do
    [ -s "$f" ] && return 0
    sleep 0.05
  done
  return 1
}

_desktop_bus_call()
{
  gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
    -m "org.freedesktop.DBus.$1" "$2" 2>/dev/null
}

# _desktop_wait_name NAME PID: until NAME is on the session bus (5 s at
# most), owned by PID (the process started for it)
_desktop_wait_name()
{
  local name=$1 pid=$2 i
  for i in $(seq 100); do
    [ "$(_desktop_bus_call NameHasOwner "$name")" = "(true,)" ] && break
    sleep 0.05
  done
  [ "$(_desktop_bus_call GetConnectionUnixProcessID "$name")" = "(uint32 $pid,)" ] && return 0
  echo "[desktop] $name: not owned by $pid: $(_desktop_bus_call GetConnectionUnixProcessID "$name")" >&2
  return 1
}

# desktop_start DIR: starts the session and exports DISPLAY,
# DBUS_SESSION_BUS_ADDRESS, HOME, XDG_RUNTIME_DIR, XDG_DATA_HOME,
# XDG_CONFIG_HOME, XDG_CACHE_HOME; notifications are logged to
# DIR/notifications.log.
desktop_start()
{
  local dir=$1 i
  mkdir -p "$dir/home" "$dir/runtime"
  chmod 0700 "$dir/runtime"
  export HOME=$dir/home XDG_RUNTIME_DIR=$dir/runtime
  export XDG_DATA_HOME=$dir/home/.local/share XDG_CONFIG_HOME=$dir/home/.config
  export XDG_CACHE_HOME=$dir/home/.cache
  unset SESSION_MANAGER DESKTOP_AUTOSTART_ID AT_SPI_BUS_ADDRESS NO_AT_BRIDGE

  Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$dir/display" >"$dir/xvfb.log" 2>&1 &
  DESKTOP_PIDS+=($!)
  _desktop_wait_file "$dir/display" || _desktop_fail "Xvfb did not start" || return 1
  export DISPLAY=:$(head -n1 "$dir/display")

  dbus-daemon --session --nofork --nopidfile --print-address=3 3>"$dir/session-bus" \
    >"$dir/session-bus.log" 2>&1 &
  DESKTOP_PIDS+=($!)
  _desktop_wait_file "$dir/session-bus" || _desktop_fail "session bus did not start" || return 1
  DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$dir/session-bus")
  export DBUS_SESSION_BUS_ADDRESS

  # Each service is waited for with NameHasOwner, never by calling it: a
  # call would make the bus start the machine's own service for the name
  # (its .service file), which may win the name from ours -- a second
  # gnome-keyring-daemon without the login keyring, whose stores wait for
  # a prompt forever.
  /usr/libexec/at-spi-bus-launcher --launch-immediately --a11y=1 >"$dir/at-spi.log" 2>&1 &
  DESKTOP_PIDS+=($!)
  _desktop_wait_name org.a11y.Bus $! || _desktop_fail "no AT-SPI bus" || return 1

  printf '%s' "$DESKTOP_KEYRING_PASSWORD" >"$dir/keyring.pw"
  gnome-keyring-daemon --foreground --unlock --components=secrets <"$dir/keyring.pw" \
    >"$dir/keyring.log" 2>&1 &
  DESKTOP_PIDS+=($!)
  _desktop_wait_name org.freedesktop.secrets $! || _desktop_fail "no keyring" || return 1

  /usr/bin/python3 -m dbusmock --template notification_daemon -l "$dir/notifications.log" \
    >"$dir/dbusmock.log" 2>&1 &
  DESKTOP_PIDS+=($!)
  _desktop_wait_name org.freedesktop.Notifications $! ||
    _desktop_fail "no notification server" || return 1
  DESKTOP_DIR=$dir
}

# desktop_tray: an XEmbed system tray (trayer) at the top left, and the
# project's icons (data/, uninstalled) in XDG_DATA_DIRS for the tray app
# started after it.
desktop_tray()
{
  export XDG_DATA_DIRS=$DESKTOP_SRC/data:/usr/local/share:/usr/share
  trayer --edge top --align left --widthtype pixel --width 64 --heighttype pixel --height 32 \
    --SetDockType false --SetPartialStrut false >"$DESKTOP_DIR/trayer.log" 2>&1 &
  DESKTOP_PIDS+=($!)
  DESKTOP_TRAYER_PID=$!
}

# desktop_screenshot NAME: the whole screen as DIR/shots/NAME.png
desktop_screenshot()
{
  mkdir -p "$DESKTOP_DIR/shots"
  /usr/bin/import -display "$DISPLAY" -window root "$DESKTOP_DIR/shots/$1.png" 2>/dev/null
}

# desktop_check_criticals LOG...: fails (1) on any GLib, GIO, Gdk, Gtk or
# other library's CRITICAL (or ERROR) in the logs of the programs under test,
# printing them
desktop_check_criticals()
{
  local found
  found=$(grep -H -E '^\([^)]*\): [A-Za-z-]*-(CRITICAL|ERROR) \*\*' "$@" 2>/dev/null)
  [ -z "$found" ] && return 0
  printf '%s\n' "$found" | sed 's/^/  critical| /' >&2
  return 1
}

_desktop_kill_tree()
{
  local pid=$1 child
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    _desktop_kill_tree "$child"
  done
  kill "$pid" 2>/dev/null
}

desktop_stop()
{
  local i
  for ((i = ${#DESKTOP_PIDS[@]} - 1; i >= 0; i--)); do
    _desktop_kill_tree "${DESKTOP_PIDS[i]}"
    wait "${DESKTOP_PIDS[i]}" 2>/dev/null
  done
  DESKTOP_PIDS=()
}
