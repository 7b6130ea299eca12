#!/usr/bin/env bash
# Runs the chaos test (chaos.test.mjs) N times in a row and stops at the first failure.
# Usage: tests/e2e/standins/chaos_repeat.sh N [BUILD_DIR]   (BUILD_DIR defaults to ./build)
set -euo pipefail
n="${1:?usage: chaos_repeat.sh N [BUILD_DIR]}"
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${2:-$here/../../../build}" && pwd)"
for i in $(seq 1 "$n"); do
  start=$(date +%s)
  if ! out=$(bash "$here/run.sh" "$build" "$build/weft" chaos.test.mjs 2>&1); then
    echo "$out"
    echo "chaos run $i of $n FAILED after $(( $(date +%s) - start )) s"
    exit 1
  fi
  summary=$(echo "$out" | grep -E 'executions started|outcomes|failed orders' | sed -E 's/^[#\\ ]*//' | paste -sd';' -)
  echo "chaos run $i of $n passed in $(( $(date +%s) - start )) s: $summary"
done
echo "$n passed, 0 failed"
