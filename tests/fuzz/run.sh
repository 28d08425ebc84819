#!/usr/bin/env bash
# Runs the libFuzzer targets of BUILD_DIR (configured with -DRT_FUZZ=ON) for
# SECONDS each, JOBS at a time, on the corpora made by seed-corpus.sh.
# Crashes are kept as OUT/artifacts/<target>-crash-*; logs in OUT/<target>.log.
# Exits 1 when any target found a crash, leak, timeout or out-of-memory.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS [JOBS] [TARGET...]
# Environment: RT_FUZZ_OUT (default /tmp/rt-fuzz), RT_FUZZ_FORK=1 to keep
# going after a crash (libFuzzer's -fork=1 -ignore_crashes=1).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build=$(cd "$1" && pwd); secs=$2; jobs=${3:-1}; shift 3 || shift $#
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_json_reader fuzz_v0_reader fuzz_v1_reader fuzz_ct_reader fuzz_tracedir fuzz_api fuzz_toml fuzz_filter)
out=${RT_FUZZ_OUT:-/tmp/rt-fuzz}
mkdir -p "$out/artifacts"
"$here/seed-corpus.sh" "$out/corpus" >/dev/null

run_one() {
  local t=$1 extra=()
  if [ "${RT_FUZZ_FORK:-0}" = 1 ]; then
    extra=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  # Targets that take a path write it under /tmp; run from there.
  (cd /tmp && "$build/bin/$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
     -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" "${extra[@]}" \
     "$out/corpus/$t" >"$out/$t.log" 2>&1)
}

status=0
for t in "${targets[@]}"; do
  run_one "$t" &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
done
wait || true
for t in "${targets[@]}"; do
  runs=$(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$out/$t.log" | tail -1 | awk '{print $2}')
  [ -n "$runs" ] || runs=$(grep -Eo '^#[0-9]+' "$out/$t.log" | tail -1 | tr -d '#')
  echo "$t: ${secs}s, ${runs:-?} executions"
  if grep -q -E '^==[0-9]+==ERROR|ERROR: libFuzzer|runtime error:' "$out/$t.log"; then
    echo "$t: FAILED (see $out/$t.log)"; status=1
  fi
done
if ls "$out/artifacts/" 2>/dev/null | grep -q .; then
  echo "artifacts:"; ls -l "$out/artifacts/"
  status=1
fi
exit $status
