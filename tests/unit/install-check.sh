#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `meson install --destdir` of this build into a temporary directory, then
# checks that every installed file lands where the program that reads it
# looks: the D-Bus policy in a directory the system bus configuration
# includes, the activation file in one of the system bus's service
# directories, the polkit action where polkitd reads actions, the systemd
# unit on systemd's unit path, binaries on the standard PATH, man pages on
# the man path, the bash completion where bash-completion loads it, and the
# profile store ospreyd opens by default.  The consumers' directories come
# from the consumers themselves (their configuration, pkg-config files,
# systemd-analyze, manpath) wherever they say.  TAP output.
#
#   install-check.sh BUILD_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/tap.sh"

build=${1:?usage: install-check.sh BUILD_DIR}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

if ! out=$(meson install -C "$build" --no-rebuild --destdir "$dest" 2>&1); then
  echo "$out" | sed 's/^/# /'
  result fail "meson install --destdir"
  tap_end
  exit 1
fi
result ok "meson install --destdir"

# installed NAME: the installed paths (without DESTDIR) ending in /NAME
# (NAME may hold a directory: bin/osprey)
installed()
{
  (cd "$dest" && find . \( -type f -o -type l \) -path "*/$1" | sed 's|^\.||')
}

# expect NAME WHAT DIR...: NAME is installed once, in one of DIRs
expect()
{
  local name=$1 what=$2 path dir
  shift 2
  path=$(installed "$name")
  if [ -z "$path" ]; then
    result fail "$what: $name is not installed"
    return 1
  fi
  if [ "$(echo "$path" | wc -l)" != 1 ]; then
    result fail "$what: $name installed more than once: $(echo $path)"
    return 1
  fi
  for dir in "$@"; do
    dir=$(realpath -m "$dir")
    if [ "$(dirname "$path")" = "$dir" ]; then
      result ok "$what: $path"
      return 0
    fi
  done
  result fail "$what: $path is not read: $name must be in one of: $*"
  return 1
}

# --- the system bus: its configuration names the policy directories
#     (<includedir>, relative to the file) and the service directories
#     (<standard_system_servicedirs/>: dbus-daemon(1)'s list plus the
#     directory its pkg-config file gives).
dbus_datadir=$(pkg-config --variable=datadir dbus-1 2>/dev/null || echo /usr/share)
system_conf=$dbus_datadir/dbus-1/system.conf
policy_dirs=()
if [ -r "$system_conf" ]; then
  while IFS= read -r inc; do
    case $inc in
      /*) policy_dirs+=("$inc") ;;
      *) policy_dirs+=("$(dirname "$system_conf")/$inc") ;;
    esac
  done < <(sed -n 's|.*<includedir>\(.*\)</includedir>.*|\1|p' "$system_conf")
fi
if [ ${#policy_dirs[@]} = 0 ]; then
  echo "# $system_conf unreadable: dbus-daemon(1)'s documented defaults"
  policy_dirs=(/usr/share/dbus-1/system.d /etc/dbus-1/system.d)
fi
expect net.ospreyvpn.Osprey1.conf "D-Bus system bus policy" "${policy_dirs[@]}"

service_dirs=(/usr/local/share/dbus-1/system-services /usr/share/dbus-1/system-services
              /lib/dbus-1/system-services)
d=$(pkg-config --variable=system_bus_services_dir dbus-1 2>/dev/null) && service_dirs+=("$d")
if expect net.ospreyvpn.Osprey1.service "D-Bus activation" "${service_dirs[@]}"; then
  exec_path=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$dest$(installed net.ospreyvpn.Osprey1.service)")
  if [ -x "$dest$exec_path" ]; then
    result ok "D-Bus activation runs the installed $exec_path"
  else
    result fail "D-Bus activation runs $exec_path, which is not installed"
  fi
fi

# --- polkitd
polkit_dir=$(pkg-config --variable=policydir polkit-gobject-1 2>/dev/null || echo /usr/share/polkit-1/actions)
if expect net.ospreyvpn.osprey1.policy "polkit actions" "$polkit_dir"; then
  if xmllint --noout "$dest$(installed net.ospreyvpn.osprey1.policy)" 2>/dev/null; then
    result ok "polkit policy is well-formed XML"
  else
    result fail "polkit policy is not well-formed XML"
  fi
fi

# --- systemd
unit_dirs=()
if command -v systemd-analyze >/dev/null; then
  mapfile -t unit_dirs < <(systemd-analyze unit-paths 2>/dev/null)
fi
[ ${#unit_dirs[@]} -gt 0 ] || unit_dirs=(/etc/systemd/system /usr/local/lib/systemd/system
                                          /lib/systemd/system /usr/lib/systemd/system)
if expect ospreyd.service "systemd unit" "${unit_dirs[@]}"; then
  unit=$dest$(installed ospreyd.service)
  exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
  if [ -x "$dest$exec_path" ]; then
    result ok "systemd unit runs the installed $exec_path"
  else
    result fail "systemd unit runs $exec_path, which is not installed"
  fi
  # ProtectSystem=strict: the profile store must be among ReadWritePaths
  rw=$(sed -n 's/^ReadWritePaths=//p' "$unit")
  store=$("$dest$exec_path" --help 2>/dev/null | sed -n 's/.*Profiles directory (default \(.*\)\/profiles).*/\1/p')
  case " $rw " in
    *" $store "* | *" -$store "*) result ok "systemd unit lets ospreyd write $store" ;;
    *) result fail "ReadWritePaths ($rw) does not include the profile store ${store:-?}" ;;
  esac
fi

# --- binaries on the standard PATH of a login shell (and of D-Bus/systemd)
std_path=(/usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin)
expect sbin/ospreyd "ospreyd on the standard PATH" "${std_path[@]}"
expect bin/osprey "osprey on the standard PATH" "${std_path[@]}"

# --- ospreyd's default profile store exists after install, secrets root-only
sbin=$(installed sbin/ospreyd)
profiles=$(LC_ALL=C "$dest$sbin" --help 2>/dev/null | sed -n 's/.*Profiles directory (default \(.*\)).*/\1/p')
secrets=$(LC_ALL=C "$dest$sbin" --help 2>/dev/null | sed -n 's/.*secrets store (default \(.*\)).*/\1/p')
if [ -n "$profiles" ] && [ -d "$dest$profiles" ]; then
  result ok "profiles directory $profiles installed"
else
  result fail "profiles directory ${profiles:-?} (ospreyd's default) not installed"
fi
if [ -n "$secrets" ] && [ -d "$dest$secrets" ] && [ "$(stat -c %a "$dest$secrets")" = 700 ]; then
  result ok "secrets directory $secrets installed, mode 700"
else
  result fail "secrets directory ${secrets:-?} missing or not mode 700"
fi

# --- man pages on the man path
man_dirs=()
if command -v manpath >/dev/null; then
  IFS=: read -r -a man_dirs < <(manpath -g 2>/dev/null)
fi
[ ${#man_dirs[@]} -gt 0 ] || man_dirs=(/usr/local/share/man /usr/local/man /usr/share/man)
for page in osprey.1 osprey.conf.5 ospreyd.8; do
  sec=${page##*.}
  dirs=()
  for m in "${man_dirs[@]}"; do dirs+=("$m/man$sec"); done
  expect "$page" "man page" "${dirs[@]}"
done

# --- bash completion: bash-completion loads completions/NAME from every
#     XDG data directory and from its own completionsdir
comp_dirs=()
IFS=: read -r -a xdg <<<"${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"
for x in "${xdg[@]}"; do comp_dirs+=("$x/bash-completion/completions"); done
d=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null) && comp_dirs+=("$d")
expect completions/osprey "bash completion" "${comp_dirs[@]}"

# --- NetworkManager (-Dnm): the .name file where NetworkManager reads VPN
#     plugins, naming the installed service; the service's bus policy
if [ -n "$(installed nm-osprey-service.name)" ]; then
  vpn_dirs=(/usr/lib/NetworkManager/VPN /etc/NetworkManager/VPN)
  d=$(pkg-config --variable=vpnservicedir libnm 2>/dev/null) && vpn_dirs+=("$d")
  if expect nm-osprey-service.name "NetworkManager VPN plugin" "${vpn_dirs[@]}"; then
    exec_path=$(sed -n 's/^program=//p' "$dest$(installed nm-osprey-service.name)")
    if [ -x "$dest$exec_path" ]; then
      result ok "NetworkManager runs the installed $exec_path"
    else
      result fail "the .name file names $exec_path, which is not installed"
    fi
    plugin_path=$(sed -n 's/^plugin=//p' "$dest$(installed nm-osprey-service.name)")
    if [ -f "$dest$plugin_path" ]; then
      result ok "NetworkManager's clients load the installed $plugin_path"
    else
      result fail "the .name file names the plugin $plugin_path, which is not installed"
    fi
    dialog_path=$(sed -n 's/^auth-dialog=//p' "$dest$(installed nm-osprey-service.name)")
    if [ -x "$dest$dialog_path" ]; then
      result ok "NetworkManager's agents run the installed $dialog_path"
    else
      result fail "the .name file names the auth dialog $dialog_path, which is not installed"
    fi
  fi
  expect nm-osprey-service.conf "nm-osprey-service bus policy" "${policy_dirs[@]}"
fi

# --- the tray (-Dgui): osprey-tray on the PATH, its icons in the hicolor
#     theme of an XDG data directory, where GTK and the panels look
if [ -n "$(installed bin/osprey-tray)" ]; then
  expect bin/osprey-tray "osprey-tray on the standard PATH" "${std_path[@]}"
  icon_dirs=()
  for x in "${xdg[@]}"; do icon_dirs+=("$x/icons/hicolor/scalable/status"); done
  for state in disconnected connecting connected error; do
    expect "scalable/status/osprey-$state.svg" "tray icon" "${icon_dirs[@]}"
    expect "symbolic/status/osprey-$state-symbolic.svg" "symbolic tray icon" \
      "${icon_dirs[@]/%scalable\/status/symbolic/status}"
  done
  expect apps/net.ospreyvpn.OspreyTray.svg "application icon" \
    "${icon_dirs[@]/%scalable\/status/scalable/apps}"
  expect applications/net.ospreyvpn.OspreyTray.desktop "launcher" "${xdg[@]/%//applications}"
  autostart_dirs=()
  IFS=: read -r -a xdg_config <<<"${XDG_CONFIG_DIRS:-/etc/xdg}"
  for x in "${xdg_config[@]}"; do autostart_dirs+=("$x/autostart"); done
  expect autostart/net.ospreyvpn.OspreyTray.desktop "XDG autostart entry" "${autostart_dirs[@]}"
  expect metainfo/net.ospreyvpn.OspreyTray.metainfo.xml "AppStream metainfo" \
    "${xdg[@]/%//metainfo}"
fi

# Every installed file is accounted for by a check above (or is documentation).
while IFS= read -r f; do
  case $f in
    */ospreyd | */osprey | */net.ospreyvpn.Osprey1.conf | */net.ospreyvpn.Osprey1.service | \
      */net.ospreyvpn.osprey1.policy | */ospreyd.service | */man?/* | \
      */bash-completion/completions/osprey | */dbus-1/interfaces/* | */share/doc/osprey/* | \
      */locale/*/LC_MESSAGES/osprey.mo | */nm-osprey-service | */nm-osprey-service.name | \
      */nm-osprey-service.conf | */NetworkManager/libnm-vpn-plugin-osprey.so | \
      */nm-osprey-auth-dialog | */NetworkManager/libnm-*vpn-plugin-osprey-editor.so | \
      */bin/osprey-tray | */icons/hicolor/*/osprey-*.svg | */icons/hicolor/*/net.ospreyvpn.OspreyTray.svg | \
      */net.ospreyvpn.OspreyTray.desktop | */net.ospreyvpn.OspreyTray.metainfo.xml) ;;
    *) result fail "installed but not checked: $f" ;;
  esac
done < <(cd "$dest" && find . -type f | sed 's|^\.||')

tap_end
