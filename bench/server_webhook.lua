-- wrk script for bench/server_bench.sh and bench/peer/run.sh: every request is a POST of a fixed
-- JSON body (WEFT_BENCH_BODY), with its precomputed HMAC-SHA256 signature when WEFT_BENCH_SIG is
-- set; each thread counts answers by status, and done() prints the totals as `status NNN COUNT`
-- lines. With WEFT_BENCH_EXPECT set, a 2xx answer whose body does not contain that text is counted
-- as `status 0` (wrong answer) instead.
local body = os.getenv("WEFT_BENCH_BODY")
local sig = os.getenv("WEFT_BENCH_SIG")
local expect = os.getenv("WEFT_BENCH_EXPECT")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
  if sig then wrk.headers["X-Signature"] = "sha256=" .. sig end
  counts = {}
end

function response(status, headers, resp_body)
  if expect and status >= 200 and status < 300 and not string.find(resp_body or "", expect, 1, true) then
    status = 0
  end
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for status, n in pairs(c) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("status %d %d\n", status, n)) end
  io.write(string.format("p50_us %d\n", latency:percentile(50)))
  io.write(string.format("p99_us %d\n", latency:percentile(99)))
  local e = summary.errors
  io.write(string.format("socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("rps %.0f\n", summary.requests / (summary.duration / 1e6)))
end
