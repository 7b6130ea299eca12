#!/usr/bin/env bash
# `weft api diff` between two published versions of GitHub's REST description (@octokit/openapi
# 18.0.0 → 19.0.0, fetched by tests/openapi/fetch.sh: the ctest fixture openapi_documents). The entries asserted here were checked by hand
# against the two JSON files (docs/openapi.md, "weft api diff"): the two Copilot usage-metrics
# operations are gone from `paths` in 19.0.0; the `copilot-organization-details` schema's
# `plan_type` and `public_code_suggestions` enums lost "unknown"; the `create-or-update-repo-secret`
# request schema gained `required: [encrypted_value, key_id]`; `git-tree` dropped `url` from
# `required`; `meta/get-zen` answers `text/plain` instead of `application/json`;
# `campaigns/create-campaign` is new.
# Usage: github_test.sh WEFT_BINARY TESTDATA_DIR (build/testdata/openapi)
set -u
weft=$1
data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
old=$data/@octokit/openapi@18.0.0/generated/api.github.com.json
new=$data/@octokit/openapi@19.0.0/generated/api.github.com.json
[ -f "$old" ] && [ -f "$new" ] || { echo "FAIL: missing $old or $new (tests/openapi/fetch.sh)"; exit 1; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$weft" api diff "$old" "$new" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] || fail "exit $rc: $(cat "$tmp/err")"
for line in \
  'breaking: copilot_usage_metrics_for_org: operation removed (GET /orgs/{org}/copilot/usage)' \
  'breaking: copilot_usage_metrics_for_team: operation removed (GET /orgs/{org}/team/{team_slug}/copilot/usage)' \
  'breaking: copilot_get_copilot_organization_details: enum value "unknown" of response field `plan_type` removed' \
  'breaking: copilot_get_copilot_organization_details: enum value "unknown" of response field `public_code_suggestions` removed' \
  'breaking: actions_create_or_update_repo_secret: request field `encrypted_value` is now required' \
  'breaking: git_get_tree: response field `url` is now optional' \
  'breaking: meta_get_zen: the JSON response was removed' \
  'safe: campaigns_create_campaign: operation added (POST /orgs/{org}/campaigns)'; do
  grep -Fxq -- "$line" "$tmp/out" || fail "missing: $line"
done
# Breaking lines come first, every line is one of the two kinds, nothing is listed twice.
grep -vqE '^(breaking|safe): ' "$tmp/out" && fail "a line of neither kind: $(grep -vE '^(breaking|safe): ' "$tmp/out" | head -3)"
first_safe=$(grep -n '^safe: ' "$tmp/out" | head -1 | cut -d: -f1)
last_breaking=$(grep -n '^breaking: ' "$tmp/out" | tail -1 | cut -d: -f1)
[ -n "$first_safe" ] && [ -n "$last_breaking" ] && [ "$last_breaking" -lt "$first_safe" ] || fail "breaking lines not first"
[ "$(sort "$tmp/out" | uniq -d | wc -l)" = 0 ] || fail "duplicate lines"
# 30 operations were added and 2 removed (counted in the two files' `paths`).
[ "$(grep -c ': operation added (' "$tmp/out")" = 30 ] || fail "added operations: $(grep -c ': operation added (' "$tmp/out")"
[ "$(grep -c ': operation removed (' "$tmp/out")" = 2 ] || fail "removed operations: $(grep -c ': operation removed (' "$tmp/out")"
echo "$(cat "$tmp/err")"
[ "$fails" = 0 ] && echo "GitHub 18.0.0 → 19.0.0: all checked entries found"
exit $((fails > 0))
