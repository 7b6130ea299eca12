#!/usr/bin/env bash
# ctest entry: runs tests/e2e/nvim/test.lua in a headless Neovim against `weft lsp`.
# Exit 77 (skipped) when nvim is not installed.
set -uo pipefail
WEFT_BIN="$1"
WORK="${2:-$(mktemp -d)}"
HERE="$(cd "$(dirname "$0")" && pwd)"
if ! command -v nvim >/dev/null; then
  echo "nvim not found: skipping the Neovim LSP test"
  exit 77
fi
mkdir -p "$WORK"
cp "$HERE/hello.flow" "$HERE/common.flow" "$HERE/messy.flow" "$HERE/tested.flow" "$WORK/"
cd "$WORK"
export WEFT_BIN FLOW_FILE="$WORK/hello.flow" HOME="$WORK" XDG_STATE_HOME="$WORK/state" XDG_CACHE_HOME="$WORK/cache"
timeout 120 nvim --headless --clean -n -i NONE -c "luafile $HERE/test.lua" </dev/null
status=$?
if [ $status -ne 0 ]; then echo "nvim test failed (status $status)"; exit 1; fi
