#!/usr/bin/env bash
# Configures and builds Weft into build/ (binary: build/weft).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE="${WEFT_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build -j"${WEFT_JOBS:-2}"
