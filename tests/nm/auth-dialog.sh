#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# nm-osprey-auth-dialog's contract with NetworkManager's agents, in
# --external-ui-mode (no display needed): what it asks for, given the
# connection on stdin, the secret flags, the hints and --reprompt.
#
#   auth-dialog.sh NM_OSPREY_AUTH_DIALOG
set -u
DIALOG=$1
. "$(dirname "$0")/../unit/tap.sh"

# details KEY=VALUE...: the agent's stdin (DATA_KEY/DATA_VAL, SECRET_KEY/
# SECRET_VAL, DONE); a key starting with "secret:" is a secret
details()
{
  local kv k
  for kv in "$@"; do
    k=${kv%%=*}
    case $k in
      secret:*) printf 'SECRET_KEY=%s\nSECRET_VAL=%s\n\n' "${k#secret:}" "${kv#*=}" ;;
      *) printf 'DATA_KEY=%s\nDATA_VAL=%s\n\n' "$k" "${kv#*=}" ;;
    esac
  done
  printf 'DONE\n\n'
}

# asked ARGS... -- DETAILS...: the secrets the dialog says to ask, sorted, one a line
asked()
{
  local args=()
  while [ "$1" != -- ]; do args+=("$1"); shift; done
  shift
  details "$@" | "$DIALOG" -u 0c1b0000-0000-4000-8000-000000000001 -n work \
    -s org.freedesktop.NetworkManager.osprey --external-ui-mode "${args[@]}" >"$out" || return 1
  /usr/bin/python3 -c '
import configparser, sys
c = configparser.ConfigParser(interpolation=None); c.optionxform = str
c.read(sys.argv[1])
print("\n".join(sorted(g for g in c.sections() if g != "VPN Plugin UI"
                        and c[g].get("ShouldAsk") == "true" and c[g].get("IsSecret") == "true")))
' "$out"
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
base=("IPSec gateway=192.0.2.1" "IPSec ID=osprey-lab" "Xauth username=alice")

got=$(asked -- "${base[@]}" "IPSec secret-flags=0" "Xauth password-flags=2" "secret:IPSec secret=g")
[ "$got" = "Xauth password" ] && result ok "always-ask password asked, saved group password not" ||
  result fail "always-ask password: asked '$got'"

got=$(asked -- "${base[@]}" "IPSec secret-flags=1" "Xauth password-flags=1" "secret:Xauth password=p")
[ "$got" = "IPSec secret" ] && result ok "agent-owned: only the missing one asked" ||
  result fail "agent-owned: asked '$got'"

got=$(asked -r -- "${base[@]}" "IPSec secret-flags=1" "Xauth password-flags=1" "secret:Xauth password=p" \
  "secret:IPSec secret=g")
[ "$got" = $'IPSec secret\nXauth password' ] && result ok "--reprompt asks both again" ||
  result fail "--reprompt: asked '$got'"

got=$(asked -- "${base[@]}" "IPSec secret-flags=4" "Xauth password-flags=6")
[ -z "$got" ] && result ok "not-required secrets are not asked" || result fail "not required: asked '$got'"

got=$(asked -t "Xauth passcode" -t "x-vpn-message:Enter the code shown on your token" -- \
  "${base[@]}" "IPSec secret-flags=0" "Xauth password-flags=0" "secret:IPSec secret=g" \
  "secret:Xauth password=p")
[ "$got" = "Xauth passcode" ] && result ok "hint: only the token code asked" ||
  result fail "hint: asked '$got'"
grep -q '^Description=Enter the code shown on your token$' "$out" &&
  result ok "hint: the gateway's message is the description" ||
  result fail "hint: description $(grep Description "$out")"
grep -q '^Label=Token code$' "$out" && result ok "hint: labelled Token code" ||
  result fail "hint: no Token code label"

# the engine uses the group password with psk only: hybrid and certificate
# connections are not asked for it, nor shown it, agent-owned and missing
for mode in hybrid cert; do
  got=$(asked -- "${base[@]}" "IKE Authmode=$mode" "IPSec secret-flags=1" "Xauth password-flags=1")
  [ "$got" = "Xauth password" ] && ! grep -q '^\[IPSec secret\]' "$out" &&
    result ok "$mode: the password asked, no group password" ||
    result fail "$mode: asked '$got', $(grep -c '^\[IPSec secret\]' "$out") group password groups"
done
got=$(asked -- "${base[@]}" "IKE Authmode=psk" "IPSec secret-flags=1" "Xauth password-flags=1")
[ "$got" = $'IPSec secret\nXauth password' ] && result ok "psk: both asked" ||
  result fail "psk: asked '$got'"

# the service asks for the key passphrase (an encrypted key or PKCS#12 file)
got=$(asked -t "Client key passphrase" -- "${base[@]}" "IKE Authmode=cert" \
  "Client certificate=/etc/osprey/alice.p12" "Xauth password-flags=0" "secret:Xauth password=p")
[ "$got" = "Client key passphrase" ] && result ok "hint: only the key passphrase asked" ||
  result fail "key passphrase hint: asked '$got'"
grep -q '^Label=Passphrase of the client key$' "$out" && result ok "hint: labelled as the key's" ||
  result fail "key passphrase hint: no label"

# the gateway wants a user name the connection lacks (vpn.data): the service
# hints it, the dialog asks for it in clear, under its own key
got=$(asked -t "Xauth username" -- "IPSec gateway=192.0.2.1" "IPSec ID=osprey-lab" \
  "IPSec secret-flags=0" "Xauth password-flags=0" "secret:IPSec secret=g" "secret:Xauth password=p")
user=$(/usr/bin/python3 -c '
import configparser, sys
c = configparser.ConfigParser(interpolation=None); c.optionxform = str
c.read(sys.argv[1])
g = c["Xauth username"] if c.has_section("Xauth username") else {}
print(g.get("ShouldAsk"), g.get("IsSecret"), g.get("Label"))
' "$out")
[ -z "$got" ] && [ "$user" = "true false User name" ] &&
  result ok "hint: the user name asked, shown as typed" ||
  result fail "user name hint: asked '$got', Xauth username: $user"

if details "${base[@]}" | "$DIALOG" -u x -n work -s org.freedesktop.NetworkManager.vpnc \
  --external-ui-mode >/dev/null 2>&1; then
  result fail "another service type accepted"
else
  result ok "another service type refused"
fi
tap_end
