#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Renders each man page with groff (or man-db's man) and fails on any
# warning; with --options BINARY PAGE, also checks that every command
# (listed under "Commands:") and long option that BINARY --help-all and
# BINARY COMMAND --help-all print is documented in PAGE.  Exits 77 (skipped) when
# neither groff nor man is installed.  TAP output.
#
#   man-check.sh [--options BINARY PAGE]... PAGE...
set -u

option_checks=()
pages=()
while [ $# -gt 0 ]; do
  case $1 in
    --options)
      option_checks+=("$2" "$3")
      shift 3
      ;;
    *)
      pages+=("$1")
      shift
      ;;
  esac
done

if command -v groff >/dev/null; then
  render() { { groff -t -man -Tutf8 -ww -z "$1" >/dev/null; } 2>&1; }
elif command -v man >/dev/null; then
  render() { { MANWIDTH=80 man --warnings -l "$1" >/dev/null; } 2>&1; }
else
  echo "1..0 # SKIP neither groff nor man is installed"
  exit 77
fi

. "$(dirname "$0")/tap.sh"

for page in "${pages[@]}"; do
  name=${page##*/}
  if [ ! -s "$page" ]; then
    result fail "$name: missing or empty"
    continue
  fi
  out=$(render "$page")
  if [ -z "$out" ]; then
    result ok "$name renders without warnings"
  else
    printf '# %s\n' "$out"
    result fail "$name renders without warnings"
  fi
  # scdoc leaves a markup character it did not understand in the text
  text=$(groff -t -man -Tutf8 "$page" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
  if printf '%s\n' "$text" | grep -nE '(^|[[:space:]])[*_][[:alnum:]]|[[:alnum:]][*][[:space:].,)]' >/dev/null; then
    printf '%s\n' "$text" | grep -nE '(^|[[:space:]])[*_][[:alnum:]]|[[:alnum:]][*][[:space:].,)]' | sed 's/^/# /'
    result fail "$name: no stray scdoc markup"
  else
    result ok "$name: no stray scdoc markup"
  fi
done

set -- "${option_checks[@]}"
while [ $# -ge 2 ]; do
  bin=$1 page=$2
  shift 2
  text=$(groff -t -man -Tutf8 "$page" 2>/dev/null | sed 's/.\x08//g; s/\x1b\[[0-9;]*m//g')
  help=$(LC_ALL=C LANGUAGE= "$bin" --help-all 2>/dev/null)
  # a program with commands lists them under "Commands:", up to a blank line
  commands=$(sed -n '/^Commands:$/,/^$/{ /^  [a-z]/{ s/^  \([a-z][a-z-]*\).*/\1/p; }; }' <<<"$help")
  missing=()
  for c in $commands; do
    grep -qE -- "^ +$c( |\$)" <<<"$text" || missing+=("$c")
    help+=$'\n'$(LC_ALL=C LANGUAGE= "$bin" "$c" --help-all 2>/dev/null)
  done
  # shellcheck disable=SC2013 # option names have no blanks
  for opt in $(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u); do
    case $opt in --help | --help-all | --help-*) continue ;; esac
    grep -qF -- "$opt" <<<"$text" || missing+=("$opt")
  done
  if [ ${#missing[@]} = 0 ]; then
    result ok "${page##*/} documents every command and option of ${bin##*/}"
  else
    result fail "${page##*/} documents every command and option of ${bin##*/} (missing: ${missing[*]})"
  fi
done

tap_end
