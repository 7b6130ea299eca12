#!/usr/bin/env bash
# End-to-end checks of `weft api diff` on the tracker documents here, and the acceptance case of
# issue 17: a response field renamed in a copy of the document makes `weft check` fail at every
# flow line that reads it, and `weft api diff --flows` names exactly those lines.
# Usage: cli_test.sh WEFT_BINARY
set -u
weft=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

run() {  # run WANT_RC DESCRIPTION -- command...
  local want=$1 what=$2
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" = "$want" ] || fail "$what: exit $rc, want $want; stdout: $(cat "$tmp/out"); stderr: $(cat "$tmp/err")"
}
has() {  # has FILE LINE: the exact line is in the file
  grep -Fxq -- "$2" "$1" || fail "missing line: $2 (in $(basename "$1")):
$(cat "$1")"
}

v1=$here/specs/tracker_v1.json
v2=$here/specs/tracker_v2.json

# The same document: nothing.
run 0 "diff v1 v1" -- "$weft" api diff "$v1" "$v1"
[ -s "$tmp/out" ] && fail "a document against itself: $(cat "$tmp/out")"

# v1 → v2: every kind of change, breaking ones first, in a stable order.
run 0 "diff v1 v2" -- "$weft" api diff "$v1" "$v2"
cp "$tmp/out" "$tmp/diff"
diff -u "$here/expected_diff.txt" "$tmp/diff" || fail "diff v1 v2 differs from expected_diff.txt"
grep -q "breaking, .* safe" "$tmp/err" || fail "summary on stderr: $(cat "$tmp/err")"
run 0 "diff v1 v2 again" -- "$weft" api diff "$v1" "$v2"
cmp -s "$tmp/out" "$tmp/diff" || fail "two runs differ"

# --flows: the flows using v1 checked against v2; each hit names the flow and the step.
run 1 "diff --flows" -- "$weft" api diff "$v1" "$v2" --flows "$here/flows"
cp "$tmp/out" "$tmp/flows"
diff -u <(sed "s|^$here/||" "$here/expected_flows.txt") <(grep ': error\[' "$tmp/flows" | sed "s|^$here/||") ||
  fail "flow hits differ from expected_flows.txt"
grep -q "plain.flow" "$tmp/flows" && fail "plain.flow (an http connection) was reported"
grep -q "^1 file uses .*tracker_v1.json; 4 flow lines hit$" "$tmp/err" || fail "--flows summary: $(cat "$tmp/err")"

# No flow is hit when the new document only adds things.
python3 - "$v1" "$tmp/added.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["components"]["schemas"]["Issue"]["properties"]["locked"] = {"type": "boolean"}
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
run 0 "only additions" -- "$weft" api diff "$v1" "$tmp/added.json" --flows "$here/flows"
has "$tmp/out" 'safe: issues_get: new response field `locked`'

# Acceptance: rename the response field `title` (Issue only) in a copy of the document.
mkdir -p "$tmp/w/specs" "$tmp/w/flows"
cp "$v1" "$tmp/w/specs/tracker_v1.json"
cp "$here/flows/sync.flow" "$tmp/w/flows/"
python3 - "$v1" "$tmp/renamed.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
issue = d["components"]["schemas"]["Issue"]
issue["properties"]["headline"] = issue["properties"].pop("title")
issue["required"] = ["number", "headline", "state"]
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
run 0 "check before the rename" -- "$weft" check "$tmp/w/flows/sync.flow"
run 1 "api diff --flows names the reads" -- "$weft" api diff "$tmp/w/specs/tracker_v1.json" "$tmp/renamed.json" --flows "$tmp/w/flows"
cp "$tmp/out" "$tmp/accept"
grep ': error\[' "$tmp/out" | cut -d: -f1-3 | sort >"$tmp/diff_lines"
has "$tmp/out" 'breaking: issues_get: response field `title` removed'
has "$tmp/out" 'breaking: issues_list: response field `[].title` removed'
# The renamed document in place of the old one: `weft check` fails at the same lines.
cp "$tmp/renamed.json" "$tmp/w/specs/tracker_v1.json"
run 1 "check after the rename" -- "$weft" check "$tmp/w/flows/sync.flow"
grep -oE '^ *--> [^ ]+' "$tmp/out" | sed 's/^ *--> //' | sort >"$tmp/check_lines"
[ -s "$tmp/check_lines" ] || fail "weft check reported no located error: $(cat "$tmp/out")"
[ "$(wc -l <"$tmp/check_lines")" = 2 ] || fail "weft check: want the 2 lines that read title: $(cat "$tmp/check_lines")"
cmp -s "$tmp/check_lines" "$tmp/diff_lines" ||
  fail "weft check and api diff --flows name different lines: $(cat "$tmp/check_lines") vs $(cat "$tmp/diff_lines")"
has "$tmp/accept" "$tmp/w/flows/sync.flow:8:26: error[E0311]: flow \`issue_titles\`, step \`issue\`: record \`Issue\` has no field \`title\`"
has "$tmp/accept" "$tmp/w/flows/sync.flow:10:37: error[E0311]: flow \`issue_titles\`, step \`open\`: record \`Issue\` has no field \`title\`"

# A connection declared in an imported file: its flows are found through the import, and a line hit
# in a file that two flows (and DIR itself) reach is printed once.
mkdir -p "$tmp/imp/specs" "$tmp/imp/flows"
cp "$v1" "$tmp/imp/specs/tracker_v1.json"
cat >"$tmp/imp/flows/common.flow" <<'FLOW'
connection tracker = openapi {
  spec: "../specs/tracker_v1.json"
}

flow title_of(number: int) -> string {
  step got = tracker.issues_get(number: number)
  return got.body.title
}
FLOW
cat >"$tmp/imp/flows/reader.flow" <<'FLOW'
import "./common.flow" as common

flow read(number: int) -> string {
  step issue = common.tracker.issues_get(number: number)
  return issue.body.title
}
FLOW
sed 's/flow read(/flow read_again(/' "$tmp/imp/flows/reader.flow" >"$tmp/imp/flows/reader2.flow"
run 0 "imported connection: check" -- "$weft" check "$tmp/imp/flows/reader.flow"
run 1 "imported connection: api diff --flows" -- "$weft" api diff "$tmp/imp/specs/tracker_v1.json" "$v2" --flows "$tmp/imp/flows"
has "$tmp/out" "$tmp/imp/flows/reader.flow:5:21: error[E0311]: flow \`read\`, step \`issue\`: record \`Issue\` has no field \`title\`"
has "$tmp/out" "$tmp/imp/flows/reader2.flow:5:21: error[E0311]: flow \`read_again\`, step \`issue\`: record \`Issue\` has no field \`title\`"
has "$tmp/out" "$tmp/imp/flows/common.flow:7:19: error[E0311]: flow \`title_of\`, step \`got\`: record \`Issue\` has no field \`title\`"
[ "$(grep -c ': error\[' "$tmp/out")" = 3 ] || fail "imported connection: want 3 hits, common.flow's once: $(cat "$tmp/out")"
grep -q "^3 files use " "$tmp/err" || fail "imported connection: summary $(cat "$tmp/err")"

# Bad input: exit 2 with a located message.
run 2 "no arguments" -- "$weft" api diff
run 2 "unknown subcommand" -- "$weft" api frobnicate
run 2 "missing file" -- "$weft" api diff "$v1" "$tmp/nope.json"
grep -q "nope.json" "$tmp/err" || fail "missing file not named: $(cat "$tmp/err")"
printf '{\n  "openapi": "3.0.3",\n  "paths": {\n    "/x": [1,\n}\n' >"$tmp/broken.json"
run 2 "invalid JSON" -- "$weft" api diff "$v1" "$tmp/broken.json"
grep -Eq "broken.json:[0-9]+:[0-9]+: " "$tmp/err" || fail "invalid JSON without line:column: $(cat "$tmp/err")"
run 2 "--flows not a directory" -- "$weft" api diff "$v1" "$v2" --flows "$tmp/none"
run 2 "unknown option" -- "$weft" api diff "$v1" "$v2" --frobnicate

[ "$fails" = 0 ] && echo "all api diff checks passed"
exit $((fails > 0))
