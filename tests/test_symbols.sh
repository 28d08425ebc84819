#!/usr/bin/env bash
# The shared library exports exactly the public API: every function declared
# RT_API in the header, nothing else (internal helpers are hidden by
# -fvisibility=hidden), and carries the expected SONAME.
#
#   test_symbols.sh LIBRARY HEADER SONAME
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 LIBRARY HEADER SONAME" >&2
  exit 2
fi
LIB=$1 HEADER=$2 SONAME=$3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rt-symbols.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Declared: the identifier before the first "(" of each line starting RT_API.
sed -n 's/^RT_API[^(]*[^A-Za-z0-9_]\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p' "$HEADER" | sort -u >"$TMP/declared"
# Exported: defined dynamic symbols, unversioned names.
"${NM:-nm}" -D --defined-only "$LIB" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' | sort -u >"$TMP/exported"

status=0
if [ "$(wc -l <"$TMP/declared")" -lt 50 ]; then
  echo "FAIL: found only $(wc -l <"$TMP/declared") RT_API declarations in $HEADER"
  status=1
fi
unexpected=$(comm -13 "$TMP/declared" "$TMP/exported")
missing=$(comm -23 "$TMP/declared" "$TMP/exported")
if [ -n "$unexpected" ]; then
  echo "FAIL: exported but not declared RT_API in the header:"
  echo "$unexpected" | sed 's/^/  /'
  status=1
fi
if [ -n "$missing" ]; then
  echo "FAIL: declared RT_API but not exported (not implemented?):"
  echo "$missing" | sed 's/^/  /'
  status=1
fi
soname=$("${READELF:-readelf}" -d "$LIB" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" != "$SONAME" ]; then
  echo "FAIL: SONAME is '$soname', expected '$SONAME'"
  status=1
fi
echo "$(wc -l <"$TMP/exported") exported symbols, $(wc -l <"$TMP/declared") declared, SONAME $soname"
exit $status
