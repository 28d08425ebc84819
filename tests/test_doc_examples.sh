#!/usr/bin/env bash
# Compiles (and runs) the C examples in README.md and docs/*.md, so that they
# cannot rot. A fenced ```c block is checked when it is a complete program
# (it defines main) or when the last non-blank line before it is a marker:
#
#   <!-- compile -->               compile, link and run it
#   <!-- compile args="A B" -->    the same, run with arguments A B
#                                  ({fixtures} in them: the golden fixtures dir)
#   <!-- compile-only -->          compile and link, do not run
#   <!-- no-compile -->            not checked (a deliberately partial snippet)
#
# `same-as=PATH` in a compile marker also requires the block to equal the
# file PATH (relative to the repository), e.g. the tutorial's program.
# A ``` or ```text block marked <!-- output --> must equal the standard
# output of the program run just before it.
# A block without main is a fragment: its #include lines stay at the top and
# the rest becomes the body of main, after <stdio.h>, <stdlib.h>, <string.h>
# and "runtime_tracing.h". Every program runs in a new empty directory and
# must exit 0. Unmarked fragments are listed but not checked.
#
#   test_doc_examples.sh SOURCE_DIR CC "CFLAGS" "LIBS" [FIXTURES_DIR]
set -euo pipefail
if [ $# -lt 4 ] || [ $# -gt 5 ]; then
  echo "usage: $0 SOURCE_DIR CC CFLAGS LIBS [FIXTURES_DIR]" >&2
  exit 2
fi
SRC=$1 CC=$2 FIXTURES=${5:-$1/../shared/fixtures}
read -r -a CFLAGS <<<"$3"
read -r -a LIBS <<<"$4"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rt-docex.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

docs=("$SRC/README.md")
for f in "$SRC"/docs/*.md; do [ -e "$f" ] && docs+=("$f"); done

# Splits every ```c block into $TMP/ex-*.c (and every output block into
# ex-*.txt) and writes one manifest line per block: file, doc:line, mode
# (run, compile-only, skip, fragment, output), args, same-as, has_main.
for doc in "${docs[@]}"; do
  awk -v out="$TMP" -v name="${doc#"$SRC"/}" '
    function flush_block(   mode, args, same, m) {
      n = ++nblocks; file = sprintf("%s/ex-%s-%d.c", out, id, n)
      printf "%s", body > file; close(file)
      m = marker; mode = ""; args = ""; same = ""
      if (m ~ /^<!-- *no-compile *-->$/) mode = "skip"
      else if (m ~ /^<!-- *compile-only[ >]/) mode = "compile-only"
      else if (m ~ /^<!-- *compile[ >]/) mode = "run"
      if (mode == "run" || mode == "compile-only") {
        if (m ~ /args="[^"]*"/) { args = m; sub(/.*args="/, "", args); sub(/".*/, "", args) }
        if (m ~ /same-as=[^ ]+/) { same = m; sub(/.*same-as=/, "", same); sub(/[ ].*/, "", same); sub(/-->$/, "", same) }
      }
      if (mode == "" && has_main) mode = "run"
      if (mode == "") mode = "fragment"
      printf "%s\037%s:%d\037%s\037%s\037%s\037%d\n", file, name, start, mode, args, same, has_main
    }
    BEGIN { id = name; gsub(/[^A-Za-z0-9]/, "_", id); in_block = 0; in_out = 0; marker = "" }
    in_out && /^```[ \t]*$/ {
      n = ++nblocks; file = sprintf("%s/ex-%s-%d.txt", out, id, n)
      printf "%s", body > file; close(file)
      printf "%s\037%s:%d\037output\037\037\0370\n", file, name, start
      in_out = 0; marker = ""; next
    }
    in_out { body = body $0 "\n"; next }
    in_block && /^```[ \t]*$/ { flush_block(); in_block = 0; marker = ""; next }
    in_block { body = body $0 "\n"; if ($0 ~ /(^|[ \t])main[ \t]*\(/) has_main = 1; next }
    /^```c[ \t]*$/ { in_block = 1; body = ""; has_main = 0; start = NR; next }
    /^```(text)?[ \t]*$/ && marker ~ /^<!-- *output *-->$/ { in_out = 1; body = ""; start = NR; next }
    /^[ \t]*$/ { next }
    { line = $0; sub(/^[ \t]+/, "", line); sub(/[ \t]+$/, "", line); marker = line }
  ' "$doc" >>"$TMP/manifest"
done
[ -s "$TMP/manifest" ] || { echo "FAIL: no C examples found in ${docs[*]}"; exit 1; }

checked=0 failed=0 unchecked=0 last_out=""
while IFS=$'\037' read -r file where mode args same has_main; do
  if [ "$mode" = output ]; then
    checked=$((checked + 1))
    if [ -z "$last_out" ]; then
      echo "FAIL:    $where: an output block without a program run just before it"
      failed=$((failed + 1))
    elif ! cmp -s "$file" "$last_out"; then
      echo "FAIL:    $where differs from what the program printed:"; diff "$file" "$last_out" | head -20 || true
      failed=$((failed + 1))
    else
      echo "ok:      $where (output matches)"
    fi
    last_out=""; continue
  fi
  last_out=""
  case $mode in
    skip) echo "skip:    $where (no-compile)"; continue ;;
    fragment) echo "note:    $where is a fragment without a marker: not checked"; unchecked=$((unchecked + 1)); continue ;;
  esac
  checked=$((checked + 1))
  if [ -n "$same" ] && ! cmp -s "$file" "$SRC/$same"; then
    echo "FAIL:    $where differs from $same:"; diff "$SRC/$same" "$file" | head -20 || true
    failed=$((failed + 1)); continue
  fi
  prog=$file
  if [ "$has_main" = 0 ]; then
    prog=${file%.c}-main.c
    {
      printf '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include "runtime_tracing.h"\n'
      grep '^#include' "$file" || true
      printf 'int main(void)\n{\n'
      grep -v '^#include' "$file" || true
      printf 'return 0;\n}\n'
    } >"$prog"
  fi
  exe=${file%.c}
  if ! "$CC" -std=c11 -Wall -Wextra -Werror -pedantic "${CFLAGS[@]}" -o "$exe" "$prog" "${LIBS[@]}" >"$exe.log" 2>&1; then
    echo "FAIL:    $where does not compile:"; sed 's/^/    /' "$exe.log"
    failed=$((failed + 1)); continue
  fi
  if [ "$mode" = run ]; then
    read -r -a argv <<<"${args//\{fixtures\}/$FIXTURES}"
    mkdir "$exe.run"
    rc=0
    (cd "$exe.run" && "$exe" "${argv[@]}") >"$exe.out" 2>"$exe.err" || rc=$?
    if [ "$rc" -ne 0 ]; then
      echo "FAIL:    $where exited with $rc:"; cat "$exe.out" "$exe.err" | sed 's/^/    /' | head -40 || true
      failed=$((failed + 1)); continue
    fi
    last_out=$exe.out
    echo "ok:      $where (compiled, ran)"
  else
    echo "ok:      $where (compiled)"
  fi
done <"$TMP/manifest"

echo "$checked examples checked, $failed failed, $unchecked unmarked fragments not checked"
[ "$failed" -eq 0 ] && [ "$checked" -gt 0 ]
