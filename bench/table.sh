#!/usr/bin/env bash
# Produces the tables of docs/performance.md: every format x mode x N, the
# best and the median of R runs each, then the per-call-kind costs. The best
# run is the one least disturbed by whatever else the machine was doing.
#   bench/table.sh [-r R] [-d DIR] [-n "1000000 10000000"] [--null]
# DIR is where the events files go (default /tmp); --null discards them.
set -euo pipefail
here=$(dirname "$0")
runs=5 dir=/tmp sizes="1000000 10000000" sink=file
while [ $# -gt 0 ]; do
  case $1 in
    -r) runs=$2; shift 2 ;;
    -d) dir=$2; shift 2 ;;
    -n) sizes=$2; shift 2 ;;
    --null) sink=null; shift ;;
    *) echo "usage: $0 [-r R] [-d DIR] [-n SIZES] [--null]" >&2; exit 2 ;;
  esac
done
bin=${RT_BENCH:-$here/../build/bin/rt-bench}
parallel=$(dirname "$bin")/rt-parallel
machine() {
  printf '%s; ' "$(uptime | sed 's/.*load/load/')"
  if [ -x "$parallel" ]; then "$parallel"; else echo; fi
}
echo "machine before: $(machine)"
echo

field() { # field NAME LINE
  for kv in $2; do
    if [ "${kv%%=*}" = "$1" ]; then echo "${kv#*=}"; fi
  done
}

echo "| format | mode | API calls | calls/s best | calls/s median | ns/call best | bytes/event | output bytes | peak RSS |"
echo "|---|---|---|---|---|---|---|---|---|"
# v1 and ct as the library's defaults give them (the compression thread when
# two CPUs are there), and +inline: compress_thread off.
for n in $sizes; do
  for fmt in json v0 v1 v1+inline ct ct+inline; do
    for mode in buffered streaming; do
      flags=(--calls "$n" --format "${fmt%+inline}")
      [ "${fmt%+inline}" != "$fmt" ] && flags+=(--no-compress-thread)
      [ "$mode" = streaming ] && flags+=(--streaming)
      if [ "$sink" = null ]; then flags+=(--null); else flags+=(--out "$dir/rt-bench.out"); fi
      lines=()
      for _ in $(seq "$runs"); do
        if [ "$sink" = file ]; then rm -f "$dir/rt-bench.out"; sync; fi
        lines+=("$("$bin" "${flags[@]}" | tail -n 1)")
      done
      if [ "$sink" = file ]; then rm -f "$dir/rt-bench.out"; fi
      # Sorted by speed: the best run and the median one.
      sorted=$(printf '%s\n' "${lines[@]}" | while read -r l; do echo "$(field calls_per_s "$l") $l"; done | sort -n)
      best=$(echo "$sorted" | tail -n 1 | cut -d' ' -f2-)
      median=$(echo "$sorted" | sed -n "$(((runs + 1) / 2))p" | cut -d' ' -f2-)
      awk -v f="$fmt" -v m="$mode" -v n="$n" -v cps="$(field calls_per_s "$best")" \
          -v med="$(field calls_per_s "$median")" -v bpe="$(field bytes_per_event "$best")" \
          -v bytes="$(field bytes "$best")" -v rss="$(field peak_rss_kib "$best")" 'BEGIN {
        printf "| %s | %s | %g M | %.2f M | %.2f M | %.1f | %.2f | %.1f MB | %.1f MiB |\n",
               f, m, n / 1e6, cps / 1e6, med / 1e6, 1e9 / cps, bpe, bytes / 1e6, rss / 1024 }'
    done
  done
done

echo
echo "| format | mode | call | ns/call (recording thread, median of 5) | wall ns/call | events/call |"
echo "|---|---|---|---|---|---|"
for fmt in json v0 v1 ct; do
  for mode in buffered streaming; do
    flags=(--calls 1000000 --format "$fmt" --null --micro)
    [ "$mode" = streaming ] && flags+=(--streaming)
    "$bin" "${flags[@]}" | awk -v f="$fmt" -v m="$mode" '/^MICRO/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "| %s | %s | %s | %s | %s | %s |\n", f, m, v["kind"], v["ns_per_call"], v["wall_ns_per_call"],
             v["events_per_call"] }'
  done
done
echo
echo "machine after: $(machine)"
