#!/usr/bin/env bash
# Builds the engine, store, syntax and LSP tests with AddressSanitizer + UndefinedBehaviorSanitizer
# into build-asan/ and runs them (the e2e tests spawn the sanitized `weft`). Slow (a Debug -O1
# build of most of the tree): a check to run before a release or after touching the runtime's
# coroutines, not part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -O1"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
targets=(weft unit_runtime unit_store unit_syntax unit_lsp e2e_engine)
cmake --build build-asan -j2 --target "${targets[@]}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export WEFT_E2E_CRASH_EXECUTIONS=${WEFT_E2E_CRASH_EXECUTIONS:-100} WEFT_E2E_CRASH_KILLS=${WEFT_E2E_CRASH_KILLS:-3}
for t in unit_runtime unit_store unit_syntax unit_lsp e2e_engine; do
  echo "== $t (sanitized)"
  build-asan/tests/$t --gtest_brief=1
done
echo "sanitized tests passed"
