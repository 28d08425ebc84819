#!/usr/bin/env bash
# CI hardening stage (docs/reliability.md), run by .ci/run after the plain and
# clang ASan+UBSan test runs:
#   1. the whole test suite under gcc ASan+UBSan;
#   2. a subset of the suite under valgrind memcheck (--error-exitcode=1);
#   3. clang-tidy over src/ and tools/ with the checked-in .clang-tidy;
#   4. every libFuzzer target for RT_FUZZ_SECONDS (default 60) under ASan+UBSan;
#   5. a Release (-O3) gcc build of every target, warnings as errors (gcc
#      warns at -O3 about things it does not see at -O2).
# Each step prints its duration. Budget: about 25 minutes on 2 cores.
# STEPS (default "gcc-asan valgrind tidy fuzz release") selects steps.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)
steps=${STEPS:-gcc-asan valgrind tidy fuzz release}
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
VALGRIND_TESTS=(test_base64 test_json_writer test_tracer test_pack test_alloc_failure
                test_json_reader test_v0 test_v1 test_limits test_sha256 test_toml test_filter)
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
  for t in fuzz_json_reader fuzz_v0_reader fuzz_v1_reader fuzz_ct_reader fuzz_tracedir fuzz_api \
           fuzz_toml fuzz_filter; do
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
  # The analyzer stops inlining functions of more than ipa-always-inline-size
  # (3) blocks beyond 5 nested calls; past that depth it cannot see that the
  # error helpers (rt_err_code) never return RT_OK and reports "succeeded"
  # paths whose outputs are unset. 10 covers them; .clang-tidy cannot say it.
  local analyzer=(--extra-arg=-Xclang --extra-arg=-analyzer-config
                  --extra-arg=-Xclang --extra-arg=ipa-always-inline-size=10)
  xargs -P"$jobs" -n4 clang-tidy -p build-tidy --quiet "${analyzer[@]}" <build-tidy/tidy-files \
    >build-tidy/tidy.log 2>&1 || true
  local findings
  findings=$(grep -E "(warning|error):" build-tidy/tidy.log || true)
  if [ -n "$findings" ]; then echo "$findings"; return 1; fi
  echo "clang-tidy: $(wc -l <build-tidy/tidy-files) files clean"
}

fuzz() {
  cmake -S . -B build-fuzz-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRT_FUZZ=ON \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  cmake --build build-fuzz-ci -j"$jobs" --target fuzz_json_reader fuzz_v0_reader fuzz_v1_reader \
    fuzz_ct_reader fuzz_tracedir fuzz_api fuzz_toml fuzz_filter
  RT_FUZZ_OUT="$PWD/build-fuzz-ci/fuzz-run" tests/fuzz/run.sh build-fuzz-ci "${RT_FUZZ_SECONDS:-60}" "$jobs"
}

release() {
  cmake -S . -B build-release-ci -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc >/dev/null
  cmake --build build-release-ci -j"$jobs" >build-release-ci/build.log 2>&1 || { tail -50 build-release-ci/build.log; return 1; }
  echo "release build: clean"
}

has gcc-asan && timed "gcc ASan+UBSan test suite" gcc_asan
has valgrind && timed "valgrind memcheck" valgrind_suite
has tidy && timed "clang-tidy" tidy
has fuzz && timed "fuzzing" fuzz
has release && timed "Release -O3 build" release
echo "hardening: all green"
