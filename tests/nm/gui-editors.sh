#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Osprey connection editors, GTK 3 and GTK 4, loaded as NetworkManager's
# UIs load them (through libnm-vpn-plugin-osprey.so), in a private desktop
# session (tests/gui/desktop.sh: own Xvfb display and session bus):
#
#   gui-editors.sh EDITOR_PLUGIN GTK3_EDITOR GTK4_EDITOR AUTH_DIALOG
#
# tests/nm/editor-test.py does the editors' checks (TAP), editor-atspi.py
# drives the GTK 3 one over AT-SPI; then the auth dialog's own GTK window
# (nm-applet's protocol) is answered with xdotool.
# Screenshots go to $MESON_BUILD_ROOT/meson-logs/gui-shots/.
# Exit 77 (skip) when Xvfb or the GObject introspection data is missing.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PROFILES=$(cd "$HERE/../data/profiles" && pwd)
. "$HERE/../gui/desktop.sh"

for t in Xvfb import dbus-daemon xdotool; do
  command -v "$t" >/dev/null || { echo "1..0 # SKIP $t is missing"; exit 77; }
done
for v in 3 4; do
  /usr/bin/python3 -c "import gi; gi.require_version('Gtk', '$v.0'); gi.require_version('NM', '1.0')" \
    2>/dev/null || { echo "1..0 # SKIP GTK $v or NM introspection data missing"; exit 77; }
done

dir=$(mktemp -d)
shots=${MESON_BUILD_ROOT:-$dir}/meson-logs/gui-shots
mkdir -p "$shots" "$dir/plugins"
trap 'desktop_stop; rm -rf "$dir"' EXIT
# the editor plugin finds the editors next to itself, as installed
ln -s "$(readlink -f "$1")" "$(readlink -f "$2")" "$(readlink -f "$3")" "$dir/plugins/"
desktop_start "$dir/session" || exit 1

rc=0
for v in 3 4; do
  GDK_BACKEND=x11 /usr/bin/python3 "$HERE/editor-test.py" "$v" \
    "$dir/plugins/$(basename "$1")" "$PROFILES/cisco-example.pcf" "$shots/nm-editor-gtk$v.png" \
    >"$dir/gtk$v.tap" 2>"$dir/gtk$v.err" || rc=1
  grep -v -e 'fd limit' -e 'nm-osprey-Message' "$dir/gtk$v.err" | sed 's/^/# /'
done
# the GTK 3 editor driven over AT-SPI (dogtail), from another process
if /usr/bin/python3 -c 'import dogtail' 2>/dev/null; then
  GDK_BACKEND=x11 /usr/bin/python3 "$HERE/editor-atspi.py" "$dir/plugins/$(basename "$1")" \
    "$PROFILES/cisco-example.pcf" "$shots/nm-editor-gtk3-atspi.png" \
    >"$dir/atspi.tap" 2>"$dir/atspi.err" || rc=1
  grep -v -e 'fd limit' -e 'nm-osprey-Message' "$dir/atspi.err" | sed 's/^/# /'
else
  echo "ok 1 # SKIP python3-dogtail is missing: the editor over AT-SPI" >"$dir/atspi.tap"
fi
# nm-osprey-auth-dialog without --external-ui-mode: its GTK dialog asks for
# the hinted token code; the answer comes back in nm-applet's protocol
mkfifo "$dir/dialog.in"
"$4" -u 0c1b0000-0000-4000-8000-000000000001 -n work -s org.freedesktop.NetworkManager.osprey \
  -i -t "Xauth passcode" -t "x-vpn-message:Enter the code shown on your token" \
  <"$dir/dialog.in" >"$dir/dialog.out" 2>"$dir/dialog.err" &
dialog_pid=$!
exec 7>"$dir/dialog.in"
printf 'DATA_KEY=IPSec gateway\nDATA_VAL=192.0.2.1\n\nDONE\n\n' >&7
# (no window manager: the keyboard goes where the pointer and the focus are put)
wid=$(timeout 15 xdotool search --sync --limit 1 --name 'Authenticate VPN work' 2>/dev/null)
if [ -n "$wid" ]; then
  sleep 0.5
  import -window root "$shots/nm-auth-dialog.png"
  xdotool mousemove --window "$wid" 20 20 windowfocus --sync "$wid" 2>/dev/null
  xdotool type --delay 20 '246810'
  xdotool key Return
  for _ in $(seq 50); do grep -q . "$dir/dialog.out" 2>/dev/null && break; sleep 0.1; done
fi
echo QUIT >&7
exec 7>&-
for _ in $(seq 50); do kill -0 "$dialog_pid" 2>/dev/null || break; sleep 0.1; done
kill "$dialog_pid" 2>/dev/null # still asking: the answer never came
wait "$dialog_pid"
dialog_rc=$?
if [ $dialog_rc = 0 ] && [ "$(head -n 2 "$dir/dialog.out")" = $'Xauth passcode\n246810' ]; then
  echo "ok 99 - GTK 3: the auth dialog asks for the hinted token code and answers it"
else
  echo "not ok 99 - GTK 3: the auth dialog (exit $dialog_rc) answered: $(tr '\n' '|' <"$dir/dialog.out")"
  sed 's/^/# /' "$dir/dialog.err"
  rc=1
fi >"$dir/dialog.tap"

# one TAP stream: the runs renumbered
awk '/^(not )?ok [0-9]+ / { n++; sub(/ok [0-9]+ /, "ok " n " "); print; next }
     /^1\.\./ { next } { print } END { print "1.." n }' "$dir/gtk3.tap" "$dir/gtk4.tap" \
  "$dir/atspi.tap" "$dir/dialog.tap"
exit $rc
