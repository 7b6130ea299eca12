#!/usr/bin/env bash
# Times `weft check` of a flow against GitHub's REST description (@octokit/openapi@19.0.0,
# generated/api.github.com.json, ~11 MB, 1,028 operations), fetched by tests/openapi/fetch.sh; the
# target is < 500 ms wall. Side by side, in the same run: the same flow against the trimmed copy in
# examples/specs/github-issues.json (32 KB), so the ratio shows what the big document costs.
# Usage: bench/openapi_check_bench.sh [BUILD_DIR] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-7}
weft="$build/weft"
[ -x "$weft" ] || { echo "openapi_check_bench: build the weft binary first (cmake --build $build --target weft)" >&2; exit 2; }
tests/openapi/fetch.sh "$build"
big="$(cd "$build" && pwd)/testdata/openapi/@octokit/openapi@19.0.0/generated/api.github.com.json"
small="$(pwd)/examples/specs/github-issues.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|\./specs/github-issues.json|$big|" examples/github_issues_to_crm.flow >"$tmp/big.flow"
sed "s|\./specs/github-issues.json|$small|" examples/github_issues_to_crm.flow >"$tmp/small.flow"
echo "document: $(wc -c <"$big") bytes; flow: examples/github_issues_to_crm.flow ($(wc -l <"$tmp/big.flow") lines)"
for f in big small; do
  "$weft" check "$tmp/$f.flow" >"$tmp/out" 2>&1 || { echo "openapi_check_bench: $f.flow does not check cleanly:" >&2; cat "$tmp/out" >&2; exit 1; }
done
# Milliseconds of one `weft check` (wall).
time_one() {
  local start end
  start=$(date +%s%N)
  "$weft" check "$1" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
big_ms=() small_ms=()
for i in $(seq "$runs"); do  # interleaved, so both see the same machine load
  big_ms+=("$(time_one "$tmp/big.flow")")
  small_ms+=("$(time_one "$tmp/small.flow")")
  echo "run $i: full document ${big_ms[-1]} ms, trimmed copy ${small_ms[-1]} ms"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bm=$(median "${big_ms[@]}")
sm=$(median "${small_ms[@]}")
best=$(printf '%s\n' "${big_ms[@]}" | sort -n | head -1)
echo "weft check against the 11 MB GitHub description: median ${bm} ms, best ${best} ms (target < 500 ms); trimmed copy: median ${sm} ms"
[ "$bm" -lt 500 ] || { echo "openapi_check_bench: median ${bm} ms is over the 500 ms target" >&2; exit 1; }
