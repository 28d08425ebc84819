#!/usr/bin/env bash
# Measures ct-lua's overhead on the CPU-bound scripts of this folder:
# seconds under plain lua5.4 and under ct-lua (each format, buffered and
# streaming), the slowdown and the recording cost per event.
#   recorders/lua/bench/measure.sh BUILD_DIR [RUNS]
set -euo pipefail
build=${1:?usage: measure.sh BUILD_DIR [RUNS]}
runs=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
ct="$build/bin/ct-lua"
rt="$build/bin/runtime-tracing"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Median wall time of $runs runs of "$@" (stdout discarded), in seconds.
median() {
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    times+=($(( t1 - t0 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v n="$runs" 'NR == int((n + 1) / 2) { printf "%.3f", $1 / 1e9 }'
}

printf '| script | lua5.4 s | mode | ct-lua s | slowdown | events | ns/event | trace size |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for script in fib.lua sort.lua strings.lua; do
  base=$(median lua5.4 "$here/$script")
  for mode in "json" "json --streaming" "v1" "v1 --streaming" "v0"; do
    fmt=${mode%% *}
    extra=""
    [[ "$mode" == *--streaming ]] && extra="--streaming"
    t=$(median "$ct" -o "$tmp/t" -f "$fmt" $extra "$here/$script")
    events=$("$rt" validate "$tmp/t" | sed -n 's/.*valid (\([0-9]*\) events.*/\1/p')
    size=$(du -sb "$tmp/t" | cut -f1)
    awk -v s="$script" -v b="$base" -v m="$mode" -v t="$t" -v e="$events" -v z="$size" 'BEGIN {
      printf "| %s | %.3f | %s | %.3f | %.1fx | %d | %.0f | %.1f MB |\n", s, b, m, t, t / b, e, (t - b) * 1e9 / e, z / 1e6 }'
    rm -rf "$tmp/t"
  done
done
