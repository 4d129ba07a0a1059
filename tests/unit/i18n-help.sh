#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A program speaks German with LANGUAGE=de: runs `PROGRAM --help` under
# LC_ALL=C.UTF-8 LANGUAGE=de against the catalogs compiled in the build
# tree, and looks for the German text of MSGID in its output.
#
# The program binds its text domain to the LOCALEDIR it was built with.
# When it honours OSPREY_LOCALEDIR, that points it at the build tree;
# otherwise the build tree's catalogs are bind-mounted over LOCALEDIR in a
# private mount namespace (unshare; as root, or in a user namespace); when
# neither works the test is skipped (77).
#
#   i18n-help.sh PROGRAM BUILD-LOCALEDIR INSTALLED-LOCALEDIR MSGID
set -u
prog=${1:?usage: i18n-help.sh PROGRAM BUILD-LOCALEDIR INSTALLED-LOCALEDIR MSGID}
mo_root=${2:?}
localedir=${3:?}
msgid=${4:?}
export LC_ALL=C.UTF-8 LANGUAGE=de
unset LANG LC_MESSAGES

echo "1..2"
if [ ! -f "$mo_root/de/LC_MESSAGES/osprey.mo" ]; then
  echo "not ok 1 - $mo_root/de/LC_MESSAGES/osprey.mo is built"
  exit 1
fi
command -v gettext >/dev/null || { echo "ok 1 # SKIP no gettext(1)"; exit 77; }
want=$(TEXTDOMAINDIR=$mo_root gettext -d osprey -- "$msgid")
if [ "$want" = "$msgid" ]; then
  echo "not ok 1 - de.po translates \"$msgid\""
  exit 1
fi
echo "ok 1 - de.po translates \"$msgid\" as \"$want\""

if grep -qa OSPREY_LOCALEDIR "$prog"; then
  how="OSPREY_LOCALEDIR"
  out=$(OSPREY_LOCALEDIR=$mo_root "$prog" --help 2>&1)
else
  userns=()
  [ "$(id -u)" = 0 ] || userns=(--user --map-root-user)
  how="a bind mount over $localedir"
  # shellcheck disable=SC2016 # expanded by the inner shell
  out=$(unshare "${userns[@]}" --mount --propagation private sh -c '
    set -e
    dir=$1 mo=$2
    shift 2
    if [ ! -d "$dir" ]; then
      parent=${dir%/*}
      [ -d "$parent" ] || exit 77
      case $mo/ in "$parent"/*) exit 77 ;; esac
      mount -t tmpfs osprey-test "$parent"
      mkdir -p "$dir"
    fi
    mount --bind "$mo" "$dir"
    exec "$@" --help' sh "$localedir" "$mo_root" "$prog" 2>&1)
  rc=$?
  if [ $rc = 77 ] || { [ $rc != 0 ] && ! grep -q -- '--help' <<<"$out"; }; then
    echo "ok 2 # SKIP ${prog##*/} has no OSPREY_LOCALEDIR and $localedir cannot be replaced here"
    printf '# %s\n' "$out" | head -5
    exit 77
  fi
fi
if grep -qF -- "$want" <<<"$out"; then
  echo "ok 2 - ${prog##*/} --help speaks German (catalogs found through $how)"
else
  printf '# %s\n' "$out" | head -20
  echo "not ok 2 - ${prog##*/} --help speaks German (catalogs found through $how)"
  exit 1
fi
