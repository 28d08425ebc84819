#!/usr/bin/env bash
# Installs the Debian packages needed to build and test runtime_tracing.
# Does nothing when they are all present already. Run as root (or via sudo).
set -euo pipefail
PACKAGES=(
  gcc g++ clang make cmake pkg-config ca-certificates
  libcjson-dev libzstd-dev libpcre2-dev libcmocka-dev
  capnproto zstd python3
  lua5.4 liblua5.4-dev
  lua-dkjson lua-penlight lua-filesystem lua-argparse lua-say
  valgrind clang-tidy libclang-rt-14-dev
  doxygen
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
