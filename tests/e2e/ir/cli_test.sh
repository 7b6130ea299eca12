#!/usr/bin/env bash
# End-to-end checks of `weft compile` and `weft graph`. Usage: cli_test.sh WEFT_BINARY SOURCE_DIR
set -u
weft=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

expect_rc() {  # expect_rc WANT DESCRIPTION -- command...
  local want=$1 what=$2
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" = "$want" ] || fail "$what: exit $rc, want $want; stderr: $(cat "$tmp/err")"
}

golden=$src/tests/golden/ir
cp "$golden/parallel.flow" "$tmp/p.flow"

# compile: versions on stdout, canonical JSON on disk
expect_rc 0 "compile" -- "$weft" compile "$tmp/p.flow" -o "$tmp/p.wfc"
grep -Eq '^onboard [0-9a-f]{64}$' "$tmp/out" || fail "compile prints 'flow version': $(cat "$tmp/out")"
head -c 12 "$tmp/p.wfc" | grep -q '^{"format":1,' || fail "the .wfc starts with {\"format\":1,"
v1=$(cat "$tmp/out")

# the default output name replaces the extension
expect_rc 0 "compile (default output)" -- "$weft" compile "$tmp/p.flow"
[ -f "$tmp/p.wfc" ] || fail "default output p.wfc"

# comments and blank lines do not change the version; a real change does
{ echo "// a comment at the top"; echo; sed 's/^flow /\/* block *\/ flow /' "$tmp/p.flow"; } >"$tmp/q.flow"
expect_rc 0 "compile commented copy" -- "$weft" compile "$tmp/q.flow" -o "$tmp/q.wfc"
[ "$(cat "$tmp/out")" = "$v1" ] || fail "comments changed the version: $(cat "$tmp/out") vs $v1"
sed 's/"welcome"/"welcome2"/' "$tmp/p.flow" >"$tmp/r.flow"
expect_rc 0 "compile changed copy" -- "$weft" compile "$tmp/r.flow" -o "$tmp/r.wfc"
[ "$(cat "$tmp/out")" != "$v1" ] || fail "a changed flow kept its version"

# --dump prints the IR text
expect_rc 0 "compile --dump" -- "$weft" compile "$tmp/p.flow" -o "$tmp/p.wfc" --dump
grep -q '\[parallel\] fork' "$tmp/out" || fail "--dump shows the fork"

# errors: 1 for a bad file, 2 for usage and I/O
printf 'flow x() -> int {\n  return "a"\n}\n' >"$tmp/bad.flow"
expect_rc 1 "compile bad file" -- "$weft" compile "$tmp/bad.flow"
grep -q 'error\[E0209\]' "$tmp/err" || fail "bad file: diagnostic on stderr"
expect_rc 2 "compile missing file" -- "$weft" compile "$tmp/missing.flow"
expect_rc 2 "compile without file" -- "$weft" compile
expect_rc 2 "compile unknown option" -- "$weft" compile "$tmp/p.flow" --frobnicate
expect_rc 2 "compile unwritable output" -- "$weft" compile "$tmp/p.flow" -o "$tmp/no/such/dir/x.wfc"

# graph
expect_rc 0 "graph dot" -- "$weft" graph "$tmp/p.flow" --flow onboard --format dot
grep -q '^digraph "onboard" {' "$tmp/out" || fail "graph dot output"
grep -q 'label="branch welcome"' "$tmp/out" || fail "graph dot has the branch cluster"
grep -q 'style=dashed' "$tmp/out" || fail "graph dot has a dashed catch edge"
expect_rc 0 "graph mermaid (only flow)" -- "$weft" graph "$tmp/p.flow" --format mermaid
grep -q '^flowchart TD' "$tmp/out" || fail "graph mermaid output"
expect_rc 2 "graph unknown flow" -- "$weft" graph "$tmp/p.flow" --flow nope
grep -q 'flows: onboard' "$tmp/err" || fail "graph unknown flow lists the flows"
expect_rc 2 "graph unknown format" -- "$weft" graph "$tmp/p.flow" --format png
expect_rc 2 "graph svg without dot" -- env PATH=/nonexistent "$weft" graph "$tmp/p.flow" --format svg
grep -q 'Graphviz' "$tmp/err" || fail "svg without dot names Graphviz"
if command -v dot >/dev/null 2>&1; then
  expect_rc 0 "graph svg" -- "$weft" graph "$tmp/p.flow" --format svg -o "$tmp/p.svg"
  grep -q '<svg' "$tmp/p.svg" || fail "graph svg output"
fi

# every example and the complete docs/design-language.md modules (§1, §5) compile, and every flow draws
for f in "$src"/examples/*.flow "$src"/tests/unit/syntax/data/language_first_look.flow \
         "$src"/tests/unit/syntax/data/language_triggers.flow; do
  expect_rc 0 "compile $(basename "$f")" -- "$weft" compile "$f" -o "$tmp/ex.wfc"
  for flow in $(cut -d' ' -f1 "$tmp/out"); do
    expect_rc 0 "graph $(basename "$f") $flow" -- "$weft" graph "$f" --flow "$flow" --format dot -o "$tmp/ex.dot"
  done
done

[ "$fails" = 0 ] && echo "all weft compile/graph checks passed"
exit $((fails > 0))
