#!/usr/bin/env bash
# Runs the console's browser test: installs playwright-core (package-lock.json) into WORK_DIR when
# it is not there yet, then runs console_test.mjs. Usage: run.sh WEFT_BINARY WORK_DIR OUTPUT_DIR
set -euo pipefail
SRC="$(cd "$(dirname "$0")" && pwd)"
WEFT="$1" WORK="$2" OUT="$3"
command -v node >/dev/null || { echo "node is needed for the browser test" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium is missing: run scripts/install-deps.sh" >&2; exit 1; }
mkdir -p "$WORK" "$OUT"
if ! cmp -s "$SRC/package-lock.json" "$WORK/package-lock.json" || [ ! -d "$WORK/node_modules/playwright-core" ]; then
  cp "$SRC/package.json" "$SRC/package-lock.json" "$WORK/"
  (cd "$WORK" && npm ci --no-audit --no-fund --loglevel=error >npm-install.log 2>&1) ||
    { echo "npm ci failed:" >&2; cat "$WORK/npm-install.log" >&2; exit 1; }
fi
exec node "$SRC/console_test.mjs" "$WEFT" "$WORK" "$OUT"
