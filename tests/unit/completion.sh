#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The bash completion of osprey (data/completion/osprey): calls _osprey with
# COMP_WORDS/COMP_CWORD as readline would set them, against a stand-in
# `osprey` that prints a `--json list` answer, once on its own and once with
# the bash-completion package loaded when it is installed.  TAP output.
#
#   completion.sh COMPLETION-FILE
set -u
completion=${1:?usage: completion.sh COMPLETION-FILE}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/osprey-completion.$$.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The stand-in osprey: profiles "work" and "home-lab" unless asked on
# another bus, where there is "other"; records its arguments.
cat >"$tmp/osprey" <<'EOF'
#!/bin/sh
echo "$*" >"${0%/*}/args"
case "$*" in
  "--bus-address unix:path=/x --json list") echo '[{"name": "other", "state": "disconnected"}]' ;;
  "--json list")
    printf '%s\n' '[' '  {"name": "work", "state": "connected", "gateway": "vpn.example.com"},' \
      '  {"name":"home-lab","state":"disconnected"}' ']'
    ;;
  *) exit 64 ;;
esac
EOF
chmod +x "$tmp/osprey"
mkdir "$tmp/files"
touch "$tmp/files/site.pcf" "$tmp/files/site.conf"

. "$(dirname "$0")/tap.sh"

# check NAME EXPECTED WORDS...: completes the last word of WORDS (readline's
# split: '=' is a word of its own); EXPECTED is the sorted, blank separated
# COMPREPLY, or "~WORD" for "COMPREPLY contains WORD", or "!WORD" for "does
# not contain WORD".
check()
{
  local name=$1 expected=$2 got
  shift 2
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _osprey osprey "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
  got=${got% }
  if matches "$got" "$expected"; then
    result ok "$mode: $name"
  else
    result fail "$mode: $name: got \"$got\", expected \"$expected\""
  fi
}

matches()
{
  case $2 in
    "~"*) [[ " $1 " == *" ${2#\~} "* ]] ;;
    "!"*) [[ " $1 " != *" ${2#!} "* ]] ;;
    *) [[ $1 == "$2" ]] ;;
  esac
}

run_checks()
{
  local o=$tmp/osprey
  check "commands" "connect" "$o" co
  check "all commands" "connect delete disconnect edit export help import list logs monitor nm-migrate secrets set show status" "$o" ""
  check "help: commands" "secrets set show status" "$o" help s
  check "global options" "--json" "$o" --js
  check "command after a global option" "disconnect" "$o" --json dis
  check "connect options" "~--no-wait" "$o" connect --
  check "connect options: --no-reconnect" "~--no-reconnect" "$o" connect work --no
  check "profile names" "home-lab work" "$o" connect ""
  check "profile name prefix" "work" "$o" show w
  check "profiles only once" "" "$o" show work ""
  check "profiles on another bus" "other" "$o" --bus-address unix:path=/x logs ""
  check "no profiles after --timeout" "" "$o" connect --timeout ""
  check "disconnect --all" "--all" "$o" disconnect --a
  check "set: keys" "description= dh-group= domain= dpd-idle= dpd-timeout=" "$o" set work d
  check "set: values" "netscreen" "$o" set work vendor = n
  check "set: values after '='" "false true" "$o" set work no-split =
  check "set: dh groups" "~dh14" "$o" set work dh-group = dh1
  check "import: files" "$tmp/files/site.conf $tmp/files/site.pcf" "$o" import "$tmp/files/s"
  check "secrets file" "~$tmp/files/site.pcf" "$o" connect work --secrets-file "$tmp/files/site.p"
  check "status -v" "-v" "$o" status -v
  check "global options after the command" "--json" "$o" list --js
  check "--bus-address after the command" "other" "$o" show --bus-address unix:path=/x ""
  # a failing osprey (daemon not reachable) completes nothing, quietly
  check "no daemon" "" "$tmp/files/site.conf" connect ""
}

# shellcheck source=/dev/null
. "$completion" || { echo "Bail out! cannot source $completion"; exit 1; }
declare -F _osprey >/dev/null || { echo "Bail out! no _osprey function"; exit 1; }
complete -p osprey >/dev/null || { echo "Bail out! osprey has no completion"; exit 1; }
mode=plain
run_checks

bc=/usr/share/bash-completion/bash_completion
if [ -r "$bc" ]; then
  # shellcheck source=/dev/null
  . "$bc"
  # shellcheck source=/dev/null
  . "$completion"
  mode=bash-completion
  run_checks
fi

tap_end
