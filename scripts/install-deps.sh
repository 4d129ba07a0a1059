#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Installs the Debian 12 packages Osprey needs to build, test and run the
# lab.  Shared by .ci/run, scripts/test-all.sh and scripts/demo.sh.
# Does nothing (and needs no root) when everything is already installed.
# Never starts services: a temporary policy-rc.d refuses them while apt runs.
#
#   sudo bash scripts/install-deps.sh            # install what is missing
#   bash scripts/install-deps.sh --list          # print the package list
#   bash scripts/install-deps.sh --check         # exit 1 if something is missing
set -u

# Build: compiler, meson, libraries (gdbus-codegen comes with libglib2.0-dev).
deps_build=(
  gcc libc6-dev pkgconf meson ninja-build python3
  libglib2.0-dev libglib2.0-dev-bin libssl-dev libpolkit-gobject-1-dev
  libdbus-1-dev                  # dbus-1.pc: where the system bus reads policy and services
  gettext
  scdoc bash-completion          # man pages, the completion's install dir and test
  clang libclang-rt-14-dev       # fuzz targets, sanitizers
  gcovr                          # scripts/coverage.sh: line coverage of client/
  clang-format                   # tests/unit/format-check.sh: the C style
  libnm-dev libgtk-4-dev libnma-dev libnma-gtk4-dev  # nm-osprey-service (-Dnm), its editors
  libgtk-3-dev libayatana-appindicator3-dev libsecret-1-dev   # gui/ osprey-tray
)
# Tests: a private D-Bus, and the lab's real IKEv1 gateway and tools.
deps_test=(
  dbus python3-dbus python3-gi libxml2-utils bc
  polkitd                        # tests/dbus/test-polkit.py: a real polkitd, pkttyagent
  strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
  libstrongswan-extra-plugins libcharon-extra-plugins libcharon-extauth-plugins
  iproute2 nftables iputils-ping iperf3 socat util-linux
  openssl                        # tests/integration: the lab's CAs and certificates (hybrid, cert)
  strace                         # tests/integration: syscalls counted (no busy loop)
  vpnc vpnc-scripts              # the reference client (and the vpnc-script Osprey runs)
  network-manager udev network-manager-vpnc  # tests/nm: a real NetworkManager in a namespace
  gir1.2-nm-1.0 gir1.2-gtk-3.0 gir1.2-gtk-4.0  # tests/nm: the editors, loaded from Python
  # tests/gui: a private desktop (display, tray, accessibility, keyring, notifications)
  xvfb trayer xdotool at-spi2-core python3-dogtail python3-pyatspi python3-dbusmock
  gnome-keyring libsecret-tools imagemagick desktop-file-utils appstream
)
# shellcheck disable=SC2206 # OSPREY_EXTRA_DEPS: space-separated package names
packages=("${deps_build[@]}" "${deps_test[@]}" ${OSPREY_EXTRA_DEPS:-})

installed()
{
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

case ${1:-} in
  --list)
    printf '%s\n' "${packages[@]}"
    exit 0
    ;;
esac

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi
if [ "${1:-}" = --check ]; then
  echo "install-deps: missing: ${missing[*]}"
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root: sudo bash $0" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "install-deps: no apt-get: install by hand: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# installed by osprey scripts/install-deps.sh while apt runs\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi

ok=0
for attempt in 1 2 3; do
  if apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    ok=1
    break
  fi
  echo "install-deps: apt failed (attempt $attempt), retrying" >&2
  sleep $((attempt * 5))
done
if [ $ok != 1 ]; then
  echo "install-deps: could not install ${missing[*]}" >&2
  exit 1
fi
still=()
for p in "${missing[@]}"; do
  installed "$p" || still+=("$p")
done
if [ ${#still[@]} -gt 0 ]; then
  echo "install-deps: still missing after apt-get: ${still[*]}" >&2
  exit 1
fi
echo "install-deps: done"
