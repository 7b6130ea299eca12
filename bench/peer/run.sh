#!/usr/bin/env bash
# The peer benchmark (docs/performance.md "Against a peer engine"): the same durable workflow on Weft
# and on Restate, side by side in one run, with the same load tool. Loopback only, bounded in time.
#
#   bench/peer/run.sh [BUILD_DIR] [SECONDS] [ROUNDS]        (defaults: build 15 1; needs wrk, node, npm)
#
# The workflow: started over HTTP, three sequential durable steps, each a POST to one local echo
# server (weft-standin, the same process for both engines), answered when it has ended.
#  - Weft: `weft serve` (fsync on: the store's default) with three_steps.flow, a `respond: "sync"`
#    webhook;
#  - Restate: restate-server (its log and partition stores fsync their write-ahead logs: the
#    defaults) with restate_service.mjs, a service whose handler does three `ctx.run`, registered
#    through the admin API and called synchronously through the ingress.
# Each engine is measured alone (the other one is not running): a warm-up, then wrk at 1 and at 32
# connections for SECONDS each, repeated ROUNDS times (Weft then Restate in each round). Every answer
# must be a 2xx with the flow's output; anything else (other statuses, wrong bodies, socket errors,
# timeouts) is counted, printed, and makes the figure invalid and the script exit 1.
#
# Environment: WEFT_BENCH_NO_BUILD=1 skips the build; WEFT_BENCH_WEFT=PATH measures another `weft`
# binary (before/after comparisons); PEER_ONLY=weft|restate measures one engine alone.
# The npm packages (package.json / package-lock.json here) are installed once into
# BUILD_DIR/peer-npm with `npm ci --ignore-scripts`.
set -euo pipefail
build=${1:-build}
seconds=${2:-15}
rounds=${3:-1}
only=${PEER_ONLY:-}
here=$(cd "$(dirname "$0")" && pwd)
lua=$here/../server_webhook.lua
for tool in wrk node npm curl python3; do
  command -v "$tool" >/dev/null || { echo "peer bench: $tool is needed (wrk: apt-get install wrk)" >&2; exit 2; }
done
[ -d "$build" ] || { echo "peer bench: no build directory $build (cmake -S . -B $build first)" >&2; exit 2; }
if [ -z "${WEFT_BENCH_NO_BUILD:-}" ]; then cmake --build "$build" -j2 --target weft weft-standin >/dev/null; fi
build=$(cd "$build" && pwd)
weft=${WEFT_BENCH_WEFT:-$build/weft}
standin=$build/weft-standin

# --- npm packages, pinned by package-lock.json, installed once per lock file ---------------------
npm_dir=$build/peer-npm
if ! cmp -s "$here/package-lock.json" "$npm_dir/package-lock.json" || [ ! -d "$npm_dir/node_modules" ]; then
  echo "installing the pinned Restate packages into $npm_dir"
  rm -rf "$npm_dir" && mkdir -p "$npm_dir"
  cp "$here/package.json" "$here/package-lock.json" "$npm_dir/"
  (cd "$npm_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
fi
restate_server=$npm_dir/node_modules/@restatedev/restate-server-linux-x64/bin/restate-server
[ -x "$restate_server" ] || { echo "peer bench: $restate_server is missing" >&2; exit 1; }

# --- processes: every one started is recorded and stopped by PID, also on failure and Ctrl-C -----
dir=$(mktemp -d /tmp/weft-peer.XXXXXX)
pids=()
stop_pid() {  # SIGTERM, up to 10 s to exit, then SIGKILL
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  pids=()
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
forget_pid() { local p keep=(); for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done; pids=("${keep[@]}"); }

free_ports() {  # N distinct free TCP ports on 127.0.0.1
  python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()
PY
}
wait_for() {  # wait_for WHAT SECONDS COMMAND...: until COMMAND succeeds
  local what=$1 limit=$2; shift 2
  for _ in $(seq 1 $((limit * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "peer bench: $what did not come up within ${limit}s" >&2
  return 1
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

# --- the echo server -----------------------------------------------------------------------------
"$standin" $(((seconds * 2 + 60) * rounds + 300)) >"$dir/standin.out" 2>/dev/null &
pids+=($!)
wait_for "the echo server" 10 test -s "$dir/standin.out"
echo_url="http://127.0.0.1:$(head -n 1 "$dir/standin.out")"

# --- one measurement: wrk with the shared POST script; prints a row and records it ---------------
export WEFT_BENCH_BODY='{"id":"x-1"}' WEFT_BENCH_EXPECT='"c":"cust-77"'
unset WEFT_BENCH_SIG
invalid=0
results=$dir/results.txt
: >"$results"
measure() {  # measure ENGINE CONNECTIONS SECONDS URL [warmup]
  local engine=$1 conns=$2 secs=$3 url=$4 out=$dir/wrk.txt threads=2
  [ "$conns" -lt 2 ] && threads=1
  wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 10s --latency -s "$lua" "$url" >"$out"
  local ok bad p50 p99 rps errs
  ok=$(awk '$1 == "status" && $2 >= 200 && $2 < 300 { n += $3 } END { print n + 0 }' "$out")
  bad=$(awk '$1 == "status" && ($2 < 200 || $2 >= 300) { printf "%s%s×%s", sep, $3, ($2 == 0 ? "wrong-body" : $2); sep = " " }' "$out")
  errs=$(sed -n 's/^socket_errors \([0-9]*\)$/\1/p' "$out")
  p50=$(sed -n 's/^p50_us \([0-9]*\)$/\1/p' "$out")
  p99=$(sed -n 's/^p99_us \([0-9]*\)$/\1/p' "$out")
  rps=$(awk -v n="$ok" -v s="$secs" 'BEGIN { printf "%.1f", n / s }')
  local note="ok"
  if [ -n "$bad" ] || [ "${errs:-0}" != 0 ] || [ "$ok" = 0 ]; then
    note="INVALID: ${bad:+$bad }${errs:-0} socket errors/timeouts, $ok ok"
    [ "${5:-}" = warmup ] || invalid=1
  fi
  if [ "${5:-}" = warmup ]; then
    printf '  warm-up %-7s c=%-2s %5ss: %s ok (%s)\n' "$engine" "$conns" "$secs" "$ok" "$note"
    return
  fi
  printf '  %-7s c=%-2s %5ss: %9s exec/s  p50 %8.2f ms  p99 %8.2f ms  (%s answers; %s; load %s)\n' \
    "$engine" "$conns" "$secs" "$rps" "$(awk -v u="$p50" 'BEGIN { print u / 1000 }')" \
    "$(awk -v u="$p99" 'BEGIN { print u / 1000 }')" "$ok" "$note" "$(load)"
  echo "$engine $conns $rps $p50 $p99" >>"$results"
}

# --- Weft ----------------------------------------------------------------------------------------
run_weft() {
  rm -rf "$dir/weft" && mkdir -p "$dir/weft/flows" && chmod 700 "$dir/weft"
  cp "$here/three_steps.flow" "$dir/weft/flows/"
  ECHO_URL=$echo_url "$weft" serve --data "$dir/weft/data" --listen 127.0.0.1:0 --flows "$dir/weft/flows" \
    2>"$dir/weft/serve.log" &
  local pid=$!
  pids+=("$pid")
  wait_for "weft serve" 20 grep -q 'listening on http://127.0.0.1:' "$dir/weft/serve.log" ||
    { cat "$dir/weft/serve.log" >&2; return 1; }
  local port url
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/weft/serve.log" | head -n 1)
  url="http://127.0.0.1:$port/hooks/bench/three"
  measure weft 32 3 "$url" warmup
  measure weft 1 "$seconds" "$url"
  measure weft 32 "$seconds" "$url"
  stop_pid "$pid"
  forget_pid "$pid"
}

# --- Restate -------------------------------------------------------------------------------------
run_restate() {
  local rdir=$dir/restate node_port ingress admin svc
  rm -rf "$rdir" && mkdir -p "$rdir"
  read -r node_port ingress admin svc <<<"$(free_ports 4)"
  cat >"$rdir/restate.toml" <<TOML
# Loopback only, no telemetry, data in the benchmark's temporary folder; storage at its defaults
# (the write-ahead logs are fsynced: rocksdb-disable-wal-fsync = false).
cluster-name = "weft-peer-bench"
node-name = "bench"
base-dir = "$rdir/data"
disable-telemetry = true
log-filter = "warn"
bind-address = "127.0.0.1:$node_port"
advertised-address = "http://127.0.0.1:$node_port/"

[admin]
bind-address = "127.0.0.1:$admin"

[ingress]
bind-address = "127.0.0.1:$ingress"
advertised-ingress-endpoint = "http://127.0.0.1:$ingress/"
TOML
  "$restate_server" --config-file "$rdir/restate.toml" --no-logo --listen-mode tcp >"$rdir/server.log" 2>&1 &
  local server_pid=$!
  pids+=("$server_pid")
  PEER_NODE_MODULES=$npm_dir/node_modules ECHO_URL=$echo_url PORT=$svc RESTATE_LOGGING=WARN \
    node "$here/restate_service.mjs" >"$rdir/service.log" 2>&1 &
  local service_pid=$!
  pids+=("$service_pid")
  wait_for "the Restate service endpoint" 20 grep -q '^listening' "$rdir/service.log" ||
    { cat "$rdir/service.log" >&2; return 1; }
  wait_for "restate-server's admin API" 60 curl -sf "http://127.0.0.1:$admin/health" ||
    { tail -n 30 "$rdir/server.log" >&2; return 1; }
  curl -sf -X POST "http://127.0.0.1:$admin/deployments" -H 'content-type: application/json' \
    -d "{\"uri\": \"http://127.0.0.1:$svc\"}" >"$rdir/register.json" ||
    { echo "peer bench: registering the Restate service failed" >&2; tail -n 30 "$rdir/server.log" >&2; return 1; }
  local url="http://127.0.0.1:$ingress/bench/three"
  wait_for "the Restate ingress with the bench service" 60 \
    curl -sf -X POST "$url" -H 'content-type: application/json' -d "$WEFT_BENCH_BODY" ||
    { tail -n 30 "$rdir/server.log" >&2; return 1; }
  measure restate 32 3 "$url" warmup
  measure restate 1 "$seconds" "$url"
  measure restate 32 "$seconds" "$url"
  echo "  (Restate's data directory after the round: $(du -sh "$rdir/data" | cut -f1))"
  stop_pid "$service_pid"
  forget_pid "$service_pid"
  stop_pid "$server_pid"
  forget_pid "$server_pid"
  rm -rf "$rdir"
}

echo "machine: $(nproc) CPUs, load $(load), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "weft: $weft; restate-server $("$restate_server" --version | awk '{ print $2 }'), @restatedev/restate-sdk $(
  node -p "require('$npm_dir/node_modules/@restatedev/restate-sdk/package.json').version"), node $(node --version)"
echo "workflow: webhook/ingress → 3 sequential durable HTTP steps to the echo server → answer; ${seconds}s per figure"
for round in $(seq 1 "$rounds"); do
  echo "== round $round"
  [ "$only" = restate ] || run_weft
  [ "$only" = weft ] || run_restate
done

# --- ratios over the rounds (medians per engine and concurrency) ---------------------------------
python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
def med(engine, conns, col):
    v = [float(r[col]) for r in rows if r[0] == engine and r[1] == str(conns)]
    return statistics.median(v) if v else None
w32, r32 = med("weft", 32, 2), med("restate", 32, 2)
w1, r1 = med("weft", 1, 3), med("restate", 1, 3)
print("== ratios (medians over the rounds)")
if w32 and r32:
    t = w32 / r32
    print(f"throughput at c=32: Weft {w32:.0f}/s, Restate {r32:.0f}/s: Weft/Restate = {t:.2f}x  (goal >= 5x: {'met' if t >= 5 else 'NOT met'})")
if w1 and r1:
    p = w1 / r1
    print(f"p50 at c=1: Weft {w1/1000:.2f} ms, Restate {r1/1000:.2f} ms: Weft/Restate = {p:.3f} = 1/{r1/w1:.1f}  (goal <= 1/5: {'met' if p <= 0.2 else 'NOT met'})")
PY
if [ "$invalid" != 0 ]; then
  echo "peer bench: some figures had errors (marked INVALID above): they are not valid measurements" >&2
  exit 1
fi
