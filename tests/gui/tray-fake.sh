#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# osprey-tray against ospreyd-fake (tests/dbus/fake-engine.c) on the private
# desktop's session bus: no network, no root.  The fake gateway 192.0.2.77
# is a token server: the tray's dialog must show its prompt and ask for the
# token code only; the right code connects.  192.0.2.66 never answers: the
# failure notification says so and its Retry action connects again.
# Other phases of tests/gui/tray-driver.py that need no gateway can run here
# too (busy, files: the profile editor).  passphrase: a certificate profile
# whose key passphrase is asked alone; a wrong one is asked again, saying so.
#
#   tray-fake.sh OSPREYD-FAKE OSPREY OSPREY-TRAY [PHASE...]   (default: token)
#
# Exit 0 pass, 1 fail, 77 skip.  Every process started here is ended by PID.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
. "$HERE/desktop.sh"
read -r FAKE OSPREY TRAY < <(readlink -f "$1" "$2" "$3" | tr '\n' ' ')
shift 3
PHASES=("$@")
[ ${#PHASES[@]} -gt 0 ] || PHASES=(token passphrase)

desktop_check_requirements || exit $?

DIR=$(mktemp -d /tmp/osprey-tray-fake.XXXXXX)
DAEMON_PID=
TRAY_PID=
cleanup()
{
  [ -n "$TRAY_PID" ] && kill "$TRAY_PID" 2>/dev/null && wait "$TRAY_PID" 2>/dev/null
  # CONT first: the busy phase stops ospreyd-fake (SIGSTOP) for a while
  [ -n "$DAEMON_PID" ] && kill -CONT "$DAEMON_PID" 2>/dev/null && kill "$DAEMON_PID" 2>/dev/null &&
    wait "$DAEMON_PID" 2>/dev/null
  desktop_stop
  rm -rf "$DIR"
}
trap cleanup EXIT
fail()
{
  echo "FAIL [tray-fake]: $*" >&2
  tail -20 "$DIR/ospreyd.log" "$DIR/desktop/tray.log" 2>/dev/null | sed 's/^/  | /' >&2
  exit 1
}

desktop_start "$DIR/desktop" || fail "the private desktop did not start"
mkdir -p "$DIR/profiles" "$DIR/secrets" "$DIR/state"
echo "* * yes" >"$DIR/rules"
OSPREY_STATE_DIR=$DIR/state "$FAKE" -v --session-bus --profiles-dir "$DIR/profiles" \
  --secrets-dir "$DIR/secrets" --test-authz "$DIR/rules" >"$DIR/ospreyd.log" 2>&1 &
DAEMON_PID=$!
export OSPREY_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS
for _ in $(seq 100); do
  "$OSPREY" -q list >/dev/null 2>&1 && break
  sleep 0.1
done
printf 'IPSec gateway 192.0.2.77\nIPSec ID token\nIPSec secret s\nXauth username bob\n' \
  >"$DIR/token.conf"
"$OSPREY" import "$DIR/token.conf" --name token >/dev/null || fail "import"
# ospreyd-fake's gateway that never answers
sed 's/192.0.2.77/192.0.2.66/' "$DIR/token.conf" >"$DIR/unreach.conf"
"$OSPREY" import "$DIR/unreach.conf" --name unreach >/dev/null || fail "import"
# a certificate profile: ospreyd-fake asks for the key passphrase first;
# only for its phase, as the editor's phases expect token first in the list
if [[ " ${PHASES[*]} " == *" passphrase "* ]]; then
  printf 'IPSec gateway 192.0.2.1\nIKE Authmode cert\nClient certificate /etc/osprey/alice.p12\nXauth username bob\n' \
    >"$DIR/keyed.conf"
  "$OSPREY" import "$DIR/keyed.conf" --name keyed >/dev/null || fail "import"
fi

desktop_tray
G_MESSAGES_DEBUG=osprey-tray "$TRAY" >"$DIR/desktop/tray.log" 2>&1 &
TRAY_PID=$!
for phase in "${PHASES[@]}"; do
  TRAY_LOG_DIR=$DIR/desktop OSPREY=$OSPREY OSPREYD_PID=$DAEMON_PID \
    OSPREY_TEST_DATA=$SRC/tests/data/profiles timeout 120 /usr/bin/python3 "$HERE/tray-driver.py" \
    "$phase" || fail "phase $phase"
done
desktop_check_criticals "$DIR/desktop/tray.log" || fail "a CRITICAL in osprey-tray's log"
mkdir -p "${OSPREY_ARTIFACTS_DIR:-${MESON_BUILD_ROOT:-$DIR}/meson-logs/gui-shots}" &&
  cp "$DIR/desktop/shots/"*.png "${OSPREY_ARTIFACTS_DIR:-${MESON_BUILD_ROOT:-$DIR}/meson-logs/gui-shots}/" 2>/dev/null
echo "[tray-fake] PASS"
