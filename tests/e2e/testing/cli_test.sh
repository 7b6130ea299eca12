#!/usr/bin/env bash
# `weft test` through the real binary: exit statuses 0/1/2, the failure report, --filter, --jobs,
# and --format junit read by a real JUnit consumer (Debian's python3-junitparser).
set -uo pipefail
WEFT=$1
ROOT=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# All examples pass.
out=$("$WEFT" test "$ROOT/examples") || fail "examples: exit $? — $out"
echo "$out" | grep -Eq '^[0-9]+ passed, 0 failed' || fail "examples summary: $out"
echo "$out" | grep -q '^PASS  .*crm_contact_sync.flow' || fail "examples list: $out"

# Breaking the mapping fails with the wrong value and the flow's history.
sed 's/fullName: full_name(c),/fullName: c.firstName,/' "$ROOT/examples/crm_contact_sync.flow" > "$TMP/crm.flow"
out=$("$WEFT" test "$TMP/crm.flow"); st=$?
[ $st -eq 1 ] || fail "broken mapping: exit $st — $out"
echo "$out" | grep -q 'expectation failed: calls(marketing.put)\[0\].body.fullName == "Ada Lovelace"' || fail "message: $out"
echo "$out" | grep -q 'calls(marketing.put)\[0\].body.fullName is "Ada"' || fail "operand value: $out"
echo "$out" | grep -q 'ExecutionCompleted' || fail "history: $out"
echo "$out" | grep -Eq '^[0-9]+ passed, 1 failed' || fail "summary: $out"

# A file that does not compile: exit 2 with its diagnostics.
printf 'flow f() -> int {\n  return "x"\n}\n' > "$TMP/bad.flow"
out=$("$WEFT" test "$TMP/bad.flow" 2>&1); st=$?
[ $st -eq 2 ] || fail "bad file: exit $st — $out"
echo "$out" | grep -q 'error\[E' || fail "bad file diagnostics: $out"

# Usage errors: exit 2.
"$WEFT" test --jobs 0 "$TMP/crm.flow" >/dev/null 2>&1; [ $? -eq 2 ] || fail "--jobs 0 is a usage error"
"$WEFT" test "$TMP/missing.flow" >/dev/null 2>&1; [ $? -eq 2 ] || fail "a missing file is a usage error"

# --filter runs only the matching tests.
out=$("$WEFT" test "$ROOT/examples" --filter "three days" --jobs 1) || fail "filter: $out"
echo "$out" | grep -Eq '^1 passed, 0 failed' || fail "filter summary: $out"

# JUnit XML read by python3-junitparser (the system python3, where Debian installs it).
"$WEFT" test "$ROOT/examples" "$TMP/crm.flow" --format junit > "$TMP/report.xml"; st=$?
[ $st -eq 1 ] || fail "junit: exit $st"
/usr/bin/python3 - "$TMP/report.xml" <<'PY' || fail "junitparser could not read the report"
import sys
from junitparser import JUnitXml, Failure
xml = JUnitXml.fromfile(sys.argv[1])
cases = [c for suite in xml for c in suite]
failed = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
assert len(cases) >= 8, len(cases)
assert len(failed) == 1, [c.name for c in failed]
assert failed[0].name == "maps the CRM contact to a subscriber and a customer", failed[0].name
assert "fullName" in failed[0].result[0].message
assert all(c.time >= 0 for c in cases)
print("junitparser:", len(cases), "cases,", len(failed), "failed")
PY
# --format json: one object per test, the failure with its file, line and column.
"$WEFT" test "$TMP/crm.flow" --format json > "$TMP/report.jsonl"; st=$?
[ $st -eq 1 ] || fail "json: exit $st"
/usr/bin/python3 - "$TMP/report.jsonl" <<'PY' || fail "the JSON report is wrong: $(cat "$TMP/report.jsonl")"
import json, sys
tests = [json.loads(line) for line in open(sys.argv[1])]
assert len(tests) >= 2, tests
failed = [t for t in tests if not t["passed"]]
assert len(failed) == 1, failed
f = failed[0]["failures"][0]
assert f["file"].endswith("crm.flow") and f["line"] > failed[0]["line"] and f["column"] >= 1, f
assert 'fullName is "Ada"' in f["message"], f
assert all(t["failures"] == [] and t["time"] >= 0 for t in tests if t["passed"])
PY
grep -q '^[0-9]* passed' "$TMP/report.jsonl" && fail "json output has a summary line"
echo "ok"
