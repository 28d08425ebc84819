#!/usr/bin/env bash
# Runs rt-bench R times (default 5) with the given arguments and prints the
# run with the median calls_per_s. The output file is removed before each run
# so that truncating the previous one is not measured.
#   bench/median.sh [-r R] RT_BENCH_ARGS...   (needs --out PATH or --null)
set -euo pipefail
runs=5
if [ "${1:-}" = "-r" ]; then runs=$2; shift 2; fi
bin=${RT_BENCH:-$(dirname "$0")/../build/bin/rt-bench}
out=
prev=
for a in "$@"; do
  [ "$prev" = "--out" ] && out=$a
  prev=$a
done
results=()
for _ in $(seq "$runs"); do
  [ -n "$out" ] && rm -f "$out"
  sync
  line=$("$bin" "$@" | tail -n 1)
  results+=("$line")
done
printf '%s\n' "${results[@]}" |
  awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^calls_per_s=/) { split($i, kv, "="); print kv[2], $0 } }' |
  sort -n | awk -v n="$runs" 'NR == int((n + 1) / 2) { $1 = ""; sub(/^ /, ""); print }'
