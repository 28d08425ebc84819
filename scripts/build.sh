#!/usr/bin/env bash
# Installs what is missing, builds everything into build/, and records the
# demo trace into ./demo-trace/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
rm -rf demo-trace
(cd examples && ../build/bin/tutorial ../demo-trace)
echo "demo trace written to ./demo-trace/:"
ls -R demo-trace
