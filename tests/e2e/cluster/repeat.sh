#!/usr/bin/env bash
# Runs the cluster test N times in a row (default 10); stops at the first failure.
# usage: tests/e2e/cluster/repeat.sh [N] [BUILD_DIR]
set -euo pipefail
n=${1:-10}
build=${2:-"$(dirname "$0")/../../../build"}
for i in $(seq 1 "$n"); do
  start=$(date +%s)
  if ! "$build/tests/e2e_cluster" >"/tmp/e2e_cluster_run_$i.log" 2>&1; then
    echo "run $i of $n FAILED (log: /tmp/e2e_cluster_run_$i.log)"
    tail -40 "/tmp/e2e_cluster_run_$i.log"
    exit 1
  fi
  echo "run $i of $n passed in $(( $(date +%s) - start )) s"
done
echo "all $n runs passed"
