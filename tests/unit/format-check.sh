#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every C file of the project follows .clang-format: for each tracked *.c
# and *.h, clang-format's output equals the file.  Fails with the first lines
# of the difference; fix a file with `clang-format -i FILE`.  TAP output.
#
#   format-check.sh SOURCE-ROOT
set -u
src=${1:?usage: format-check.sh SOURCE-ROOT}
command -v clang-format >/dev/null || { echo "1..0 # SKIP clang-format is not installed"; exit 77; }
. "$(dirname "$0")/tap.sh"
cd "$src" || exit 1

if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.c' '*.h')
else
  mapfile -t files < <(find client cli daemon gui tests data -name '*.[ch]' | sort)
fi
[ ${#files[@]} -gt 0 ] || result fail "C files found under $src"
for f in "${files[@]}"; do
  if d=$(clang-format --style=file "$f" | diff -u "$f" - 2>&1); then
    result ok "$f"
  else
    printf '%s\n' "$d" | head -20 | sed 's/^/# /'
    result fail "$f follows .clang-format (clang-format -i $f)"
  fi
done
tap_end
