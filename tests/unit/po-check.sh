#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The translations: every catalog in po/LINGUAS compiles with msgfmt --check
# (formats, plural forms, header); the messages of the command line (cli/,
# and the failure reasons it shows, client/osp-reason.c) are all translated
# and none is fuzzy (other untranslated messages are reported, not failed); po/POTFILES.in lists every source file that marks
# strings and only files that exist; with --policy, the built polkit policy
# carries the translations of every language.  TAP output.
#
#   po-check.sh SOURCE-ROOT [--policy BUILT-POLICY]
set -u
src=${1:?usage: po-check.sh SOURCE-ROOT [--policy FILE]}
policy=
[ "${2:-}" = --policy ] && policy=${3:?}
po=$src/po

for tool in msgfmt msgattrib msggrep; do
  command -v $tool >/dev/null || { echo "1..0 # SKIP $tool is not installed"; exit 77; }
done

. "$(dirname "$0")/tap.sh"

# messages in a catalog on stdin, the header excluded
count() { grep -c '^msgid ' | awk '{ print ($1 > 0 ? $1 - 1 : 0) }'; }

langs=$(sed 's/#.*//' "$po/LINGUAS" | tr -s ' \n' '  ')
[ -n "${langs// /}" ] || result fail "po/LINGUAS names at least one language"

for lang in $langs; do
  file=$po/$lang.po
  if [ ! -f "$file" ]; then
    result fail "$lang.po exists"
    continue
  fi
  if out=$(LC_ALL=C msgfmt --check -o /dev/null "$file" 2>&1); then
    result ok "$lang.po compiles (msgfmt --check)"
  else
    printf '# %s\n' "$out"
    result fail "$lang.po compiles (msgfmt --check)"
  fi
  total=$(msgattrib --no-obsolete "$file" 2>/dev/null | count)
  untranslated=$(msgattrib --untranslated --no-obsolete "$file" 2>/dev/null | count)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$file" 2>/dev/null | count)
  echo "# $lang: $total messages, $untranslated untranslated, $fuzzy fuzzy"
  cli_open=$( {
    msgattrib --untranslated --no-obsolete "$file"
    msgattrib --only-fuzzy --no-obsolete --clear-fuzzy "$file"
  } 2>/dev/null | msggrep --location='cli/*' --location=client/osp-reason.c \
    --location=client/osp-secret-kind.c 2>/dev/null |
    msgattrib --no-wrap 2>/dev/null |
    sed -n 's/^msgid //p' | grep -vx '""')
  if [ -z "$cli_open" ]; then
    result ok "$lang.po: every message of cli/ is translated and not fuzzy"
  else
    printf '%s\n' "$cli_open" | sed 's/^/# open: /'
    result fail "$lang.po: every message of cli/ is translated and not fuzzy"
  fi
done

# POTFILES.in against the sources
listed=$(sed 's/#.*//; /^[[:space:]]*$/d' "$po/POTFILES.in")
missing=()
for f in $listed; do
  [ -f "$src/$f" ] || missing+=("$f")
done
if [ ${#missing[@]} = 0 ]; then
  result ok "every file in POTFILES.in exists"
else
  result fail "every file in POTFILES.in exists (not found: ${missing[*]})"
fi
unlisted=()
for f in "$src"/{client,daemon,cli,gui}/*.c "$src"/gui/*/*.c; do
  [ -f "$f" ] || continue
  rel=${f#"$src"/}
  grep -qE '(^|[^[:alnum:]_])(N?_|C_|NC_|ngettext|g_dngettext)\(' "$f" || continue
  grep -qxF "$rel" <<<"$listed" || unlisted+=("$rel")
done
if [ ${#unlisted[@]} = 0 ]; then
  result ok "POTFILES.in lists every source file with translatable strings"
else
  result fail "POTFILES.in lists every source file with translatable strings (add: ${unlisted[*]})"
fi

# The policy merged by i18n.merge_file: each description and message once
# per language, and still valid.
if [ -n "$policy" ]; then
  strings=$(grep -cE '<(description|message)[ >]' "$src/data/net.ospreyvpn.osprey1.policy")
  for lang in $langs; do
    got=$(grep -cE "<(description|message) [^>]*xml:lang=\"$lang\"" "$policy")
    if [ "$got" = "$strings" ]; then
      result ok "the built policy has all $strings strings in $lang"
    else
      result fail "the built policy has all $strings strings in $lang (has $got)"
    fi
  done
  dtd=/usr/share/polkit-1/policyconfig-1.dtd
  if command -v xmllint >/dev/null && [ -r $dtd ]; then
    if out=$(xmllint --noout --dtdvalid $dtd "$policy" 2>&1); then
      result ok "the built policy is valid"
    else
      printf '# %s\n' "$out"
      result fail "the built policy is valid"
    fi
  fi
fi

tap_end
