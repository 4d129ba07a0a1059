#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Osprey connection editors, GTK 3 and GTK 4, loaded as NetworkManager's
# UIs load them (through libnm-vpn-plugin-osprey.so), in a private desktop
# session (tests/gui/desktop.sh: own Xvfb display and session bus):
#
#   gui-editors.sh EDITOR_PLUGIN GTK3_EDITOR GTK4_EDITOR
#
# tests/nm/editor-test.py does the checks (TAP); the screenshots go to
# $MESON_BUILD_ROOT/meson-logs/gui-shots/nm-editor-gtk{3,4}.png.
# Exit 77 (skip) when Xvfb or the GObject introspection data is missing.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PROFILES=$(cd "$HERE/../data/profiles" && pwd)
. "$HERE/../gui/desktop.sh"

for t in Xvfb import dbus-daemon; do
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
# one TAP stream: the two runs renumbered
awk '/^(not )?ok [0-9]+ / { n++; sub(/ok [0-9]+ /, "ok " n " "); print; next }
     /^1\.\./ { next } { print } END { print "1.." n }' "$dir/gtk3.tap" "$dir/gtk4.tap"
exit $rc
