#!/usr/bin/env bash
# Measures ct-lua's overhead: CPU seconds (user + sys) of plain lua5.4 and of
# ct-lua on the same script, side by side, best of RUNS each (the run least
# disturbed on a shared machine), the slowdown, the events written, the
# recording cost per event and the trace size.
#   recorders/lua/bench/measure.sh BUILD_DIR [RUNS]
# Scripts: fib.lua, sort.lua, strings.lua of this folder in every format and
# mode, and dkjson's own test script (Debian's lua-dkjson, when installed)
# in the modes of DKJSON_MODES (default: each format, streaming, ct-lua's
# default: buffered it holds 71 M events in memory, about 7 GB); then Lua's own floor (lua_floor.c).
set -euo pipefail
build=${1:?usage: measure.sh BUILD_DIR [RUNS]}
runs=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
ct="$build/bin/ct-lua"
rt="$build/bin/runtime-tracing"
jsontest=/usr/share/doc/lua-dkjson/examples/jsontest.lua
modes_all=("ct" "json --buffered" "json" "v1 --buffered" "v1" "v0 --buffered")
IFS='|' read -r -a modes_dkjson <<<"${DKJSON_MODES:-ct|v1|v0|json}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# CPU time of "$@" in seconds (stdout discarded): perf's task clock when perf
# works, else GNU time (10 ms ticks). Runs in $tmp (jsontest.lua writes
# nothing, but a script could).
cpu() {
  if perf stat -x, -e task-clock -o "$tmp/perf" "$@" >/dev/null 2>&1; then
    awk -F, '$3 == "task-clock" { printf "%.4f\n", $1 / 1000 }' "$tmp/perf"
  else
    /usr/bin/time -f "%U %S" -o "$tmp/time" "$@" >/dev/null
    awk '{ printf "%.3f\n", $1 + $2 }' "$tmp/time"
  fi
}

min() { sort -n | head -1; }

# One row per mode: lua5.4 and ct-lua alternate, so that both see the same
# machine; each keeps its best run.
measure() {
  local script=$1
  shift
  local mode
  for mode in "$@"; do
    local fmt=${mode%% *} extra=""
    [[ "$mode" == *--buffered ]] && extra="--buffered"
    : >"$tmp/base" && : >"$tmp/rec"
    for _ in $(seq "$runs"); do
      cpu lua5.4 "$script" >>"$tmp/base"
      rm -rf "$tmp/t"
      cpu "$ct" -o "$tmp/t" -f "$fmt" $extra "$script" >>"$tmp/rec"
    done
    local b t events size
    b=$(min <"$tmp/base")
    t=$(min <"$tmp/rec")
    events=$("$rt" validate "$tmp/t" | sed -n 's/.*valid (\([0-9]*\) events.*/\1/p')
    size=$(du -sb "$tmp/t" | cut -f1)
    rm -rf "$tmp/t"
    awk -v s="$(basename "$script")" -v b="$b" -v m="$mode" -v t="$t" -v e="$events" -v z="$size" 'BEGIN {
      printf "| %s | %.4f | %s | %.3f | %.1fx | %d | %.0f | %.1f MB |\n", s, b, m, t, t / b, e, (t - b) * 1e9 / e, z / 1e6 }'
  done
}

printf '| script | lua5.4 s | mode | ct-lua s | slowdown | events | ns/event | trace size |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for script in fib.lua sort.lua strings.lua; do
  measure "$here/$script" "${modes_all[@]}"
done
if [ -f "$jsontest" ]; then
  measure "$jsontest" "${modes_dkjson[@]}"
fi

# Lua's own floor (bench/lua_floor.c): the same scripts with no hook, an empty
# hook, and a hook doing only the debug reads a recording needs (no library).
floor="$build/bin/lua_floor"
if [ -x "$floor" ]; then
  printf '\n| script | no hook s | empty hook s | debug reads s | reads / no hook |\n'
  printf '|---|---|---|---|---|\n'
  for script in "$here/fib.lua" "$here/sort.lua" "$here/strings.lua" "$jsontest"; do
    [ -f "$script" ] || continue
    for m in 0 1 2; do
      : >"$tmp/floor$m"
      for _ in $(seq "$runs"); do cpu "$floor" "$m" "$script" >>"$tmp/floor$m"; done
    done
    awk -v s="$(basename "$script")" -v a="$(min <"$tmp/floor0")" -v b="$(min <"$tmp/floor1")" \
        -v c="$(min <"$tmp/floor2")" 'BEGIN {
      printf "| %s | %.4f | %.4f | %.4f | %.1fx |\n", s, a, b, c, c / a }'
  done
fi
