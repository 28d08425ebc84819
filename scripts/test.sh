#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite.
# BUILD_DIR and extra CMake flags can be set in the environment:
#   BUILD_DIR=build-asan CMAKE_FLAGS="-DRT_SANITIZE=ON" scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_FLAGS:-}
cmake --build "$BUILD_DIR" -j"$(nproc)"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" --timeout 600
