-- wrk script for bench/server_bench.sh: every request is a POST of a fixed JSON body with its
-- precomputed HMAC-SHA256 signature (WEFT_BENCH_BODY / WEFT_BENCH_SIG from the environment);
-- each thread counts answers by status, and done() prints the totals as `status NNN COUNT` lines.
local body = os.getenv("WEFT_BENCH_BODY")
local sig = os.getenv("WEFT_BENCH_SIG")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Signature"] = "sha256=" .. sig
  counts = {}
end

function response(status, headers, resp_body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for status, n in pairs(c) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("status %d %d\n", status, n)) end
  io.write(string.format("p99_us %d\n", latency:percentile(99)))
  io.write(string.format("rps %.0f\n", summary.requests / (summary.duration / 1e6)))
end
