#!/usr/bin/env bash
# Installs dependencies, builds, checks every example, then runs the CRM → marketing + accounting
# example end to end: a stand-in for the three third-party APIs listens on 127.0.0.1, secrets are
# stored encrypted, and `weft run` executes the flow durably and prints its output.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

echo "== weft check examples/*.flow"
build/weft check examples/*.flow
echo "all examples check clean"

demo=$(mktemp -d)
trap 'kill "${standin_pid:-}" 2>/dev/null || true; rm -rf "$demo"' EXIT
export WEFT_DATA="$demo/data"
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
