#!/usr/bin/env bash
# What ct-lua's built-in trace filter costs: CPU seconds (user + sys) of
# ct-lua with its default filter and with --no-default-filter on the same
# script, alternating, median of RUNS each, and their ratio; then the same
# with a filter that skips dkjson.lua (how much a filter can save).
#   recorders/lua/bench/filter_cost.sh BUILD_DIR [RUNS]
# Prints the machine's load first: compare the ratios, not the seconds.
set -euo pipefail
build=${1:?usage: filter_cost.sh BUILD_DIR [RUNS]}
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
ct="$build/bin/ct-lua"
jsontest=/usr/share/doc/lua-dkjson/examples/jsontest.lua
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/skip.toml" <<'EOF'
[meta]
name = "skip dkjson"
version = 1
[scope]
default_exec = "trace"
default_value_action = "allow"
[[scope.rules]]
selector = "file:**/dkjson.lua"
exec = "skip"
EOF

cpu() {
  rm -rf "$tmp/t"
  if perf stat -x, -e task-clock -o "$tmp/perf" "$@" >/dev/null 2>&1; then
    awk -F, '$3 == "task-clock" { printf "%.4f\n", $1 / 1000 }' "$tmp/perf"
  else
    /usr/bin/time -f "%U %S" -o "$tmp/time" "$@" >/dev/null
    awk '{ printf "%.3f\n", $1 + $2 }' "$tmp/time"
  fi
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf 'load: %s\n\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| script | no filter s | default filter s | ratio |\n|---|---|---|---|\n'
compare() { # script label flags-of-the-second
  local script=$1 label=$2
  shift 2
  : >"$tmp/a" && : >"$tmp/b"
  for _ in $(seq "$runs"); do
    cpu "$ct" --no-default-filter -o "$tmp/t" "$script" >>"$tmp/a"
    cpu "$ct" "$@" -o "$tmp/t" "$script" >>"$tmp/b"
  done
  local a b
  a=$(median <"$tmp/a")
  b=$(median <"$tmp/b")
  awk -v s="$label" -v a="$a" -v b="$b" 'BEGIN { printf "| %s | %.3f | %.3f | %.3f |\n", s, a, b, b / a }'
}
for script in fib.lua sort.lua strings.lua; do
  compare "$here/$script" "$script"
done
if [ -f "$jsontest" ]; then
  compare "$jsontest" jsontest.lua
  printf '\n| script | no filter s | dkjson.lua skipped s | ratio |\n|---|---|---|---|\n'
  compare "$jsontest" jsontest.lua --no-default-filter --trace-filter "$tmp/skip.toml"
fi
