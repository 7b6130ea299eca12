#!/usr/bin/env bash
# Installs dependencies, builds, and checks every example flow end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
echo "== weft check examples/*.flow"
build/weft check examples/*.flow
echo "all examples check clean"
