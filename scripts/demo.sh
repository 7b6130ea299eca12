#!/usr/bin/env bash
# Installs dependencies, builds, checks every example, then runs the CRM → marketing + accounting
# example end to end against a real third-party stand-in: json-server 0.17.4 (npm, pinned in
# tests/e2e/standins/package-lock.json) holds the CRM contacts, the marketing subscribers and the
# accounting customers and checks each API's credentials (tests/e2e/standins/auth.js). `weft serve`
# deploys examples/crm_contact_sync.flow, the CRM's HMAC-signed webhook starts an execution, and the
# demo reads the result back from json-server. A second webhook names a contact the CRM does not
# know yet, so that execution fails. The data folder (build/demo-data) is kept for `weft ls`,
# `weft history` and the web console.
#
#   scripts/demo.sh           run the demo and stop
#   scripts/demo.sh --serve   then keep json-server and `weft serve` running (Ctrl-C stops them):
#                             open the web console, see both executions and their graphs, and replay
#                             the failed one once the demo has added the missing contact to the CRM
set -euo pipefail
serve_after=0
case "${1:-}" in
  --serve) serve_after=1 ;;
  "") ;;
  *) echo "usage: scripts/demo.sh [--serve]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
root=$PWD
scripts/install-deps.sh
echo "== building build/weft (scripts/build.sh builds the tests too)"
cmake -S . -B build -DCMAKE_BUILD_TYPE="${WEFT_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build -j"${WEFT_JOBS:-2}" --target weft >/dev/null

echo "== weft check examples/*.flow"
build/weft check examples/*.flow
echo "all examples check clean"

echo "== npm ci: json-server 0.17.4 (into build/tests/standins-npm)"
npmdir=build/tests/standins-npm
want="$(sha256sum tests/e2e/standins/package-lock.json | cut -d' ' -f1)"
if [ "$(cat "$npmdir/node_modules/.lock-sha256" 2>/dev/null)" != "$want" ]; then
  mkdir -p "$npmdir"
  cp tests/e2e/standins/package.json tests/e2e/standins/package-lock.json "$npmdir/"
  (cd "$npmdir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" >"$npmdir/node_modules/.lock-sha256"
fi

demo="$root/build/demo-data"   # fresh each run, kept afterwards
rm -rf "$demo" && mkdir -p "$demo" && chmod 700 "$demo"
export WEFT_DATA="$demo/data"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
trap 'exit 130' INT TERM   # so that Ctrl-C or a kill still runs the EXIT trap above
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 100); do if eval "$1" >/dev/null 2>&1; then return 0; fi; sleep 0.2; done; echo "demo: $2 did not start" >&2; exit 1; }

crm_token=crm-demo-token marketing_key=marketing-demo-key accounting_password=accounting-demo-password
hook_secret=crm-demo-hook-secret
cat >"$demo/db.json" <<'EOF'
{
  "contacts": [{ "id": "42", "firstName": "Ada", "lastName": "Lovelace", "email": "ADA@EXAMPLE.COM",
                 "company": "Analytical Engines", "tags": ["vip", "internal:imported"] }],
  "subscribers": [{ "id": "ada@example.com", "fullName": "A. Lovelace", "email": "ada@example.com", "source": "crm", "tags": [] },
                  { "id": "grace@example.com", "fullName": "G. Hopper", "email": "grace@example.com", "source": "shop", "tags": [] }],
  "customers": [{ "id": "seed", "name": "Seed", "email": "seed@example.com", "reference": "seed", "company": null }]
}
EOF
js_port=$(free_port)
echo "== json-server on 127.0.0.1:$js_port as the CRM, marketing and accounting APIs (log: $demo/json-server.log)"
CRM_TOKEN=$crm_token MARKETING_KEY=$marketing_key ACCOUNTING_PASSWORD=$accounting_password \
  node "$npmdir/node_modules/json-server/lib/cli/bin.js" "$demo/db.json" --host 127.0.0.1 --port "$js_port" \
  --no-gzip --middlewares "$root/tests/e2e/standins/auth.js" >"$demo/json-server.log" 2>&1 &
pids+=($!)
js="http://127.0.0.1:$js_port"
wait_for "curl -sf -H 'Authorization: Bearer $crm_token' $js/contacts/42" json-server

echo "== weft secret set (stored AES-256-GCM encrypted in $WEFT_DATA)"
printf '%s' "$crm_token" | build/weft secret set crm_token
printf '%s' "$marketing_key" | build/weft secret set marketing_key
printf '%s' "$accounting_password" | build/weft secret set accounting_password
printf '%s' "$hook_secret" | build/weft secret set crm_hook
mkdir -p "$demo/flows" && cp examples/crm_contact_sync.flow "$demo/flows/"
export WEFT_TOKEN WEFT_SERVER
WEFT_TOKEN=$(build/weft token create --name demo | head -1)

listen=127.0.0.1:0
[ "$serve_after" = 1 ] && listen=127.0.0.1:${WEFT_DEMO_PORT:-8080}
echo "== weft serve --flows $demo/flows --listen $listen (log: $demo/serve.log)"
CRM_URL=$js MARKETING_URL=$js ACCOUNTING_URL=$js \
  build/weft serve --listen "$listen" --flows "$demo/flows" 2>"$demo/serve.log" &
serve_pid=$!
pids+=("$serve_pid")
wait_for "grep -q 'listening on http' '$demo/serve.log'" "weft serve"
WEFT_SERVER=$(grep -o 'listening on http://[0-9.:]*' "$demo/serve.log" | head -1 | sed 's/listening on //')

# Sends the CRM's signed webhook for one contact; prints the execution id once it has ended.
send_contact() {
  local body=$1 sig answer id status
  sig="sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$hook_secret" -r | cut -d' ' -f1)"
  echo "== POST $WEFT_SERVER/hooks/crm/contact-updated (the CRM's webhook, X-Signature: $sig)" >&2
  answer=$(curl -sS -H 'Content-Type: application/json' -H "X-Signature: $sig" --data "$body" "$WEFT_SERVER/hooks/crm/contact-updated")
  echo "$answer" >&2
  id=$(echo "$answer" | sed -n 's/.*"execution_id":"\([^"]*\)".*/\1/p')
  [ -n "$id" ] || { echo "demo: the webhook was not accepted" >&2; exit 1; }
  for _ in $(seq 1 100); do
    status=$(build/weft status "$id" 2>/dev/null | grep -o '"status":"[a-z]*"' | head -1 || true)
    case "$status" in *completed*|*failed*) break ;; esac
    sleep 0.2
  done
  echo "$id"
}

id=$(send_contact '{"id": "42", "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "tags": []}')
echo "== the execution: build/weft status $id"
build/weft status "$id"
echo "== what json-server was asked (each request passed tests/e2e/standins/auth.js's credential check)"
sed 's/\x1b\[[0-9;]*m//g' "$demo/json-server.log" | grep -E '^(GET|PUT|POST|DELETE) ' | sed 's/^/  /'
echo "== what json-server holds now"
echo "marketing subscriber: $(curl -s -H "X-Api-Key: $marketing_key" "$js/subscribers/ada@example.com")"
echo "accounting customers: $(curl -s -H "Authorization: Basic $(printf 'weft:%s' "$accounting_password" | base64)" "$js/customers?reference=crm-42")"
echo "== a webhook for contact 43, whom the CRM does not know yet: the flow fails with code \"gone\""
failed=$(send_contact '{"id": "43", "firstName": "Grace", "lastName": "Hopper", "email": "grace@example.com", "tags": []}')
build/weft status "$failed" || true   # exits 1: the execution failed

if [ "$serve_after" = 1 ]; then
  WEFT_TOKEN=$(build/weft token create --name console | head -1)
  curl -sf -X POST -H "Authorization: Bearer $crm_token" -H 'Content-Type: application/json' "$js/contacts" \
    --data '{"id": "43", "firstName": "Grace", "lastName": "Hopper", "email": "grace@example.com", "tags": []}' >/dev/null
  cat <<EOF

The CRM now knows contact 43. Open the web console and replay the failed execution:
  1. open $WEFT_SERVER/ui and log in with the token
       $WEFT_TOKEN
  2. Executions: $id completed, $failed failed; open the failed one (its graph shows
     the failed step, the timeline every event)
  3. Replay, from step "current" (the CRM is then asked again), and confirm: it completes
weft serve and json-server keep running until Ctrl-C (data: $WEFT_DATA).
EOF
  wait "$serve_pid"
  exit 0
fi
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true

cat <<EOF

Done. The data folder is kept: look at what happened with
  build/weft ls --data $WEFT_DATA
  build/weft history $id --data $WEFT_DATA
  build/weft history $failed --data $WEFT_DATA
(server log: $demo/serve.log). To see both in the web console and replay the failed one from it,
run scripts/demo.sh --serve.
EOF
