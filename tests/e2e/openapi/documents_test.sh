#!/usr/bin/env bash
# Flows against published OpenAPI documents: `weft check` clean where they are right, the new
# diagnostics where they are wrong, `weft test` with mocks on operation methods. The documents come
# from tests/openapi/fetch.sh. Usage: documents_test.sh WEFT_BINARY SOURCE_DIR TESTDATA_DIR
set -u
weft=$1
src=$2
data=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# check_ok NAME FLOW: `weft check` exits 0 with no diagnostics
check_ok() {
  "$weft" check "$2" >"$tmp/out" 2>&1 || fail "$1: weft check failed: $(cat "$tmp/out")"
  grep -q "^0 errors, 0 warnings" "$tmp/out" || fail "$1: diagnostics: $(cat "$tmp/out")"
}
# check_has NAME FLOW PATTERN...: `weft check` exits 1 and prints each pattern (grep -E)
check_has() {
  local name=$1 flow=$2
  shift 2
  "$weft" check "$flow" >"$tmp/out" 2>&1
  [ $? = 1 ] || fail "$name: weft check should fail: $(cat "$tmp/out")"
  for p in "$@"; do grep -Eq -- "$p" "$tmp/out" || fail "$name: missing /$p/ in: $(head -c 1500 "$tmp/out")"; done
}

# ---- Petstore: 3.0 and 3.1, JSON and YAML
pets=$data/@readme/oas-examples@7.2.1
for doc in 3.0/json/petstore.json 3.0/yaml/petstore.yaml 3.1/json/petstore.json 3.1/yaml/petstore.yaml; do
  spec=$pets/$doc
  [ -f "$spec" ] || { fail "missing $spec (fetch.sh)"; continue; }
  name="petstore $doc"
  cat >"$tmp/pets.flow" <<FLOW
connection pets = openapi { spec: "$spec", auth: api_key(header: "api_key", value: secret("pets")) }

flow adopt(id: int) -> string {
  step pet = pets.getPetById(petId: id)
  step available = pets.findPetsByStatus(status: ["available"])
  step _order = pets.placeOrder(body: { petId: pet.body.id ?? 0, quantity: 1, status: "placed" })
  return pet.body.name + ":" + "\${len(available.body)}"
}

test "adopt reads a pet" {
  mock pets.getPetById(petId: 7) => { body: { id: 7, name: "Rex", photoUrls: [] } }
  mock pets.findPetsByStatus(status: ["available"]) => { body: [{ name: "Rex", photoUrls: [] }] }
  mock pets.placeOrder() => { body: { id: 1 } }
  expect run adopt(7) == "Rex:1"
  expect len(calls(pets.placeOrder)) == 1
}
FLOW
  check_ok "$name" "$tmp/pets.flow"
  "$weft" test "$tmp/pets.flow" >"$tmp/out" 2>&1 || fail "$name: weft test: $(cat "$tmp/out")"
  cat >"$tmp/bad.flow" <<FLOW
connection pets = openapi { spec: "$spec" }

flow f(id: string) -> string {
  step pet = pets.getPetByID(petId: 1)
  step p2 = pets.getPetById(petId: id, verbose: true)
  step _o = pets.placeOrder(body: { petId: 1, quantity: "one", status: "lost" })
  return pet.body.nme + p2.body.name
}
FLOW
  check_has "$name (errors)" "$tmp/bad.flow" \
    'warning\[W0006\].*requires authentication' \
    'error\[E0521\].*no operation `getPetByID`' 'did you mean `getPetById`' \
    'error\[E0525\].*parameter `petId`.*expects `int`' \
    'error\[E0524\].*no parameter `verbose`' \
    'error\[E0528\].*field `quantity`' 'error\[E0528\].*field `status`'
done

# ---- GitHub's REST description, two published versions (~11 MB each)
for v in 18.0.0 19.0.0; do
  spec=$data/@octokit/openapi@$v/generated/api.github.com.json
  [ -f "$spec" ] || { fail "missing $spec (fetch.sh)"; continue; }
  sed "s|\./specs/github-issues.json|$spec|" "$src/examples/github_issues_to_crm.flow" >"$tmp/gh.flow"
  check_ok "github $v (the example against the full document)" "$tmp/gh.flow"
  cat >"$tmp/ghbad.flow" <<FLOW
connection gh = openapi { spec: "$spec", auth: bearer(secret("gh")) }

flow f(owner: string) -> string {
  step r = gh.repos_get(owner: owner)
  step i = gh.issues_get(owner: owner, repo: "x", issue_number: "1")
  step _l = gh.get("/repos/{owner}/{repo}/issue", path: { owner: owner, repo: "x" })
  return r.body.full_nme + i.body.title
}
FLOW
  check_has "github $v (errors)" "$tmp/ghbad.flow" \
    'error\[E0523\].*needs the path parameter `repo`' \
    'error\[E0525\].*parameter `issue_number`' \
    'error\[E0522\].*no path `/repos/\{owner\}/\{repo\}/issue`' 'did you mean `/repos/\{owner\}/\{repo\}/issues`' \
    'error\[E0311\].*no field `full_nme`' 'did you mean `full_name`'
done

# ---- A renamed response field breaks every line that reads it (acceptance of issue 17)
mkdir -p "$tmp/r/specs"
sed 's/^\(        \)email:/\1email_address:/; s/required: \[email\]/required: [email_address]/' \
  "$src/tests/golden/openapi/specs/crm.yaml" >"$tmp/r/specs/crm.yaml"
cat >"$tmp/r/reads.flow" <<'FLOW'
connection crm = openapi { spec: "./specs/crm.yaml", auth: bearer(secret("crm")) }

flow f(id: string) -> string {
  step c = crm.getContact(id: id)
  let first = c.body.email
  let again = c.body.email + "!"
  return first + again + c.body.id
}
FLOW
cp "$tmp/r/reads.flow" "$tmp/reads_ok.flow"
mkdir -p "$tmp/specs" && cp "$src/tests/golden/openapi/specs/crm.yaml" "$tmp/specs/crm.yaml"
check_ok "renamed field (before)" "$tmp/reads_ok.flow"
check_has "renamed field (after)" "$tmp/r/reads.flow" 'no field `email`' 'reads.flow:5:22' 'reads.flow:6:22'
[ "$(grep -c 'error\[E0311\]' "$tmp/out")" = 2 ] || fail "renamed field: want exactly 2 errors: $(cat "$tmp/out")"

# ---- A mock of an operation answers only its path and query parameters
cat >"$tmp/mocks.flow" <<'FLOW'
connection crm = openapi { spec: "./specs/crm.yaml", auth: bearer(secret("crm")) }

flow f(id: string) -> string {
  step c = crm.getContact(id: id, expand: true)
  return c.body.email
}

test "matching mock" {
  mock crm.getContact(id: "42", expand: true) => { body: { id: "42", email: "a@b" } }
  expect run f("42") == "a@b"
}

test "other query" {
  mock crm.getContact(id: "42", expand: false) => { body: { id: "42", email: "a@b" } }
  expect run f("42") == "a@b"
}

test "other path" {
  mock crm.getContact(id: "7") => { body: { id: "7", email: "a@b" } }
  expect run f("42") == "a@b"
}
FLOW
"$weft" test "$tmp/mocks.flow" >"$tmp/out" 2>&1
grep -q 'PASS .*matching mock' "$tmp/out" || fail "mock with the call's parameters: $(cat "$tmp/out")"
grep -q 'FAIL .*other query' "$tmp/out" || fail "mock with another query value must not answer: $(cat "$tmp/out")"
grep -q 'FAIL .*other path' "$tmp/out" || fail "mock with another path parameter must not answer: $(cat "$tmp/out")"
grep -q 'no mock answers' "$tmp/out" || fail "unanswered call message: $(cat "$tmp/out")"

[ "$fails" = 0 ] && echo "e2e openapi documents: all passed"
exit $((fails > 0))
