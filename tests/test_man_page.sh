#!/usr/bin/env bash
# The man page documents the tool as it is: every command that
# `runtime-tracing --help` lists has an entry in COMMANDS, every entry is a
# command --help lists (once it lists any), and the page names the version.
#
#   test_man_page.sh TOOL MANPAGE VERSION
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 TOOL MANPAGE VERSION" >&2
  exit 2
fi
TOOL=$1 MAN=$2 VERSION=$3
status=0

# Commands in the man page: ".B name" right after ".TP" in the COMMANDS section.
man_cmds=$(awk '/^\.SH /{ in_cmds = ($2 == "COMMANDS") } in_cmds && prev == ".TP" && $1 == ".B" { print $2 } { prev = $0 }' "$MAN" | sort -u)
[ -n "$man_cmds" ] || { echo "FAIL: no commands in the COMMANDS section of $MAN"; status=1; }

help=$("$TOOL" --help 2>&1) || { echo "FAIL: $TOOL --help exited with $?"; exit 1; }
# Commands in --help: lines "  name  description" or "  name" (loose on
# purpose: a line it does not recognise is not taken for a command).
help_cmds=$(printf '%s\n' "$help" | sed -n -E 's/^ {2,}([a-z][a-z0-9-]*)( {2,}[^ ].*)?$/\1/p' |
            grep -vx 'runtime-tracing' | sort -u || true)

for c in $help_cmds; do
  grep -qx -- "$c" <<<"$man_cmds" || { echo "FAIL: '$c' is in --help but not in $MAN"; status=1; }
done
# Every documented command is mentioned by --help, once --help lists commands.
mentioned=0
for c in $man_cmds; do
  grep -qw -- "$c" <<<"$help" && mentioned=1
done
if [ "$mentioned" = 1 ]; then
  for c in $man_cmds; do
    grep -qw -- "$c" <<<"$help" || { echo "FAIL: '$c' is in $MAN but not in --help"; status=1; }
  done
else
  echo "note: --help names none of the commands yet; only the man page's own checks ran"
fi
grep -q "^\.TH .*\"runtime_tracing $VERSION\"" "$MAN" || { echo "FAIL: $MAN .TH does not name version $VERSION"; status=1; }
# The page renders without a warning (where groff is installed).
if command -v groff >/dev/null; then
  warnings=$(groff -man -ww -z "$MAN" 2>&1)
  [ -z "$warnings" ] || { echo "FAIL: groff warns about $MAN:"; echo "$warnings"; status=1; }
fi
echo "man page commands: $(echo $man_cmds); --help commands: $(echo $help_cmds)"
exit $status
