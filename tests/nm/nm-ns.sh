# SPDX-License-Identifier: GPL-2.0-or-later
#
# A real NetworkManager inside the lab's client namespace (tests/lab/lab.sh),
# shut off from the host (shared/LAB.md, "A real NetworkManager in a
# namespace"):
#
#   namespace osp-cl-ID, + private mount and UTS namespaces (unshare -m -u)
#  +--------------------------------------------------------------------+
#  | tmpfs on /run and /var/lib/NetworkManager                          |
#  | $NM_DIR/etc  bind-mounted over /etc/NetworkManager (dns=none, ...) |
#  | $NM_DIR/vpn  bind-mounted over /usr/lib/NetworkManager/VPN         |
#  | dbus-daemon --system (standard policies + data/nm's, NO activatable |
#  |   services: nothing else gets started)                             |
#  | systemd-udevd (else every device is unmanaged)                     |
#  | NetworkManager --debug  ── spawns nm-osprey-service (.name file)   |
#  | eth0 192.0.2.2/24 (profile lab-eth)                                 |
#  +--------------------------------------------------------------------+
#
# Source after lab.sh and lab_up:
#   nm_ns_start SERVICE [VPN_NAME_FILE...]   NetworkManager up, eth0 activated
#   nm_exec CMD...                           run CMD in NM's namespaces (nmcli ...)
#   nm_ns_stop                               NM, its bus and udevd stopped by PID
# and, for the test scripts (after tests/unit/tap.sh):
#   nm_test_start SERVICE POLICY [NAME_FILE...]  || exit $?
#                        the lab's requirements (77: skip), trap
#                        nm_test_cleanup EXIT, lab_up, nm_ns_start
#   nm_con_state NAME    GENERAL.STATE of connection NAME (activated, ...)
#   check TEXT CMD...    a TAP result; on failure the end of the logs
#   trap nm_test_cleanup EXIT   NM_TEST_PIDS ended, NM and the lab down, the
#                               host checked
# NM_DIR holds the logs: nm.log, service.log; the service's state dir
# state/, its PID service.pid, extra options from service.args.

NM_PID=
NM_BUS_PID=

_nm_say() { printf 'nm-ns: %s\n' "$*" >&2; }

# nm_exec CMD...: CMD in the mount, UTS and network namespaces of NetworkManager
nm_exec() { nsenter -t "$NM_PID" -m -u -n -- "$@"; }

_nm_write_files()
{
  local service=$1 policy=$2 f
  shift 2
  mkdir -p "$NM_DIR/etc/conf.d" "$NM_DIR/etc/system-connections" "$NM_DIR/vpn" \
    "$NM_DIR/bus-services" || return 1
  chmod 0700 "$NM_DIR/etc/system-connections"
  cat >"$NM_DIR/etc/NetworkManager.conf" <<'EOF'
[main]
plugins=keyfile
dns=none
rc-manager=unmanaged
no-auto-default=*
hostname-mode=none
auth-polkit=root-only

[connectivity]
enabled=false

[logging]
level=INFO
domains=ALL:INFO,VPN_PLUGIN:DEBUG
EOF
  # the service, started by NM, logs to a file we can read, keeps its state
  # in its own directory (never the host's /var/lib/osprey), writes its PID
  # and takes the options a test puts in service.args (--persist)
  mkdir -p "$NM_DIR/state" || return 1
  cat >"$NM_DIR/nm-osprey-service" <<EOF
#!/bin/sh
echo \$\$ >'$NM_DIR/service.pid'
G_MESSAGES_DEBUG=all exec '$service' --state-dir '$NM_DIR/state' \$(cat '$NM_DIR/service.args' 2>/dev/null) "\$@" >>'$NM_DIR/service.log' 2>&1
EOF
  chmod 0755 "$NM_DIR/nm-osprey-service"
  cat >"$NM_DIR/vpn/nm-osprey-service.name" <<EOF
[VPN Connection]
name=osprey
service=org.freedesktop.NetworkManager.osprey
program=$NM_DIR/nm-osprey-service
supports-multiple-connections=true

[libnm]
plugin=${NM_OSPREY_EDITOR_PLUGIN:-$NM_DIR/none.so}

[GNOME]
auth-dialog=${NM_OSPREY_AUTH_DIALOG:-$NM_DIR/none}
supports-external-ui-mode=true
supports-hints=true
EOF
  for f in "$@"; do
    cp "$f" "$NM_DIR/vpn/" || return 1
  done
  cat >"$NM_DIR/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$NM_DIR/bus-services</servicedir>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
  <include>$policy</include>
</busconfig>
EOF
  # Runs in the new mount + UTS namespaces; ends by exec'ing NetworkManager,
  # so its PID is NetworkManager's.
  cat >"$NM_DIR/init.sh" <<EOF
set -e
mount --make-rprivate /
mount -t tmpfs -o mode=0755 osprey-nm-run /run
mount -t tmpfs -o mode=0755 osprey-nm-lib /var/lib/NetworkManager
mount --bind '$NM_DIR/etc' /etc/NetworkManager
mount --bind '$NM_DIR/vpn' /usr/lib/NetworkManager/VPN
hostname osprey-nm-lab
mkdir -p /run/dbus /run/NetworkManager
dbus-daemon --config-file='$NM_DIR/bus.conf' --fork --print-pid=3 3>'$NM_DIR/bus.pid'
/lib/systemd/systemd-udevd --daemon
udevadm trigger --subsystem-match=net --action=add
udevadm settle --timeout=10
exec NetworkManager --debug --config='$NM_DIR/etc/NetworkManager.conf'
EOF
}

# nm_ns_start SERVICE POLICY [NAME_FILE...]: NetworkManager in the client
# namespace with SERVICE as nm-osprey-service, POLICY as its bus policy and
# the other plugins' .name files given; eth0 up under NM with lab-eth.
nm_ns_start()
{
  local service i state policy ip6
  service=$(readlink -f "$1")
  policy=$(readlink -f "$2")
  shift 2
  NM_DIR=$LAB_DIR/nm
  for i in nsenter NetworkManager nmcli dbus-daemon udevadm; do
    command -v "$i" >/dev/null || { echo "SKIP: $i is missing (network-manager)"; return 77; }
  done
  [ -x /lib/systemd/systemd-udevd ] || { echo "SKIP: systemd-udevd is missing (udev)"; return 77; }
  _nm_write_files "$service" "$policy" "$@" || return 1
  ip netns exec "$LAB_NS_CL" unshare -m -u --propagation private \
    sh "$NM_DIR/init.sh" >>"$NM_DIR/nm.log" 2>&1 &
  NM_PID=$!
  for i in $(seq 100); do
    [ -s "$NM_DIR/bus.pid" ] && NM_BUS_PID=$(head -n1 "$NM_DIR/bus.pid")
    state=$(nm_exec nmcli -t -g RUNNING general 2>/dev/null) && [ "$state" = running ] && break
    kill -0 "$NM_PID" 2>/dev/null || { _nm_say "NetworkManager exited"; tail -20 "$NM_DIR/nm.log" >&2; return 1; }
    sleep 0.1
  done
  [ "$state" = running ] || { _nm_say "NetworkManager did not start"; return 1; }
  # with LAB_OUTER6=1 the link's IPv6 too
  if [ "${LAB_OUTER6:-0}" = 1 ]; then
    ip6=(ipv6.method manual ipv6.addresses "$LAB_CL_ADDR6/64" ipv6.gateway "$LAB_GW_ADDR6")
  else
    ip6=(ipv6.method disabled)
  fi
  nm_exec nmcli connection add type ethernet ifname eth0 con-name lab-eth autoconnect no \
    ipv4.method manual ipv4.addresses "$LAB_CL_ADDR/24" ipv4.gateway "$LAB_CL_ROUTER" \
    "${ip6[@]}" >/dev/null || return 1
  nm_exec nmcli --wait 20 connection up lab-eth >/dev/null || {
    _nm_say "eth0 did not come up under NetworkManager"
    nm_exec nmcli device status >&2
    return 1
  }
  return 0
}

nm_ns_stop()
{
  local i
  [ -n "$NM_PID" ] || return 0
  if kill -0 "$NM_PID" 2>/dev/null; then
    nm_exec udevadm control --exit 2>/dev/null
    kill -TERM "$NM_PID" 2>/dev/null
    for i in $(seq 100); do
      kill -0 "$NM_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$NM_PID" 2>/dev/null && kill -KILL "$NM_PID" 2>/dev/null
  fi
  wait "$NM_PID" 2>/dev/null
  [ -n "$NM_BUS_PID" ] && kill "$NM_BUS_PID" 2>/dev/null
  NM_PID=
  NM_BUS_PID=
  return 0
}

# The end of the logs, after a failed check.
nm_dump()
{
  if [ -s "$LAB_DIR/scripted-gw.log" ]; then
    echo "# --- scripted-gw.log"
    tail -n 20 "$LAB_DIR/scripted-gw.log" | sed 's/^/# /'
  fi
  echo "# --- service.log"
  tail -n 30 "$NM_DIR/service.log" 2>/dev/null | sed 's/^/# /'
  echo "# --- nm.log"
  grep -i -E 'vpn|osprey' "$NM_DIR/nm.log" 2>/dev/null | tail -n 30 | sed 's/^/# /'
}

check() # check TEXT CMD...
{
  local text=$1
  shift
  if "$@"; then
    result ok "$text"
  else
    result fail "$text"
    nm_dump
  fi
}

# nm_con_state NAME: the GENERAL.STATE of connection NAME
nm_con_state() { nm_exec nmcli -g GENERAL.STATE connection show "$1" 2>/dev/null; }

# nm_test_start SERVICE POLICY [NAME_FILE...]: a test script's start: the
# lab's requirements (77 when one is missing), the clean-up trap, the lab up
# and NetworkManager in it (nm_ns_start); returns non-zero for the caller to
# exit with.
nm_test_start()
{
  lab_check_requirements || return $?
  trap nm_test_cleanup EXIT
  lab_up || return 1
  nm_ns_start "$@"
}

# NetworkManager and the lab down; the host's resolv.conf unchanged and no
# NetworkManager in the host's network namespace, or the test fails.
NM_TEST_PIDS=() # more processes a test started (by PID), ended first

nm_test_cleanup()
{
  local rc=$? pid
  for pid in "${NM_TEST_PIDS[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  nm_ns_stop
  lab_check_host_resolv || { echo "not ok - HOST /etc/resolv.conf changed"; rc=1; }
  lab_down
  for pid in $(pgrep -x NetworkManager); do
    if [ "$(readlink "/proc/$pid/ns/net")" = "$(readlink /proc/1/ns/net)" ]; then
      echo "not ok - NetworkManager PID $pid runs in the host's network namespace"
      rc=1
    fi
  done
  exit $rc
}
