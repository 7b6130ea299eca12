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
#      Beside each row: CPU per finished execution of the weft nodes and of every PostgreSQL
#      process (utime+stime from /proc before and after the run), and PostgreSQL's commits
#      (pg_stat_database.xact_commit) and WAL flushes (pg_stat_wal.wal_sync) per execution.
#
#   bench/pg_bench.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]       (needs wrk: apt-get install wrk)
# WEFT_BENCH_NO_BUILD=1 skips the build; WEFT_BENCH_FLOW_ONLY=1 skips (1); WEFT_BENCH_PG_OPTS adds
# options to the postgres command line (e.g. "-c commit_delay=100"); WEFT_BENCH_STATEMENTS=1 loads
# pg_stat_statements and prints, after each PostgreSQL row, the statements run per execution;
# WEFT_BENCH_NODES="1 3" picks the PostgreSQL rows (default "1 2 3").
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
# shellcheck disable=SC2086 # WEFT_BENCH_PG_OPTS: split into options on purpose
$as_pg "$pgbin/postgres" -D "$dir/pg" -k "$dir" -c listen_addresses=127.0.0.1 -p "$port" -c fsync=on \
  -c max_connections=200 -c shared_buffers=128MB ${WEFT_BENCH_STATEMENTS:+-c shared_preload_libraries=pg_stat_statements} \
  ${WEFT_BENCH_PG_OPTS:-} >"$dir/pg.log" 2>&1 &
pg_pid=$!
for _ in $(seq 1 300); do grep -q ready "$dir/pg/postmaster.pid" 2>/dev/null && break; sleep 0.05; done
psql() { "$pgbin/psql" -X -q -d "postgresql://weft@127.0.0.1:$port/postgres" -c "$1"; }
# query DB SQL: one value, unaligned.
query() { "$pgbin/psql" -X -q -At -d "postgresql://weft@127.0.0.1:$port/$1" -c "$2"; }
postmaster=$(head -n 1 "$dir/pg/postmaster.pid")
# ticks PID...: utime+stime of the processes (clock ticks), 0 for one that is gone.
ticks() {
  for p in "$@"; do sed 's/.*) //' "/proc/$p/stat" 2>/dev/null || echo "x x x x x x x x x x x 0 0 0 0"; done |
    awk '{ t += $12 + $13 } END { print t + 0 }'
}
# pg_ticks: every PostgreSQL process's ticks, those that exited included (the postmaster's cutime+cstime).
pg_ticks() {
  own=$(sed 's/.*) //' "/proc/$postmaster/stat" | awk '{ print $12 + $13 + $14 + $15 }')
  # shellcheck disable=SC2046
  echo $((own + $(ticks $(pgrep -P "$postmaster"))))
}
hz=$(getconf CLK_TCK)

echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ), PostgreSQL on 127.0.0.1:$port (fsync on)"
if [ -z "${WEFT_BENCH_FLOW_ONLY:-}" ]; then
  echo "== (1) durable transitions/s (store_bench, ${seconds}s per row)"
  "$build/store_bench" --seconds "$seconds" --concurrency 1,64 --dir "$dir/lmdb-bench" | grep -v "max_batch=1"
  psql "CREATE DATABASE storebench"
  "$build/store_bench" --seconds "$seconds" --concurrency 1,64 --pg "postgresql://weft@127.0.0.1:$port/storebench" | grep -v "max_batch=1"
fi

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
  node_pids="$node_pids $!"
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
  i=0
  wrk_pids=""
  db=${row_db:-}
  # shellcheck disable=SC2086
  node_t0=$(ticks $node_pids)
  pg_t0=$(pg_ticks)
  if [ -n "$db" ]; then
    commits0=$(query "$db" "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    syncs0=$(query "$db" "SELECT wal_sync FROM pg_stat_wal")
    if [ -n "${WEFT_BENCH_STATEMENTS:-}" ]; then query "$db" "SELECT pg_stat_statements_reset()" >/dev/null; fi
  fi
  for p in "$@"; do
    i=$((i + 1))
    per=$((conns / n + (i <= conns % n ? 1 : 0)))  # every row has CONNECTIONS in total (32 = 11 + 11 + 10)
    wrk -t1 -c"$per" -d"${seconds}s" -s "$here/server_webhook.lua" "http://127.0.0.1:$p/hooks/bench/three" >"$dir/wrk_$i.txt" &
    wrk_pids="$wrk_pids $!"
  done
  for w in $wrk_pids; do wait "$w"; done
  # shellcheck disable=SC2086
  node_t1=$(ticks $node_pids)
  pg_t1=$(pg_ticks)
  total=0
  for f in $(seq 1 "$n"); do
    ok=$(sed -n 's/^status 200 \([0-9]*\)$/\1/p' "$dir/wrk_$f.txt")
    total=$((total + ${ok:-0}))
  done
  per_exec() { awk -v v="$1" -v t="$total" -v k="$2" 'BEGIN { if (t > 0) printf "%.2f", v * k / t; else printf "-" }'; }
  node_cpu=$(per_exec $((node_t1 - node_t0)) "$((1000 / hz))")
  pg_cpu=$(per_exec $((pg_t1 - pg_t0)) "$((1000 / hz))")
  commits="-"
  syncs="-"
  if [ -n "$db" ]; then
    sleep 1.5  # backends report their statistics at most once a second
    commits1=$(query "$db" "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    syncs1=$(query "$db" "SELECT wal_sync FROM pg_stat_wal")
    commits=$(per_exec $((commits1 - commits0 - 2)) 1)  # less this function's own two queries
    syncs=$(per_exec $((syncs1 - syncs0)) 1)
  fi
  printf '| %s | %d | %d | %.0f | %s | %s | %s | %s |\n' "$label" "$n" "$total" \
    "$(awk -v t="$total" -v s="$seconds" 'BEGIN { print t / s }')" "$node_cpu" "$pg_cpu" "$commits" "$syncs"
  if [ -n "$db" ] && [ -n "${WEFT_BENCH_STATEMENTS:-}" ]; then
    query "$db" "SELECT round(s.calls::numeric / $total, 3) || ' ' || round(s.total_exec_time::numeric * 1000 / $total) || 'us ' || left(regexp_replace(s.query, '\s+', ' ', 'g'), 150) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '$db' ORDER BY s.calls DESC LIMIT 25" | sed 's/^/    /'
  fi
}

stop_nodes() {
  for p in $pids; do
    [ "$p" = "$standin_keep" ] && continue
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  pids="$standin_keep"
  node_pids=""
}
node_pids=""
standin_keep=$(echo $pids | tr -d ' ')

echo "== (2) three-step flow, respond sync, $conns connections in total, ${seconds}s per row"
echo "| store | nodes | executions (200s) | executions/s | weft CPU ms/exec | PostgreSQL CPU ms/exec | commits/exec | WAL flushes/exec |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
ports=""
start_node lmdb
sleep 1
# shellcheck disable=SC2086
measure "LMDB (data directory)" $ports
stop_nodes
for n in ${WEFT_BENCH_NODES:-1 2 3}; do
  psql "CREATE DATABASE flow$n"
  url="postgresql://weft@127.0.0.1:$port/flow$n"
  row_db=flow$n
  if [ -n "${WEFT_BENCH_STATEMENTS:-}" ]; then query "$row_db" "CREATE EXTENSION pg_stat_statements" >/dev/null; fi
  ports=""
  for k in $(seq 1 "$n"); do start_node "pg$n-$k" --store "$url"; done
  sleep 1
  # shellcheck disable=SC2086
  measure "PostgreSQL" $ports
  stop_nodes
done
