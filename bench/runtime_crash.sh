#!/bin/sh
# The big crash configuration of tests/e2e/engine/crash_test.cpp: 1,000 executions of a 3-step flow
# with two waits, the `weft run` process SIGKILLed 20 times at random moments and resumed with
# `weft run --resume` until every execution ended; then the history and the test server's log are
# checked (exactly once, nothing re-sent after a recorded completion, contiguous history).
#
#   bench/runtime_crash.sh [BUILD_DIR] [EXECUTIONS] [KILLS] [REPEAT] [SEED]
# REPEAT runs the whole scenario that many times, each with a fresh data directory and seed.
set -eu
build=${1:-build}
export WEFT_E2E_CRASH_EXECUTIONS=${2:-1000}
export WEFT_E2E_CRASH_KILLS=${3:-20}
repeat=${4:-1}
if [ -n "${5:-}" ]; then export WEFT_E2E_CRASH_SEED=$5; fi
cmake --build "$build" -j2 --target weft e2e_engine >/dev/null
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
exec "$build/tests/e2e_engine" --gtest_filter='CrashE2E.*' --gtest_repeat="$repeat"
