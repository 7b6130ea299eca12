#!/bin/sh
# Server benchmarks (docs/performance.md "Server"), loopback only, bounded in time:
#  (a) signed webhook ingestion: `respond: "async"` + `verify: hmac_sha256(...)`, wrk with
#      CONNECTIONS connections posting a fixed body with its precomputed signature → requests/s,
#      p99 latency; afterwards the executions in the store are counted against the 202s;
#  (b) full executions of a three-step flow whose steps POST to a local echo server
#      (weft-standin), through a `respond: "sync"` webhook: each answer is one finished execution,
#      so wrk's requests/s are executions/s end to end.
#
#   bench/server_bench.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]     (needs wrk: apt-get install wrk)
# WEFT_BENCH_NO_BUILD=1 skips the build; WEFT_BENCH_WEFT=PATH measures another `weft` binary (a
# build of another commit, for before/after comparisons in one run).
set -eu
build=${1:-build}
seconds=${2:-10}
conns=${3:-32}
here=$(cd "$(dirname "$0")" && pwd)
command -v wrk >/dev/null || { echo "server_bench: wrk is needed (apt-get install wrk)" >&2; exit 2; }
if [ -z "${WEFT_BENCH_NO_BUILD:-}" ]; then cmake --build "$build" -j2 --target weft weft-standin >/dev/null; fi
weft=${WEFT_BENCH_WEFT:-$(cd "$build" && pwd)/weft}
standin=$(cd "$build" && pwd)/weft-standin

dir=$(mktemp -d /tmp/weft-srvbench.XXXXXX)
serve_pid=""
standin_pid=""
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  if [ -n "$standin_pid" ]; then kill "$standin_pid" 2>/dev/null || true; wait "$standin_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

mkdir -p "$dir/flows"
cat >"$dir/flows/bench.flow" <<'FLOW'
connection echo = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
}

flow ingest(id: string, n: int) -> json {
  on webhook "/bench/orders" {
    verify: hmac_sha256(header: "X-Signature", secret: secret("bench"), prefix: "sha256=")
    input: { id: body.id, n: body.n }
    respond: "async"
  }
  return { got: id, n: n }
}

flow three(id: string) -> json {
  on webhook "/bench/three" {
    input: { id: body.id }
    respond: "sync"
  }
  step a = echo.post("/customers", body: { id: id, step: "a" })
  step b = echo.post("/customers", body: { prev: a.body.id, step: "b" })
  step c = echo.post("/customers", body: { prev: b.body.id, step: "c" })
  return { c: c.body.id }
}
FLOW

printf '%s' "bench-hook-key" | "$weft" secret set bench --data "$dir/data" >/dev/null
token=$("$weft" token create --name bench --data "$dir/data" | tail -n 1)

# The echo server for (b): prints its port, then serves for the given number of seconds.
"$standin" $((seconds * 2 + 120)) >"$dir/standin.out" 2>/dev/null &
standin_pid=$!
while [ ! -s "$dir/standin.out" ]; do sleep 0.05; done
api_url="http://127.0.0.1:$(head -n 1 "$dir/standin.out")"

API_URL=$api_url "$weft" serve --data "$dir/data" --listen 127.0.0.1:0 --flows "$dir/flows" 2>"$dir/serve.log" &
serve_pid=$!
port=""
for _ in $(seq 1 400); do
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/serve.log" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "server_bench: weft serve did not start:" >&2; cat "$dir/serve.log" >&2; exit 1; }
base="http://127.0.0.1:$port"

echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== (a) signed webhook ingestion, respond async: $conns connections, ${seconds}s"
WEFT_BENCH_BODY='{"id":"order-1","n":7}'
WEFT_BENCH_SIG=$(printf '%s' "$WEFT_BENCH_BODY" | openssl dgst -sha256 -hmac "bench-hook-key" -r | cut -d' ' -f1)
export WEFT_BENCH_BODY WEFT_BENCH_SIG
wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$here/server_webhook.lua" "$base/hooks/bench/orders" | tee "$dir/wrk_a.txt"
accepted=$(sed -n 's/^status 202 \([0-9]*\)$/\1/p' "$dir/wrk_a.txt")
accepted=${accepted:-0}

# Every 202 must be an execution in the store. Requests still in flight when wrk stopped may have
# been recorded without their 202 being read: at most one per connection.
count_executions() {
  python3 - "$base" "$token" "$1" <<'PY'
import json, sys, urllib.request
base, token, flow = sys.argv[1:4]
n, done, cursor = 0, 0, None
while True:
    url = f"{base}/v1/executions?flow={flow}&limit=1000" + (f"&cursor={cursor}" if cursor else "")
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    page = json.load(urllib.request.urlopen(req))
    n += len(page["items"])
    done += sum(1 for e in page["items"] if e["status"] == "completed")
    cursor = page.get("next_cursor")
    if not cursor:
        break
print(n, done)
PY
}
sleep 2  # let the last accepted executions finish
set -- $(count_executions ingest)
echo "202 answers: $accepted; executions in the store: $1 (completed: $2)"
if [ "$1" -lt "$accepted" ] || [ "$1" -gt $((accepted + conns)) ]; then
  echo "server_bench: FAIL: executions ($1) do not match the 202s ($accepted, + at most $conns in flight)" >&2
  exit 1
fi

echo "== (b) three-step flow against a local echo server, respond sync: $conns connections, ${seconds}s"
WEFT_BENCH_BODY='{"id":"x-1"}'
export WEFT_BENCH_BODY
wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$here/server_webhook.lua" "$base/hooks/bench/three" | tee "$dir/wrk_b.txt"
finished=$(sed -n 's/^status 200 \([0-9]*\)$/\1/p' "$dir/wrk_b.txt")
echo "executions completed end to end (200 answers): ${finished:-0}, $(awk -v n="${finished:-0}" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')/s"

kill "$serve_pid"
wait "$serve_pid" || { echo "server_bench: weft serve exited with $?" >&2; exit 1; }
serve_pid=""
