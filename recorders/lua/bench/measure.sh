#!/usr/bin/env bash
# Measures ct-lua's overhead on the CPU-bound scripts of this folder:
# CPU seconds under plain lua5.4 and under ct-lua (each format, buffered
# and streaming), the slowdown and the recording cost per event.
#   recorders/lua/bench/measure.sh BUILD_DIR [RUNS]
set -euo pipefail
build=${1:?usage: measure.sh BUILD_DIR [RUNS]}
runs=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
ct="$build/bin/ct-lua"
rt="$build/bin/runtime-tracing"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# CPU time of "$@" (stdout discarded), in seconds: steadier than wall time
# on a shared machine. perf's task clock when perf works, else GNU time
# (10 ms ticks).
cpu() {
  if perf stat -x, -e task-clock -o "$tmp/perf" "$@" >/dev/null 2>&1; then
    awk -F, '$3 == "task-clock" { printf "%.4f\n", $1 / 1000 }' "$tmp/perf"
  else
    /usr/bin/time -f "%U %S" -o "$tmp/time" "$@" >/dev/null
    awk '{ printf "%.3f\n", $1 + $2 }' "$tmp/time"
  fi
}

# Median of $runs runs.
median() {
  for _ in $(seq "$runs"); do cpu "$@"; done |
    sort -n | awk -v n="$runs" 'NR == int((n + 1) / 2) { printf "%.3f", $1 }'
}

# Mean of 20 runs: the plain runs last a few ticks only.
mean20() {
  for _ in $(seq 20); do cpu "$@"; done | awk '{ s += $1 } END { printf "%.4f", s / NR }'
}

printf '| script | lua5.4 s | mode | ct-lua s | slowdown | events | ns/event | trace size |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for script in fib.lua sort.lua strings.lua; do
  base=$(mean20 lua5.4 "$here/$script")
  for mode in "json" "json --streaming" "v1" "v1 --streaming" "v0"; do
    fmt=${mode%% *}
    extra=""
    [[ "$mode" == *--streaming ]] && extra="--streaming"
    t=$(median "$ct" -o "$tmp/t" -f "$fmt" $extra "$here/$script")
    events=$("$rt" validate "$tmp/t" | sed -n 's/.*valid (\([0-9]*\) events.*/\1/p')
    size=$(du -sb "$tmp/t" | cut -f1)
    awk -v s="$script" -v b="$base" -v m="$mode" -v t="$t" -v e="$events" -v z="$size" 'BEGIN {
      printf "| %s | %.4f | %s | %.3f | %.1fx | %d | %.0f | %.1f MB |\n", s, b, m, t, t / b, e, (t - b) * 1e9 / e, z / 1e6 }'
    rm -rf "$tmp/t"
  done
done
