#!/usr/bin/env bash
# Measures ct-lua's overhead: CPU seconds (user + sys) of plain lua5.4 and of
# ct-lua on the same script, side by side, best of RUNS each (the run least
# disturbed on a shared machine), the slowdown, the events written, the
# recording cost per event and the trace size.
#   recorders/lua/bench/measure.sh BUILD_DIR [RUNS]
# Scripts: fib.lua (fib(FIB_N), default 32), sort.lua, strings.lua of this
# folder in every format and mode, and dkjson's own test script (Debian's lua-dkjson, when installed)
# in the modes of DKJSON_MODES (default: each format, streaming, ct-lua's
# default: buffered it holds 71 M events in memory, about 7 GB); then Lua's own floor (lua_floor.c).
# CPU time counts every thread (the compression thread too); the wall clock
# is printed beside it, with the load average and how many CPUs really ran
# at once (rt-parallel) before and after.
set -euo pipefail
build=${1:?usage: measure.sh BUILD_DIR [RUNS]}
runs=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
ct="$build/bin/ct-lua"
rt="$build/bin/runtime-tracing"
jsontest=/usr/share/doc/lua-dkjson/examples/jsontest.lua
modes_all=("ct" "json --buffered" "json" "v1 --buffered" "v1" "v0 --buffered")
fib_n=${FIB_N:-32}
parallel="$build/bin/rt-parallel"
machine() {
  printf '%s; ' "$(uptime | sed 's/.*load/load/')"
  if [ -x "$parallel" ]; then "$parallel"; else echo; fi
}
IFS='|' read -r -a modes_dkjson <<<"${DKJSON_MODES:-ct|v1|v0|json}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "CPU WALL" seconds of "$@" (stdout discarded): GNU time (user + sys of
# every thread, 10 ms ticks; the elapsed time).
cpu() {
  /usr/bin/time -f "%U %S %e" -o "$tmp/time" "$@" >/dev/null
  awk '{ printf "%.3f %.3f\n", $1 + $2, $3 }' "$tmp/time"
}

# The median of the lines' first (CPU) and second (wall) fields.
median() { sort -n -k"$1" | awk -v f="$1" '{ v[NR] = $f } END { print v[int((NR + 1) / 2)] }'; }

# One row per mode: lua5.4 and ct-lua alternate, so that both see the same
# machine; the medians of the runs.
measure() {
  local script=$1 sargs=""
  shift
  [ "$(basename "$script")" = fib.lua ] && sargs=$fib_n
  local mode
  for mode in "$@"; do
    local fmt=${mode%% *} extra=""
    [[ "$mode" == *--buffered ]] && extra="--buffered"
    : >"$tmp/base" && : >"$tmp/rec"
    for _ in $(seq "$runs"); do
      cpu lua5.4 "$script" $sargs >>"$tmp/base"
      rm -rf "$tmp/t"
      cpu "$ct" -o "$tmp/t" -f "$fmt" $extra "$script" $sargs >>"$tmp/rec"
    done
    local b t bw tw events size
    b=$(median 1 <"$tmp/base")
    t=$(median 1 <"$tmp/rec")
    bw=$(median 2 <"$tmp/base")
    tw=$(median 2 <"$tmp/rec")
    events=$("$rt" validate "$tmp/t" | sed -n 's/.*valid (\([0-9]*\) events.*/\1/p')
    size=$(du -sb "$tmp/t" | cut -f1)
    rm -rf "$tmp/t"
    awk -v s="$(basename "$script") $sargs" -v b="$b" -v m="$mode" -v t="$t" -v bw="$bw" -v tw="$tw" \
        -v e="$events" -v z="$size" 'BEGIN {
      printf "| %s | %.3f | %s | %.3f | %.1fx | %.3f | %.1fx | %d | %.0f | %.1f MB |\n", s, b, m, t,
             t / b, tw, tw / bw, e, (t - b) * 1e9 / e, z / 1e6 }'
  done
}

echo "machine before: $(machine)"
printf '| script | lua5.4 CPU s | mode | ct-lua CPU s | CPU slowdown | ct-lua wall s | wall slowdown | events | ns/event | trace size |\n'
printf '|---|---|---|---|---|---|---|---|---|---|\n'
for script in fib.lua sort.lua strings.lua; do
  measure "$here/$script" "${modes_all[@]}"
done
if [ -f "$jsontest" ]; then
  measure "$jsontest" "${modes_dkjson[@]}"
fi
echo "machine after: $(machine)"

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
      fa=""
      [ "$(basename "$script")" = fib.lua ] && fa=$fib_n
      for _ in $(seq "$runs"); do cpu "$floor" "$m" "$script" $fa >>"$tmp/floor$m"; done
    done
    awk -v s="$(basename "$script")" -v a="$(median 1 <"$tmp/floor0")" -v b="$(median 1 <"$tmp/floor1")" \
        -v c="$(median 1 <"$tmp/floor2")" 'BEGIN {
      printf "| %s | %.4f | %.4f | %.4f | %.1fx |\n", s, a, b, c, c / a }'
  done
fi
