// Several `weft serve` nodes on one PostgreSQL (started by the test: tests/support/pg_server):
// - three nodes under bounded load (API starts spread over the nodes); one node is SIGKILLed, then
//   another: the executions they held are taken over once their leases expire and continue from
//   their checkpoints; every execution completes exactly once, and no step's effect happens twice
//   (the receiver is a journal of idempotency keys: a key seen again is the same effect);
// - signals and cancels sent through a node that does not hold the execution reach it;
// - a flow's concurrency limit (1) holds across the nodes: executions started on different nodes
//   never run their steps at the same time;
// - a `* * * * *` schedule deployed on every node fires once per minute across the cluster.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "tests/e2e/engine/process.h"
#include "tests/e2e/engine/test_server.h"
#include "tests/e2e/server/server_harness.h"
#include "tests/support/pg_server.h"

namespace weft::e2e {
namespace {
namespace json = boost::json;

constexpr const char* kFlows = R"FLOW(
connection api = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
  retry: { attempts: 100, backoff: fixed(100ms) }
}

flow work(n: int) -> json {
  step a = api.post("/a", body: { n: n })
  wait 300ms
  step b = api.post("/b", body: { n: n })
  wait 300ms
  step c = api.post("/c", body: { n: n })
  return { a: a.body.id, b: b.body.id, c: c.body.id }
}

flow gated(n: int) -> json {
  step a = api.post("/a", body: { n: n })
  let got = wait signal "go"
  step c = api.post("/c", body: { n: n, v: got.v })
  return { v: got.v }
}

flow limited(n: int) -> json {
  options { concurrency: { limit: 1, key: "all" } }
  step a = api.post("/la", body: { n: n })
  wait 400ms
  step b = api.post("/lb", body: { n: n })
  return { a: a.body.id }
}

flow tick(at: string?) -> json {
  on schedule "* * * * *" { input: { at: null } }
  step t = api.post("/tick", body: {})
  return { t: t.body.id }
}
)FLOW";

constexpr int kLeaseMs = 2000;

/// The stand-in receiver: performs each effect once per idempotency key and answers its id.
class Journal {
 public:
  Answer operator()(const RecordedRequest& r) {
    std::string key = r.header("idempotency-key");
    std::lock_guard lock(mu_);
    ++seen_[key];
    return Answer{200, json::serialize(json::object{{"id", key}})};
  }
  std::map<std::string, int> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int> seen_;
};

class ClusterE2E : public ServeFixture {
 protected:
  /// The fixture's directory, a PostgreSQL with database `weft`, and an API token stored there.
  void SetUp() override {
    ServeFixture::SetUp();
    auto err = pg_.start();
    ASSERT_EQ(err, "");
    ASSERT_EQ(pg_.create_database("weft"), "");
    url_ = pg_.url("weft");
    auto r = run({weft_binary(), "token", "create", "--name", "e2e", "--data", dir_ + "/data"}, {{"WEFT_STORE", url_}},
                 "", dir_ + "/token-pg");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    token_ = r.out.substr(0, r.out.find('\n'));
  }
  void TearDown() override {
    nodes_.clear();
    pg_.stop();
    ServeFixture::TearDown();
  }

  Server& node(size_t i) { return *nodes_.at(i); }
  void start_node(const std::map<std::string, std::string>& env) {
    nodes_.push_back(std::make_unique<Server>(
        dir_, std::vector<std::string>{"--store", url_, "--lease-ms", std::to_string(kLeaseMs)}, env));
  }

  testsupport::PgServer pg_;
  std::string url_;
  std::vector<std::unique_ptr<Server>> nodes_;
};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(ClusterE2E, ThreeNodesLoseTwoByKillAndEveryExecutionCompletesExactlyOnce) {
  Journal journal;
  TestServer api;
  api.handle_prefix("/", [&](const RecordedRequest& r) { return journal(r); });
  std::map<std::string, std::string> env = {{"API_URL", api.url()}};
  for (int i = 0; i < 3; ++i) {
    start_node(env);
    ASSERT_TRUE(node(i).running()) << node(i).log();
  }
  int64_t deployed_at = wall_ms();
  for (int i = 0; i < 3; ++i)  // every node deploys the same module (as `--flows` would)
    ASSERT_EQ(req(node(i).port(), "POST", "/v1/modules", json::serialize(json::object{{"source", kFlows}})).status, 200)
        << node(i).log();

  // Signals and cancels through a node that does not hold the execution.
  std::string gated = start(node(0).port(), "gated", 1);
  std::string cancelled = start(node(0).port(), "gated", 2);
  ASSERT_FALSE(gated.empty() || cancelled.empty());
  ASSERT_TRUE(eventually([&] { return events(node(0).port(), gated, "StepCompleted") == 1; }, 10000));
  ASSERT_TRUE(eventually([&] { return events(node(0).port(), cancelled, "StepCompleted") == 1; }, 10000));
  EXPECT_EQ(req(node(1).port(), "POST", "/v1/executions/" + gated + "/signals/go", R"({"payload":{"v":7}})").status, 202);
  EXPECT_EQ(req(node(2).port(), "POST", "/v1/executions/" + cancelled + "/cancel", "{}").status, 202);
  EXPECT_TRUE(eventually([&] { return execution(node(2).port(), gated).at("status") == "completed"; }, 10000))
      << execution(node(2).port(), gated);
  EXPECT_EQ(execution(node(2).port(), gated).at("output").at("v"), 7);
  EXPECT_TRUE(eventually([&] { return execution(node(1).port(), cancelled).at("status") == "cancelled"; }, 10000))
      << execution(node(1).port(), cancelled);

  // A concurrency limit of 1 across the nodes: four executions started on three nodes run one
  // after the other (the first step of one comes after the last step of the one before).
  std::vector<std::string> limited;
  for (int i = 0; i < 4; ++i) limited.push_back(start(node(i % 3).port(), "limited", i));
  for (const auto& id : limited) {
    ASSERT_FALSE(id.empty());
    EXPECT_TRUE(eventually([&] { return execution(node(0).port(), id).at("status") == "completed"; }, 20000))
        << execution(node(0).port(), id);
  }
  {
    std::map<std::string, std::pair<int64_t, int64_t>> spans;  // execution → first /la, last /lb
    for (const auto& r : api.requests("/la")) {
      auto id = r.header("idempotency-key").substr(0, 26);
      if (!spans.count(id)) spans[id] = {r.at_ms, r.at_ms};
    }
    for (const auto& r : api.requests("/lb")) spans[r.header("idempotency-key").substr(0, 26)].second = r.at_ms;
    ASSERT_EQ(spans.size(), 4u);
    std::vector<std::pair<int64_t, int64_t>> ordered;
    for (const auto& [id, span] : spans) ordered.push_back(span);
    std::sort(ordered.begin(), ordered.end());
    for (size_t i = 1; i < ordered.size(); ++i)
      EXPECT_GE(ordered[i].first, ordered[i - 1].second) << "two executions of `limited` overlapped";
  }

  // Bounded load: 4 clients, each starting executions on the nodes in turn for ~9 s (at most 600).
  std::atomic<bool> stop{false};
  std::atomic<int> started{0}, next_n{0};
  std::vector<bool> alive = {true, true, true};
  std::mutex alive_mu;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&, t] {
      for (int k = t; !stop && started < 600; ++k) {
        size_t target = k % 3;
        {
          std::lock_guard lock(alive_mu);
          while (!alive[target]) target = (target + 1) % 3;
        }
        if (!start(node(target).port(), "work", next_n++).empty()) ++started;
        // ~60 starts/s in all: the load lasts the whole ~9 s, so both kills cut executions in
        // flight (at 20 ms a quiet machine reached the 600 cap before the first kill).
        std::this_thread::sleep_for(std::chrono::milliseconds(60));
      }
    });
  auto kill = [&](size_t i) {
    {
      std::lock_guard lock(alive_mu);
      alive[i] = false;
    }
    node(i).kill9();
  };
  std::this_thread::sleep_for(std::chrono::seconds(3));
  kill(1);  // mid-load: executions it holds are in flight
  std::this_thread::sleep_for(std::chrono::seconds(3));
  kill(2);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_GT(started.load(), 50);

  // The survivor takes everything over (lease expiry + a heartbeat) and finishes it.
  uint16_t p = node(0).port();
  std::vector<json::object> work;
  ASSERT_TRUE(eventually(
      [&] {
        work = all_executions(p, "work");
        for (const auto& e : work)
          if (e.at("status") != "completed") return false;
        return !work.empty();
      },
      60000))
      << "not all executions completed";
  // Every execution the API answered is there (more may exist: a start whose answer was lost).
  EXPECT_GE(work.size(), static_cast<size_t>(started.load()));

  // Exactly once: one ExecutionCompleted each, its three effects recorded with their own keys, and
  // no key's effect performed by two nodes except a step in flight at a kill (re-sent once, same key).
  auto seen = journal.seen();
  int resent = 0;
  for (const auto& e : work) {
    std::string id(e.at("id").as_string());
    auto exec = execution(p, id);
    ASSERT_TRUE(exec.is_object()) << id;
    const auto& out = exec.at("output");
    for (const char* s : {"a", "b", "c"}) {
      std::string key(out.at(s).as_string());
      EXPECT_EQ(key, id + "/" + s);
      ASSERT_TRUE(seen.count(key)) << key;
      EXPECT_LE(seen[key], 2) << key;
      resent += seen[key] - 1;
    }
  }
  // Two kills, each cutting at most the steps in flight on that node (4 clients, ~60 ms apart).
  EXPECT_LE(resent, 200);
  // The survivor did take executions over from the dead nodes.
  auto log = node(0).log();
  size_t taken = 0;
  for (size_t at = log.find("taking it over"); at != std::string::npos; at = log.find("taking it over", at + 1)) ++taken;
  EXPECT_GT(taken, 0u) << log;
  std::cout << "executions: " << work.size() << " (" << started.load() << " answered), taken over by the survivor: "
            << taken << ", steps re-sent with their key: " << resent << "\n";
  for (size_t i = 0; i < work.size(); i += std::max<size_t>(1, work.size() / 40)) {
    std::string id(work[i].at("id").as_string());
    EXPECT_EQ(events(p, id, "ExecutionCompleted"), 1) << id;
    EXPECT_EQ(events(p, id, "StepCompleted"), 3) << id;
  }

  // The schedule: once a minute boundary has passed with the cluster up (the survivor at least),
  // one execution per minute boundary since the deployment, never two for the same minute.
  int64_t first_boundary = (deployed_at / 60000 + 1) * 60000;
  while (wall_ms() < first_boundary + 5000) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  while (wall_ms() % 60000 < 5000) std::this_thread::sleep_for(std::chrono::milliseconds(200));  // none in flight
  int64_t boundaries = wall_ms() / 60000 - deployed_at / 60000;
  std::vector<json::object> ticks;
  ASSERT_TRUE(eventually(
      [&] {
        ticks = all_executions(p, "tick");
        bool done = static_cast<int64_t>(ticks.size()) >= boundaries;
        for (const auto& e : ticks) done = done && e.at("status") == "completed";
        return done;
      },
      10000))
      << "ticks: " << ticks.size() << ", minute boundaries: " << boundaries;
  EXPECT_EQ(static_cast<int64_t>(ticks.size()), boundaries);
  for (const auto& e : ticks) {
    std::string key = std::string(e.at("id").as_string()) + "/t";
    EXPECT_EQ(journal.seen()[key], 1) << key;
  }
  EXPECT_EQ(node(0).stop(), 0) << node(0).log();
}

}  // namespace
}  // namespace weft::e2e
