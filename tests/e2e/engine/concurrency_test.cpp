// Flow concurrency limits through the real `weft` binary: executions of a flow with
// `options { concurrency: { limit: 3 } }` never have more than 3 in progress at the receiving API
// (from their first request to their last), also across a SIGKILL and `weft run --resume`.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "engine/store/execution_store.h"
#include "tests/e2e/engine/process.h"
#include "tests/e2e/engine/test_server.h"

namespace weft::e2e {
namespace {
namespace json = boost::json;

const char* kLimitedFlow = R"FLOW(
connection svc = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
  retry: { attempts: 30, backoff: fixed(100ms) }
}

flow job(n: int) -> json {
  options { concurrency: { limit: 3, key: "all" } }
  step begin = svc.post("/job/begin", body: { n: n })
  wait 150ms
  step end = svc.post("/job/end", body: { n: n })
  return { n: n }
}
)FLOW";

// Tracks which executions are between their `begin` and their `end` request (by the execution id
// in the idempotency key; re-sent requests after a crash count once).
struct InFlight {
  std::mutex mu;
  std::set<std::string> active, ended;
  size_t most = 0;

  Answer on(const RecordedRequest& r) {
    std::string key = r.header("idempotency-key");
    std::string exec = key.substr(0, key.find('/'));
    std::lock_guard lock(mu);
    if (r.path == "/job/begin" && !ended.count(exec)) active.insert(exec);
    if (r.path == "/job/end") {
      active.erase(exec);
      ended.insert(exec);
    }
    most = std::max(most, active.size());
    return Answer{200, R"({"ok":true})"};
  }
};

TEST(ConcurrencyE2E, LimitHoldsAcrossAKill) {
  const int n = 24;
  TestServer server;
  InFlight flight;
  server.handle_prefix("/job/", [&](const RecordedRequest& r) { return flight.on(r); });
  std::string dir = make_temp_dir("concurrency");
  std::string data = dir + "/data";
  write_all(dir + "/jobs.flow", kLimitedFlow);
  std::map<std::string, std::string> env = {{"API_URL", server.url()}};

  Proc first = spawn({weft_binary(), "run", dir + "/jobs.flow", "--flow", "job", "--input", R"({"n":1})", "--count",
                      std::to_string(n), "--data", data},
                     env, "", dir + "/run-0");
  // Kill once the first executions have ended (slots changed hands) and others are in progress.
  int code = 0;
  for (int waited = 0;; waited += 5) {
    {
      std::lock_guard lock(flight.mu);
      if (flight.ended.size() >= 4) break;
    }
    ASSERT_FALSE(exited(first, code)) << "exited before the kill: " << read_all(first.err_path);
    ASSERT_LT(waited, 60000) << "no execution ended: " << read_all(first.err_path);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill_now(first);
  {
    std::lock_guard lock(flight.mu);
    ASSERT_LT(flight.ended.size(), static_cast<size_t>(n)) << "everything ran before the kill";
  }
  ProcResult r = wait(spawn({weft_binary(), "run", "--resume", "--data", data}, env, "", dir + "/resume"), 120000);
  ASSERT_FALSE(r.timed_out) << r.err.substr(0, 4000);
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 4000);

  std::lock_guard lock(flight.mu);
  EXPECT_EQ(flight.ended.size(), static_cast<size_t>(n));
  EXPECT_LE(flight.most, 3u) << "more executions in progress than the limit";
  EXPECT_EQ(flight.most, 3u) << "the limit was never reached: the executions did not overlap";

  store::StoreOptions so;
  so.path = data;
  auto opened = store::open_execution_store(so);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  store::ExecutionQuery q;
  q.limit = 100;
  auto page = (*opened)->list_executions(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), static_cast<size_t>(n));
  size_t queued = 0;
  for (const auto& rec : page->items) {
    EXPECT_EQ(rec.status, store::ExecutionStatus::completed) << json::serialize(rec.error);
    for (const auto& e : (*opened)->history(rec.id)) queued += e.type == "ExecutionQueued";
  }
  EXPECT_GE(queued, static_cast<size_t>(n - 3));  // all but the first three waited for a slot
}

}  // namespace
}  // namespace weft::e2e
