#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# data/nm/README.md's table of connection keys is the one nm-osprey-service
# checks against (`nm-osprey-service --keys`).   keys-doc.sh SERVICE README
set -u
if diff <("$1" --keys) <(grep '^|' "$2") >/dev/null; then
  echo "ok 1 - $2 lists every key nm-osprey-service accepts"
else
  diff <("$1" --keys) <(grep '^|' "$2") | sed 's/^/# /'
  echo "not ok 1 - $2's key table differs from nm-osprey-service --keys"
fi
echo "1..1"
