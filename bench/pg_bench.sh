#!/bin/sh
# PostgreSQL store benchmark (docs/performance.md "PostgreSQL"), loopback only, bounded in time.
# Starts its own PostgreSQL 15 (initdb into a temporary folder, fsync on, 127.0.0.1, free port;
# as root it runs as the postgres user), then measures side by side:
#  (1) durable step transitions/s through the execution store (store_bench) with 1 and 64
#      submitters, LMDB and PostgreSQL (group commit in both);
#  (2) the three-step flow's throughput (bench/server_bench.sh part (b): a `respond: "sync"`
#      webhook whose flow POSTs three times to weft-standin; each 200 is one finished execution)
#      with one LMDB node, then 1, 2 and 3 `weft serve --store postgres://...` nodes on the same
#      database, CONNECTIONS connections in total spread over the nodes (one wrk per node).
#
#   bench/pg_bench.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]       (needs wrk: apt-get install wrk)
# WEFT_BENCH_NO_BUILD=1 skips the build.
set -eu
build=${1:-build}
seconds=${2:-10}
conns=${3:-32}
here=$(cd "$(dirname "$0")" && pwd)
pgbin=${WEFT_PG_BIN:-/usr/lib/postgresql/15/bin}
command -v wrk >/dev/null || { echo "pg_bench: wrk is needed (apt-get install wrk)" >&2; exit 2; }
[ -x "$pgbin/postgres" ] || { echo "pg_bench: PostgreSQL 15 is needed in $pgbin (scripts/install-deps.sh)" >&2; exit 2; }
if [ -z "${WEFT_BENCH_NO_BUILD:-}" ]; then cmake --build "$build" -j2 --target weft weft-standin store_bench >/dev/null; fi
build=$(cd "$build" && pwd)
weft=$build/weft

dir=$(mktemp -d /tmp/weft-pgbench.XXXXXX)
chmod 755 "$dir"
as_pg=""
if [ "$(id -u)" -eq 0 ]; then as_pg="runuser -u postgres --"; chown postgres "$dir"; fi
pids=""
pg_pid=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ -n "$pg_pid" ]; then $as_pg "$pgbin/pg_ctl" -D "$dir/pg" stop -m fast >/dev/null 2>&1 || true; wait "$pg_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$as_pg "$pgbin/initdb" -D "$dir/pg" -A trust -U weft -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1
$as_pg "$pgbin/postgres" -D "$dir/pg" -k "$dir" -c listen_addresses=127.0.0.1 -p "$port" -c fsync=on \
  -c max_connections=200 -c shared_buffers=128MB >"$dir/pg.log" 2>&1 &
pg_pid=$!
for _ in $(seq 1 300); do grep -q ready "$dir/pg/postmaster.pid" 2>/dev/null && break; sleep 0.05; done
psql() { "$pgbin/psql" -X -q -d "postgresql://weft@127.0.0.1:$port/postgres" -c "$1"; }

echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ), PostgreSQL on 127.0.0.1:$port (fsync on)"
echo "== (1) durable transitions/s (store_bench, ${seconds}s per row)"
"$build/store_bench" --seconds "$seconds" --concurrency 1,64 --dir "$dir/lmdb-bench" | grep -v "max_batch=1"
psql "CREATE DATABASE storebench"
"$build/store_bench" --seconds "$seconds" --concurrency 1,64 --pg "postgresql://weft@127.0.0.1:$port/storebench" | grep -v "max_batch=1"

mkdir -p "$dir/flows"
cp "$here/peer/three_steps.flow" "$dir/flows/bench.flow"   # the peer benchmark's three-step flow

"$build/weft-standin" 3600 >"$dir/standin.out" 2>/dev/null </dev/null &
pids="$pids $!"
while [ ! -s "$dir/standin.out" ]; do sleep 0.05; done
api_url="http://127.0.0.1:$(head -n 1 "$dir/standin.out")"
WEFT_BENCH_BODY='{"id":"x-1"}'
WEFT_BENCH_SIG=unused
export WEFT_BENCH_BODY WEFT_BENCH_SIG

# start_node NAME [serve options...]: starts `weft serve`; its port is appended to $ports.
start_node() {
  name=$1
  shift
  ECHO_URL=$api_url "$weft" serve --data "$dir/data" --listen 127.0.0.1:0 --flows "$dir/flows" --insecure-no-auth "$@" \
    >"$dir/$name.out" 2>"$dir/$name.log" &
  pids="$pids $!"
  for _ in $(seq 1 400); do
    p=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/$name.log" | head -n 1)
    if [ -n "$p" ]; then ports="$ports $p"; return; fi
    sleep 0.05
  done
  echo "pg_bench: weft serve did not start:" >&2
  cat "$dir/$name.log" >&2
  exit 1
}

# measure LABEL PORT...: CONNECTIONS split over the ports, one wrk each, for SECONDS; sums the 200s.
measure() {
  label=$1
  shift
  n=$#
  per=$((conns / n))
  i=0
  wrk_pids=""
  for p in "$@"; do
    i=$((i + 1))
    wrk -t1 -c"$per" -d"${seconds}s" -s "$here/server_webhook.lua" "http://127.0.0.1:$p/hooks/bench/three" >"$dir/wrk_$i.txt" &
    wrk_pids="$wrk_pids $!"
  done
  for w in $wrk_pids; do wait "$w"; done
  total=0
  for f in $(seq 1 "$n"); do
    ok=$(sed -n 's/^status 200 \([0-9]*\)$/\1/p' "$dir/wrk_$f.txt")
    total=$((total + ${ok:-0}))
  done
  printf '| %s | %d | %d | %.0f |\n' "$label" "$n" "$total" "$(awk -v t="$total" -v s="$seconds" 'BEGIN { print t / s }')"
}

stop_nodes() {
  for p in $pids; do
    [ "$p" = "$standin_keep" ] && continue
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  pids="$standin_keep"
}
standin_keep=$(echo $pids | tr -d ' ')

echo "== (2) three-step flow, respond sync, $conns connections in total, ${seconds}s per row"
echo "| store | nodes | executions (200s) | executions/s |"
echo "|---|---:|---:|---:|"
ports=""
start_node lmdb
sleep 1
# shellcheck disable=SC2086
measure "LMDB (data directory)" $ports
stop_nodes
for n in 1 2 3; do
  psql "CREATE DATABASE flow$n"
  url="postgresql://weft@127.0.0.1:$port/flow$n"
  ports=""
  for k in $(seq 1 "$n"); do start_node "pg$n-$k" --store "$url"; done
  sleep 1
  # shellcheck disable=SC2086
  measure "PostgreSQL" $ports
  stop_nodes
done
