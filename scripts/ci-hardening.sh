#!/usr/bin/env bash
# CI hardening stage (docs/reliability.md), run by .ci/run after the plain and
# clang ASan+UBSan test runs:
#   1. the whole test suite under gcc ASan+UBSan;
#   2. a subset of the suite under valgrind memcheck (--error-exitcode=1);
#   3. clang-tidy over src/ and tools/ with the checked-in .clang-tidy;
#   4. every libFuzzer target for RT_FUZZ_SECONDS (default 60) under ASan+UBSan.
# Each step prints its duration. Budget: about 25 minutes on 2 cores.
# STEPS (default "gcc-asan valgrind tidy fuzz") selects steps.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)
steps=${STEPS:-gcc-asan valgrind tidy fuzz}
has() { [[ " $steps " == *" $1 "* ]]; }
timed() { # timed NAME CMD...: runs CMD, prints its duration
  local name=$1 t0=$SECONDS; shift
  echo "=== $name"
  "$@"
  echo "=== $name: $((SECONDS - t0)) s"
}

gcc_asan() {
  BUILD_DIR=build-asan-gcc CMAKE_FLAGS="-DRT_SANITIZE=ON -DCMAKE_C_COMPILER=gcc" scripts/test.sh
}

# Valgrind runs the unit tests that exercise the library's own code paths:
# writers, readers of every format, the tracer, allocation-failure loops,
# hostile-input limits and the fuzz regression inputs. Left out, because they
# measure timing or processes rather than memory use: test_streaming (SIGKILL
# at random moments, follow mode, an RSS bound), test_cli (drives the tool as
# subprocesses; runs under both sanitizers), test_bench_workload (a
# benchmark-sized workload), test_lua (the Lua interpreter), test_json_float
# (a million random doubles through the number printer and parser: pure
# arithmetic on stack buffers, over ten minutes under valgrind, covered by both
# sanitizer runs; the same code runs under valgrind in test_json_writer and
# test_json_reader). RT_TEST_QUICK=1 is
# set for tests that shrink their workloads with it.
VALGRIND_TESTS=(test_json_writer test_tracer test_pack test_alloc_failure
                test_json_reader test_v0 test_v1 test_limits)
valgrind_suite() {
  cmake -S . -B build-valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc >/dev/null
  cmake --build build-valgrind -j"$jobs"
  local vg=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect
            --track-fds=no)
  local fail=0 pids=() names=()
  run() { # run NAME CMD...: one valgrind run, output kept in a log
    local name=$1 t0=$SECONDS; shift
    if (cd build-valgrind && CMOCKA_MESSAGE_OUTPUT=stdout RT_TEST_QUICK=1 "${vg[@]}" "$@") \
         >"build-valgrind/valgrind-$name.log" 2>&1; then
      echo "valgrind $name: ok ($((SECONDS - t0)) s)"
    else
      echo "valgrind $name: FAILED ($((SECONDS - t0)) s)"; tail -50 "build-valgrind/valgrind-$name.log"
      return 1
    fi
  }
  for t in "${VALGRIND_TESTS[@]}"; do
    run "$t" "bin/$t" & pids+=($!)
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || fail=1; done
  done
  for t in fuzz_json_reader fuzz_v0_reader fuzz_v1_reader fuzz_tracedir fuzz_api; do
    local dirs=()
    for d in "$PWD/tests/data/$t" "$PWD/tests/fuzz/corpus/$t"; do [ -d "$d" ] && dirs+=("$d"); done
    [ ${#dirs[@]} -gt 0 ] || continue
    run "$t" "bin/${t}_replay" "${dirs[@]}" & pids+=($!)
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || fail=1; done
  done
  while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || fail=1; done
  return $fail
}

tidy() {
  cmake -S . -B build-tidy -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_C_COMPILER=clang >/dev/null
  cmake --build build-tidy -j"$jobs" --target rt_objects >/dev/null # generated headers
  python3 - >build-tidy/tidy-files <<'PY'
import json
cmds = json.load(open("build-tidy/compile_commands.json"))
print("\n".join(sorted({c["file"] for c in cmds if "/src/" in c["file"] or "/tools/" in c["file"]})))
PY
  xargs -P"$jobs" -n4 clang-tidy -p build-tidy --quiet <build-tidy/tidy-files >build-tidy/tidy.log 2>&1 || true
  # Findings in files still under active work, reported to their owners
  # (docs/reliability.md); each line is a pattern on "file:line:col: ... [check]".
  local known='src/cbor/cbor_event_decode.c:[0-9]+:[0-9]+: .*\[bugprone-macro-parentheses|src/tracer/tracer.c:[0-9]+:[0-9]+: .*\[bugprone-sizeof-expression'
  local findings
  findings=$(grep -E "(warning|error):" build-tidy/tidy.log | grep -Ev "$known" || true)
  grep -E "$known" build-tidy/tidy.log | sed 's/^/known, reported: /' || true
  if [ -n "$findings" ]; then echo "$findings"; return 1; fi
  echo "clang-tidy: $(wc -l <build-tidy/tidy-files) files clean"
}

fuzz() {
  cmake -S . -B build-fuzz-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRT_FUZZ=ON \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  cmake --build build-fuzz-ci -j"$jobs" --target fuzz_json_reader fuzz_v0_reader fuzz_v1_reader \
    fuzz_tracedir fuzz_api
  RT_FUZZ_OUT="$PWD/build-fuzz-ci/fuzz-run" tests/fuzz/run.sh build-fuzz-ci "${RT_FUZZ_SECONDS:-60}" "$jobs"
}

has gcc-asan && timed "gcc ASan+UBSan test suite" gcc_asan
has valgrind && timed "valgrind memcheck" valgrind_suite
has tidy && timed "clang-tidy" tidy
has fuzz && timed "fuzzing" fuzz
echo "hardening: all green"
