#!/usr/bin/env bash
# Runs one stand-in test file (scenarios.test.mjs or chaos.test.mjs) with node's test runner:
# installs the pinned npm stand-ins (package-lock.json) into the build folder once (npm ci, redone
# only when the lock file changes), checks the Debian ones (java, nginx, openssl), then runs.
# Usage: run.sh BUILD_DIR WEFT_BINARY FILE.test.mjs
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$1" weft="$2" file="$3"
npmdir="$build/tests/standins-npm"
stamp="$npmdir/node_modules/.lock-sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  mkdir -p "$npmdir"
  cp "$here/package.json" "$here/package-lock.json" "$npmdir/"
  (cd "$npmdir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" >"$stamp"
fi
for tool in java openssl; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || { echo "run.sh: nginx is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
export WEFT_BINARY="$weft" WEFT_SOURCE_DIR="$(cd "$here/../../.." && pwd)" STANDINS_NODE_MODULES="$npmdir/node_modules"
exec node --test --test-reporter=spec "$here/$file"
