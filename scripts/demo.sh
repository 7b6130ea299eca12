#!/usr/bin/env bash
# Installs dependencies, builds, checks every example, then runs the CRM → marketing + accounting
# example end to end: a stand-in for the three third-party APIs listens on 127.0.0.1, secrets are
# stored encrypted, and `weft run` executes the flow durably and prints its output (its store stays
# in build/demo-data for `weft serve` and the web console).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

echo "== weft check examples/*.flow"
build/weft check examples/*.flow
echo "all examples check clean"

# The store stays in build/demo-data (fresh each run) so `weft serve` can show the run in the web console.
rm -rf build/demo-data
trap 'kill "${standin_pid:-}" 2>/dev/null || true' EXIT
export WEFT_DATA="$PWD/build/demo-data"
coproc STANDIN { build/weft-standin 120; }
standin_pid=$STANDIN_PID
read -r port <&"${STANDIN[0]}"
export CRM_URL="http://127.0.0.1:$port" MARKETING_URL="http://127.0.0.1:$port" ACCOUNTING_URL="http://127.0.0.1:$port"

echo "== weft secret set (stored AES-256-GCM encrypted in $WEFT_DATA)"
printf 'crm-demo-token' | build/weft secret set crm_token
printf 'marketing-demo-key' | build/weft secret set marketing_key
printf 'accounting-demo-password' | build/weft secret set accounting_password

echo "== weft run examples/crm_contact_sync.flow --flow sync_contact"
build/weft run examples/crm_contact_sync.flow --flow sync_contact \
  --input '{"contact": {"id": "42", "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "tags": []}}'

echo "== see it in the web console"
echo "  build/weft token create --name me --data build/demo-data   # prints a token"
echo "  build/weft serve --data build/demo-data                    # then open http://127.0.0.1:8080/ui"
