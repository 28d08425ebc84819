#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds the C and the C++
# consumer against it, shared and static, once through pkg-config and once
# through find_package(runtime_tracing CONFIG), and runs each one: the trace
# it writes must equal the tutorial fixture.
#
#   run.sh BUILD_DIR VERSION CC CXX FIXTURES_DIR [EXTRA_FLAGS]
#
# EXTRA_FLAGS go to every compile and link (the sanitizer build passes
# -fsanitize=..., which an instrumented library needs in its consumers).
set -euo pipefail
if [ $# -lt 5 ]; then
  echo "usage: $0 BUILD_DIR VERSION CC CXX FIXTURES_DIR [EXTRA_FLAGS]" >&2
  exit 2
fi
BUILD_DIR=$1 VERSION=$2 CC=$3 CXX=$4 FIXTURES=$5 EXTRA=${6:-}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rt-consumers.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
PREFIX=$TMP/prefix
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

echo "== cmake --install $BUILD_DIR --prefix $PREFIX"
cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$TMP/install.log" || { cat "$TMP/install.log"; exit 1; }

# What must be installed, wherever GNUInstallDirs put the libraries.
PC=$(find "$PREFIX" -name runtime_tracing.pc)
[ -n "$PC" ] || { echo "FAIL: no runtime_tracing.pc installed"; exit 1; }
LIBDIR=$(dirname "$(dirname "$PC")")
for f in include/runtime_tracing.h include/runtime_tracing_version.h bin/runtime-tracing; do
  [ -f "$PREFIX/$f" ] || fail "$f not installed"
done
for f in libruntime_tracing.a libruntime_tracing.so; do
  [ -e "$LIBDIR/$f" ] || fail "$LIBDIR/$f not installed"
done
[ -f "$LIBDIR/cmake/runtime_tracing/runtime_tracingConfig.cmake" ] || fail "CMake package not installed"
[ -f "$PREFIX/share/man/man1/runtime-tracing.1" ] || fail "man page not installed"
"$PREFIX/bin/runtime-tracing" --help >"$TMP/help.txt" 2>&1 || fail "runtime-tracing --help failed"
[ -s "$TMP/help.txt" ] || fail "runtime-tracing --help printed nothing"

# run NAME EXE [shared|static]: runs EXE in its own directory and compares
# the events and paths it wrote with the tutorial fixture.
run() {
  local name=$1 exe=$2 kind=$3 dir=$TMP/run-$1
  mkdir -p "$dir"
  # ldd's output in a variable: with pipefail, grep -q closing the pipe early
  # would fail the pipeline.
  local libs
  libs=$(ldd "$exe")
  if [ "$kind" = shared ]; then
    grep -q "libruntime_tracing.so.0 => $LIBDIR/" <<<"$libs" ||
      { fail "$name does not load $LIBDIR/libruntime_tracing.so.0"; echo "$libs"; return; }
  elif grep -q libruntime_tracing <<<"$libs"; then
    fail "$name is static but loads libruntime_tracing"; return
  fi
  local rc=0
  (cd "$dir" && "$exe" trace) || rc=$?
  if [ "$rc" -ne 0 ]; then fail "$name exited with $rc"; return; fi
  cmp "$dir/trace/trace.json" "$FIXTURES/tutorial/trace.json" || fail "$name: trace.json differs from the fixture"
  cmp "$dir/trace/trace_paths.json" "$FIXTURES/tutorial/trace_paths.json" || fail "$name: trace_paths.json differs"
  echo "ok: $name"
}

echo "== pkg-config"
export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
[ "$(pkg-config --modversion runtime_tracing)" = "$VERSION" ] || fail "pkg-config --modversion is not $VERSION"
read -r -a CFLAGS <<<"$(pkg-config --cflags runtime_tracing)"
read -r -a LIBS <<<"$(pkg-config --libs runtime_tracing)"
# Static: the same flags with the archive named explicitly, so the link only
# works when Requires.private / Libs.private list every dependency.
read -r -a SLIBS <<<"$(pkg-config --static --libs runtime_tracing | sed 's/-lruntime_tracing\b/-l:libruntime_tracing.a/')"
read -r -a XFLAGS <<<"$EXTRA"
WARN=(-Wall -Wextra -Werror -pedantic)
RPATH=(-Wl,-rpath,"$LIBDIR")
B=$TMP/pc
mkdir -p "$B"
"$CC" -std=c11 "${WARN[@]}" "${XFLAGS[@]}" "${CFLAGS[@]}" "$HERE/consumer.c" -o "$B/c_shared" "${RPATH[@]}" "${LIBS[@]}" &&
  run pkgconfig-c-shared "$B/c_shared" shared || fail "pkg-config: C shared consumer did not build"
"$CC" -std=c11 "${WARN[@]}" "${XFLAGS[@]}" "${CFLAGS[@]}" "$HERE/consumer.c" -o "$B/c_static" "${SLIBS[@]}" &&
  run pkgconfig-c-static "$B/c_static" static || fail "pkg-config: C static consumer did not build"
"$CXX" -std=c++17 "${WARN[@]}" "${XFLAGS[@]}" "${CFLAGS[@]}" "$HERE/consumer.cpp" -o "$B/cxx_shared" "${RPATH[@]}" "${LIBS[@]}" &&
  run pkgconfig-cxx-shared "$B/cxx_shared" shared || fail "pkg-config: C++ shared consumer did not build"
"$CXX" -std=c++17 "${WARN[@]}" "${XFLAGS[@]}" "${CFLAGS[@]}" "$HERE/consumer.cpp" -o "$B/cxx_static" "${SLIBS[@]}" &&
  run pkgconfig-cxx-static "$B/cxx_static" static || fail "pkg-config: C++ static consumer did not build"

echo "== find_package(runtime_tracing CONFIG)"
unset PKG_CONFIG_PATH
B=$TMP/cmake
if cmake -S "$HERE" -B "$B" -DCMAKE_PREFIX_PATH="$PREFIX" -DEXPECTED_VERSION="$VERSION" \
     -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
     -DCMAKE_C_FLAGS="$EXTRA" -DCMAKE_CXX_FLAGS="$EXTRA" -DCMAKE_EXE_LINKER_FLAGS="$EXTRA" \
     >"$TMP/cmake.log" 2>&1 && cmake --build "$B" >>"$TMP/cmake.log" 2>&1; then
  run cmake-c-shared "$B/consumer_c_shared" shared
  run cmake-c-static "$B/consumer_c_static" static
  run cmake-cxx-shared "$B/consumer_cxx_shared" shared
  run cmake-cxx-static "$B/consumer_cxx_static" static
else
  cat "$TMP/cmake.log"
  fail "find_package: the consumer project did not configure or build"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all consumers built and ran"
