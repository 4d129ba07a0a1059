#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The real /usr/share/vpnc-scripts/vpnc-script, run by osp_script_run()
# (through `test-netcfg --run-script`) for pre-init, connect and disconnect
# with a split-include configuration, confined so that it cannot touch the
# host:
#
#   host (must stay untouched)         network namespace osp-nc-$$
#   --------------------------         -------------------------------------
#   /etc/resolv.conf  --sha256-->      lo, osptun0 (tun, nothing behind it)
#   compared before and after          /etc/resolv.conf = bind of
#                                        /etc/netns/osp-nc-$$/resolv.conf
#                                      /run      = private tmpfs (the script's
#                                        state files; no host D-Bus, so no
#                                        systemd-resolved or NetworkManager)
#                                      /etc/vpnc = empty tmpfs (no host hooks)
#
# Every address is from 198.18.0.0/15 or 203.0.113.0/24.
#
# Usage: netcfg-real-script.sh /path/to/test-netcfg
# Exit:  0 pass, 1 fail, 77 skip (not root, missing tools, or a resolver
#        manager on this host that the script would prefer and that this
#        test cannot confine).

set -u

SCRIPT=/usr/share/vpnc-scripts/vpnc-script
TUN=osptun0

# ---- inside the namespace: confine, check, then become the helper --------
if [ "${1:-}" = "--inner" ]; then
	ns=$2
	bin=$3
	set -e
	# ip netns exec gave us a private (slave) mount namespace and bound our
	# resolv.conf over wherever /etc/resolv.conf leads; a mount made here
	# does not propagate back to the host.
	[ "$(ip netns identify $$)" = "$ns" ] || { echo "inner: not in $ns" >&2; exit 1; }
	target=$(readlink -f /etc/resolv.conf)
	mount -t tmpfs -o mode=0755,size=4m osp-nc-run /run
	if [ -d /etc/vpnc ]; then
		mount -t tmpfs -o mode=0755,size=1m osp-nc-hooks /etc/vpnc
	fi
	case "$target" in
	/run/*)
		# our tmpfs now hides the bind ip netns exec made there; redo it
		mkdir -p "$(dirname "$target")"
		: > "$target"
		mount --bind "/etc/netns/$ns/resolv.conf" "$target"
		;;
	esac
	# The interlock: the file the script will rewrite is the namespace's.
	if [ "$(stat -L -c %d:%i /etc/resolv.conf)" != "$(stat -c %d:%i "/etc/netns/$ns/resolv.conf")" ]; then
		echo "inner: /etc/resolv.conf is not /etc/netns/$ns/resolv.conf; refusing" >&2
		exit 1
	fi
	unset DBUS_SYSTEM_BUS_ADDRESS OPENWRT_INTERFACE
	exec "$bin" --run-script
fi

# ---- on the host -----------------------------------------------------------
BIN=${1:?usage: $0 /path/to/test-netcfg}
SELF=$(readlink -f "$0")
NS=osp-nc-$$

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
for tool in ip mount readlink stat sha256sum cmp; do
	command -v "$tool" >/dev/null || skip "$tool not found"
done
[ -x "$SCRIPT" ] || skip "$SCRIPT not installed"
[ -x "$BIN" ] || fail "$BIN is not executable"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
# The script prefers these to writing /etc/resolv.conf; some of them keep
# their state outside what we can confine, so do not run it at all.
if [ -x /sbin/resolvconf ] && [ "$(basename "$(readlink /sbin/resolvconf)" 2>/dev/null)" != resolvectl ]; then
	skip "/sbin/resolvconf present"
fi
[ -x /sbin/netconfig ] && [ ! -f /etc/slackware-version ] && skip "/sbin/netconfig present"
[ -x /sbin/modify_resolvconf ] && skip "/sbin/modify_resolvconf present"
[ -x /usr/sbin/unbound-control ] && skip "unbound-control present"
[ -x /usr/sbin/rcctl ] && skip "rcctl present"

HOST_RESOLV_BEFORE=$(sha256sum < /etc/resolv.conf) || skip "cannot read /etc/resolv.conf"
TMP=$(mktemp -d /tmp/osp-nc.XXXXXX) || fail "mktemp"
created_etc_netns=no
created_ns_dir=no
created_ns=no
helper_pid=

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	local rc=$?

	{ exec 3>&- 4<&-; } 2>/dev/null
	if [ -n "$helper_pid" ] && kill -0 "$helper_pid" 2>/dev/null; then
		kill "$helper_pid"
		wait "$helper_pid" 2>/dev/null
	fi
	if [ "$created_ns" = yes ]; then
		ip -n "$NS" tuntap del dev "$TUN" mode tun 2>/dev/null
		ip netns del "$NS" || rc=1
	fi
	if [ "$created_ns_dir" = yes ]; then
		rm -f "/etc/netns/$NS/resolv.conf"
		rmdir "/etc/netns/$NS" || rc=1
	fi
	if [ "$created_etc_netns" = yes ]; then
		rmdir /etc/netns 2>/dev/null
	fi
	if [ -s "$TMP/helper.log" ]; then
		echo "---- helper and vpnc-script output ----"
		cat "$TMP/helper.log"
	fi
	rm -rf "$TMP"
	if [ "$(sha256sum < /etc/resolv.conf)" != "$HOST_RESOLV_BEFORE" ]; then
		echo "FAIL: the HOST /etc/resolv.conf changed"
		rc=1
	fi
	exit "$rc"
}
trap cleanup EXIT

# The namespace's resolv.conf exists before the namespace does, so that no
# `ip netns exec` ever runs without it bound over /etc/resolv.conf.
if [ ! -d /etc/netns ]; then
	mkdir /etc/netns || fail "mkdir /etc/netns"
	created_etc_netns=yes
fi
mkdir "/etc/netns/$NS" || fail "/etc/netns/$NS exists already"
created_ns_dir=yes
printf 'nameserver 198.18.255.53\nsearch before.example\noptions ndots:1\n' > "/etc/netns/$NS/resolv.conf"
cp "/etc/netns/$NS/resolv.conf" "$TMP/resolv.orig"

ip netns add "$NS" || fail "ip netns add $NS"
created_ns=yes
ip -n "$NS" link set lo up || fail "lo up"
ip -n "$NS" tuntap add dev "$TUN" mode tun || fail "ip tuntap add"

export OSP_NC_SCRIPT=$SCRIPT
export OSP_NC_GATEWAY=203.0.113.1
export OSP_NC_TUNDEV=$TUN
export OSP_NC_MTU=1400
export OSP_NC_ADDRESS=198.18.5.77
export OSP_NC_NETMASK=255.255.255.0
export OSP_NC_DNS="198.18.0.53 203.0.113.53"
export OSP_NC_DOMAIN=corp.example
export OSP_NC_BANNER=$'Test banner: "quotes" and $(no expansion)\nsecond line'
export OSP_NC_SPLIT_INC="198.18.0.0/15 203.0.113.0/24"
export G_MESSAGES_DEBUG=all

# One helper process per configuration: the script keys its state files on
# VPNPID, and the private /run lives as long as the helper.
start_helper() {
	coproc HELPER { exec ip netns exec "$NS" bash "$SELF" --inner "$NS" "$BIN" 2>>"$TMP/helper.log"; }
	# shellcheck disable=SC2153  # HELPER_PID is set by coproc
	helper_pid=$HELPER_PID
	exec 3>&"${HELPER[1]}" 4<&"${HELPER[0]}"
}

stop_helper() {
	echo quit >&3
	exec 3>&- 4<&-
	wait "$helper_pid" || fail "helper exited with status $?"
	helper_pid=
}

start_helper

run() {
	local reply

	echo "$1" >&3
	read -r -t 120 reply <&4 || fail "no answer from the helper for $1"
	[ "$reply" = "ok $1" ] || fail "$1: $reply"
	echo "ok: vpnc-script $1"
}

routes() { ip -n "$NS" -4 route show; }
has_route() { routes | grep -Eq "^$1 dev $TUN( |\$)"; }
ns_resolv() { cat "/etc/netns/$NS/resolv.conf"; }

run pre-init

run connect
echo "-- routes after connect:"; routes
echo "-- resolv.conf after connect:"; ns_resolv
has_route '198\.18\.0\.0/15' || fail "no split route 198.18.0.0/15 via $TUN"
has_route '203\.0\.113\.0/24' || fail "no split route 203.0.113.0/24 via $TUN"
has_route '198\.18\.5\.0/24' || fail "no network route 198.18.5.0/24 via $TUN"
routes | grep -q '^default' && fail "split tunnel got a default route"
echo "-- $TUN after connect:"; ip -n "$NS" -4 addr show dev "$TUN"
# local == peer, which ip prints as a plain /32
ip -n "$NS" -4 addr show dev "$TUN" | grep -Eq 'inet 198\.18\.5\.77( peer 198\.18\.5\.77)?/32 ' ||
	fail "tunnel address not set"
ip -n "$NS" link show dev "$TUN" | grep -q 'mtu 1400' || fail "tunnel MTU not 1400"
ns_resolv | head -n 1 | grep -q '^#@VPNC_GENERATED@' || fail "resolv.conf not generated"
ns_resolv | grep -qx 'nameserver 198\.18\.0\.53' || fail "DNS 198.18.0.53 missing"
ns_resolv | grep -qx 'nameserver 203\.0\.113\.53' || fail "DNS 203.0.113.53 missing"
ns_resolv | grep -q '198\.18\.255\.53' && fail "old name server kept"
ns_resolv | grep -qx 'search before\.example corp\.example' || fail "search line wrong"
ns_resolv | grep -qx 'options ndots:1' || fail "other lines not kept"

run disconnect
echo "-- routes after disconnect:"; routes
has_route '198\.18\.0\.0/15' && fail "split route 198.18.0.0/15 left behind"
has_route '203\.0\.113\.0/24' && fail "split route 203.0.113.0/24 left behind"
has_route '198\.18\.5\.0/24' && fail "network route 198.18.5.0/24 left behind"
ip -n "$NS" -4 addr show dev "$TUN" | grep -q 'inet ' && fail "tunnel address left behind"
ip -n "$NS" link show dev "$TUN" | grep -q '[<,]UP[,>]' && fail "tunnel still up"
cmp -s "$TMP/resolv.orig" "/etc/netns/$NS/resolv.conf" || fail "namespace resolv.conf not restored"

stop_helper

# ---- a hostile gateway: strings the script would take as more than data ----
# A newline in the default domain adds lines to resolv.conf (here a name
# server of the gateway's choosing), "~." as split DNS is resolved's "route
# every query here", an escape sequence in the banner drives the terminal
# the script prints it on.  The valid split-DNS name stays.
export OSP_NC_DOMAIN=$'evil.example\nnameserver 203.0.113.66'
export OSP_NC_SPLIT_DNS="~.,lab.example,\$(touch $TMP/ran)"
export OSP_NC_BANNER=$'Hostile \e]0;owned\a\e[2Jbanner $(touch '"$TMP"$'/ran)\nline 2'
: > "$TMP/helper.log"
start_helper
run pre-init
run connect
echo "-- resolv.conf after a hostile connect:"; ns_resolv
ns_resolv | grep -q '203\.0\.113\.66' && fail "the gateway's newline added a name server"
ns_resolv | grep -q 'evil' && fail "an invalid default domain reached resolv.conf"
ns_resolv | grep -Eqx 'search before\.example ?' || fail "search line wrong after a hostile connect"
ns_resolv | grep -qx 'nameserver 198\.18\.0\.53' || fail "DNS 198.18.0.53 missing (hostile)"
grep -q $'\e' "$TMP/helper.log" && fail "an escape character reached the script's output"
grep -qF 'Hostile ]0;owned[2Jbanner' "$TMP/helper.log" || fail "the banner did not reach the script"
grep -q 'split-DNS name(s) dropped' "$TMP/helper.log" || fail "dropped split-DNS names not logged"
[ -e "$TMP/ran" ] && fail "a command from the gateway ran"
run disconnect
cmp -s "$TMP/resolv.orig" "/etc/netns/$NS/resolv.conf" || fail "resolv.conf not restored (hostile)"
stop_helper
echo "PASS"
exit 0
