// Crash test: N executions of a flow with several steps and waits run through the real `weft`
// binary, which is SIGKILLed at random moments and restarted with `weft run --resume` until
// everything ended. Then the history and the test server's request log must prove that every
// execution completed exactly once, that no step whose completion was recorded was sent again,
// and that no history event was lost or duplicated.
//
// Size and seed from the environment: WEFT_E2E_CRASH_EXECUTIONS (default 200),
// WEFT_E2E_CRASH_KILLS (default 5), WEFT_E2E_CRASH_SEED (default: random, printed).
// bench/runtime_crash.sh runs the big configuration.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "engine/store/execution_store.h"
#include "tests/e2e/engine/process.h"
#include "tests/e2e/engine/test_server.h"

namespace weft::e2e {
namespace {
namespace json = boost::json;
namespace fs = std::filesystem;

// The flow's two waits are sized so that the run outlasts the kills: the kills land in steps,
// waits, group commits and recoveries alike.
std::string crash_flow(long kills) {
  return R"FLOW(
connection svc = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
  retry: { attempts: 30, backoff: fixed(100ms) }
}

flow order(n: int) -> json {
  step a = svc.post("/step/a", body: { n: n })
  wait )FLOW" + std::to_string(300 * kills) + R"FLOW(ms
  step b = svc.post("/step/b", body: { a: a.body.id })
  wait )FLOW" + std::to_string(500 * kills) + R"FLOW(ms
  step c = svc.post("/step/c", body: { b: b.body.id })
  return { a: a.body.id, b: b.body.id, c: c.body.id }
}
)FLOW";
}

long env_long(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}


// The receiver honours Idempotency-Key: the first request with a key performs the effect (a new
// id); a repeated key answers the same id without a second effect.
struct Receiver {
  std::mutex mu;
  std::map<std::string, std::string> effect_of_key;
  std::map<std::string, int> effects_per_key;
  int next = 0;

  Answer on(const RecordedRequest& r) {
    std::string key = r.header("idempotency-key");
    if (key.empty()) return Answer{400, R"({"error":"no Idempotency-Key"})"};
    std::lock_guard lock(mu);
    auto it = effect_of_key.find(key);
    if (it == effect_of_key.end()) {
      it = effect_of_key.emplace(key, r.path.substr(6) + "-" + std::to_string(++next)).first;
      ++effects_per_key[key];
    }
    return Answer{200, json::serialize(json::object{{"id", it->second}})};
  }
};

TEST(CrashE2E, SigkillAtRandomMomentsEveryExecutionCompletesExactlyOnce) {
  const long n = env_long("WEFT_E2E_CRASH_EXECUTIONS", 200);
  const long kills = env_long("WEFT_E2E_CRASH_KILLS", 5);
  const unsigned seed = static_cast<unsigned>(env_long("WEFT_E2E_CRASH_SEED", std::random_device{}()));
  std::cout << "[ crash    ] executions=" << n << " kills=" << kills << " seed=" << seed << "\n";
  std::mt19937 rng(seed);

  TestServer server;
  Receiver receiver;
  server.handle_prefix("/step/", [&](const RecordedRequest& r) { return receiver.on(r); });
  std::string dir = make_temp_dir("crash");
  std::string data = dir + "/data";
  write_all(dir + "/crash.flow", crash_flow(kills));
  std::map<std::string, std::string> env = {{"API_URL", server.url()}};
  auto t0 = std::chrono::steady_clock::now();

  // 1. Start N executions; kill the process at a random moment once they are all durable.
  Proc first = spawn({weft_binary(), "run", dir + "/crash.flow", "--flow", "order", "--input", R"({"n":7})",
                      "--count", std::to_string(n), "--data", data},
                     env, "", dir + "/run-0");
  std::string want = "started " + std::to_string(n) + " executions";
  int code = 0;
  bool first_exited = false;
  for (int waited = 0; read_all(first.err_path).find(want) == std::string::npos; waited += 5) {
    if (exited(first, code)) {
      first_exited = true;
      break;
    }
    ASSERT_LT(waited, 60000) << "the executions were not started: " << read_all(first.err_path);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(first_exited) << "exit " << code << ": " << read_all(first.err_path);
  std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 600)(rng)));
  kill_now(first);
  int killed = 1;

  // 2. Resume and kill again at random moments.
  int round = 0;
  bool all_done = false;
  while (killed < kills) {
    Proc p = spawn({weft_binary(), "run", "--resume", "--data", data}, env, "", dir + "/resume-" + std::to_string(++round));
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 600)(rng)));
    if (exited(p, code)) {
      ASSERT_EQ(code, 0) << read_all(p.err_path);
      all_done = true;
      break;
    }
    kill_now(p);
    ++killed;
  }
  EXPECT_EQ(killed, kills) << "the executions ended before every kill landed";
  // 3. Let the last one finish.
  if (!all_done) {
    Proc p = spawn({weft_binary(), "run", "--resume", "--data", data}, env, "", dir + "/resume-last");
    ProcResult r = wait(p, 120000);
    ASSERT_FALSE(r.timed_out) << "the last resume did not finish: " << r.err.substr(0, 4000);
    ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 4000);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // 4. Proofs.
  store::StoreOptions so;
  so.path = data;
  auto opened = store::open_execution_store(so);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  auto& st = **opened;
  std::vector<store::ExecutionRecord> execs;
  store::ExecutionQuery q;
  q.limit = 1000;
  for (;;) {
    auto page = st.list_executions(q);
    ASSERT_TRUE(page.ok());
    for (auto& r : page->items) execs.push_back(std::move(r));
    if (!page->next_cursor) break;
    q.cursor = *page->next_cursor;
  }
  ASSERT_EQ(execs.size(), static_cast<size_t>(n)) << "every started execution exists once";

  auto requests = server.requests();
  std::map<std::string, std::vector<RecordedRequest>> by_key;
  for (const auto& r : requests) by_key[r.header("idempotency-key")].push_back(r);
  std::set<std::string> ids;
  size_t resent = 0;
  for (const auto& rec : execs) {
    SCOPED_TRACE(rec.id);
    ids.insert(rec.id);
    ASSERT_EQ(rec.status, store::ExecutionStatus::completed) << json::serialize(rec.error);
    auto hist = st.history(rec.id);
    ASSERT_EQ(hist.size(), rec.history_length);
    ASSERT_FALSE(hist.empty());
    int started = 0, terminal = 0;
    for (size_t i = 0; i < hist.size(); ++i) {
      EXPECT_EQ(hist[i].seq, i + 1) << "seq is contiguous";
      if (hist[i].type == "ExecutionStarted") ++started;
      if (hist[i].type == "ExecutionCompleted" || hist[i].type == "ExecutionFailed" ||
          hist[i].type == "ExecutionCancelled")
        ++terminal;
    }
    EXPECT_EQ(started, 1);
    EXPECT_EQ(hist.front().type, "ExecutionStarted");
    EXPECT_EQ(terminal, 1);
    EXPECT_EQ(hist.back().type, "ExecutionCompleted");
    EXPECT_EQ(hist.back().data.as_object().at("output"), rec.output);

    json::object expected_output;
    for (const char* step : {"a", "b", "c"}) {
      std::string key = rec.id + "/" + step;
      SCOPED_TRACE(key);
      int completed = 0, scheduled_before = 0, scheduled_after = 0;
      int64_t completed_at = 0;
      json::value result;
      for (const auto& e : hist) {
        const auto* s = e.data.is_object() ? e.data.get_object().if_contains("step") : nullptr;
        if (!s || *s != json::value(step)) continue;
        if (e.type == "StepCompleted") {
          ++completed;
          completed_at = e.at_ms;
          result = e.data.as_object().at("result");
        } else if (e.type == "StepScheduled") {
          (completed ? scheduled_after : scheduled_before)++;
          EXPECT_EQ(e.data.as_object().at("idempotency_key"), json::value(key));
        }
      }
      ASSERT_EQ(completed, 1) << "one recorded completion per step";
      EXPECT_EQ(scheduled_after, 0) << "nothing scheduled after the completion";
      const auto& sent = by_key[key];
      ASSERT_GE(sent.size(), 1u) << "the step reached the server";
      EXPECT_LE(sent.size(), static_cast<size_t>(scheduled_before)) << "every send follows a durable StepScheduled";
      for (const auto& r : sent) EXPECT_LE(r.at_ms, completed_at) << "request " << r.seq << " after the recorded completion";
      resent += sent.size() - 1;
      EXPECT_EQ(receiver.effects_per_key[key], 1);
      expected_output[step] = json::value(receiver.effect_of_key[key]);
      EXPECT_EQ(result.as_object().at("body").as_object().at("id"), json::value(receiver.effect_of_key[key]));
    }
    EXPECT_EQ(rec.output, json::value(expected_output)) << "the output carries the effects' ids";
  }
  // Nothing reached the server from an execution that does not exist.
  for (const auto& [key, sent] : by_key) {
    EXPECT_TRUE(ids.count(key.substr(0, key.find('/')))) << key;
  }
  EXPECT_EQ(by_key.size(), static_cast<size_t>(3 * n));
  std::cout << "[ crash    ] " << n << " executions, " << killed << " kills, " << round + 1 << " processes, "
            << requests.size() << " requests, " << resent << " re-sent after a crash, " << secs << " s\n";
  std::error_code ec;
  if (!::testing::Test::HasFailure()) fs::remove_all(dir, ec);
  else std::cout << "[ crash    ] data kept in " << dir << "\n";
}

}  // namespace
}  // namespace weft::e2e
