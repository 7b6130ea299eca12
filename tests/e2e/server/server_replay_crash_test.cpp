// SIGKILL of the real `weft serve` in the middle of a replay, then a restart on the same data
// directory: the replayed step was held by a slow receiver when the server died; after the
// restart the replay completes, the upstream steps that completed before the failure are not sent
// again, and the replayed step is sent again with its recorded idempotency key (the request is
// identical, so the key is reused: docs/operations.md "Idempotency keys").
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include <boost/json.hpp>

#include "tests/e2e/engine/test_server.h"
#include "tests/e2e/server/server_harness.h"

namespace weft::e2e {
namespace {
namespace json = boost::json;

constexpr const char* kFlow = R"FLOW(
connection api = http { base_url: env("API_URL") ?? "http://127.0.0.1:1" }
connection slow = http { base_url: env("SLOW_URL") ?? "http://127.0.0.1:1" }

flow order(n: int) -> json {
  step s1 = api.post("/s1", body: { n: n })
  step s2 = api.post("/s2", body: { n: n })
  step s3 = slow.post("/s3", body: { n: n }) retry { attempts: 2, backoff: fixed(10ms) }
  step s4 = api.post("/s4", body: { n: n })
  return { s3: s3.body.id, s4: s4.body.id }
}
)FLOW";

Answer echo_key(const RecordedRequest& r) {
  return Answer{200, json::serialize(json::object{{"id", r.header("idempotency-key")}})};
}

class ServeReplayCrashE2E : public ServeFixture {
 protected:
  /// The execution's status as the API shows it ("" when it cannot be read).
  std::string status(uint16_t port, const std::string& id) {
    auto r = req(port, "GET", "/v1/executions/" + id);
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (r.status != 200 || ec || !v.is_object() || !v.at("status").is_string()) return "";
    return std::string(v.at("status").as_string());
  }
};

}  // namespace

TEST_F(ServeReplayCrashE2E, SigkillDuringAReplayedStepThenRestartCompletesItWithItsKey) {
  TestServer api;
  TestServer slow;
  api.handle_prefix("/", echo_key);
  std::atomic<int> s3_calls{0};
  slow.handle("/s3", [&](const RecordedRequest& r) {
    int n = ++s3_calls;
    if (n <= 2) return Answer(503, R"({"error":"down"})");                     // the run fails
    if (n == 3) std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the replay: killed meanwhile
    return echo_key(r);
  });
  std::map<std::string, std::string> env = {{"API_URL", api.url()}, {"SLOW_URL", slow.url()}};

  std::string id;
  {
    Server s(dir_, {}, env);
    ASSERT_TRUE(s.running()) << s.log();
    uint16_t p = s.port();
    ASSERT_EQ(req(p, "POST", "/v1/modules", json::serialize(json::object{{"source", kFlow}})).status, 200);
    auto r = req(p, "POST", "/v1/flows/order/executions", R"({"input":{"n":5}})");
    ASSERT_EQ(r.status, 201) << r.body;
    id = std::string(json::parse(r.body).at("id").as_string());
    ASSERT_TRUE(eventually([&] { return status(p, id) == "failed"; }, 10000)) << status(p, id);
    ASSERT_EQ(s3_calls.load(), 2);

    r = req(p, "POST", "/v1/executions/" + id + "/replay", R"({"reason":"the vendor is back"})");
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_TRUE(eventually([&] { return s3_calls.load() == 3; }, 10000));  // the replayed step is in flight
    s.kill9();
  }
  EXPECT_EQ(api.requests("/s4").size(), 0u);

  Server s(dir_, {}, env);
  ASSERT_TRUE(s.running()) << s.log();
  uint16_t p = s.port();
  EXPECT_TRUE(eventually([&] { return status(p, id) == "completed"; }, 15000)) << status(p, id);

  // Upstream steps were sent once, before the failure; never again.
  EXPECT_EQ(api.requests("/s1").size(), 1u);
  EXPECT_EQ(api.requests("/s2").size(), 1u);
  EXPECT_EQ(api.requests("/s4").size(), 1u);
  // The replayed step: the failed attempts, the one in flight at the kill and the one after the
  // restart all carry the recorded key (the request did not change).
  auto s3 = slow.requests("/s3");
  ASSERT_GE(s3.size(), 4u);
  for (const auto& r : s3) EXPECT_EQ(r.header("idempotency-key"), id + "/s3");
  auto out = req(p, "GET", "/v1/executions/" + id);
  EXPECT_EQ(json::parse(out.body).at("output").at("s3"), (id + "/s3").c_str()) << out.body;
  EXPECT_EQ(s.stop(), 0) << s.log();
}

// A redeploy of a changed `--flows` file checks the running executions of the flow against the new
// version (as `weft replay --check` does) and logs what would diverge; they stay on their version.
TEST_F(ServeReplayCrashE2E, RedeployOfAFlowsFileChecksTheRunningExecutions) {
  TestServer api;
  api.handle_prefix("/", echo_key);
  auto flow = [](const std::string& s1_body, const std::string& s2_body) {
    return "connection api = http { base_url: env(\"API_URL\") ?? \"http://127.0.0.1:1\" }\n"
           "flow w(n: int) -> json {\n"
           "  step s1 = api.post(\"/s1\", body: " + s1_body + ")\n"
           "  let go = wait signal \"go\"\n"
           "  step s2 = api.post(\"/s2\", body: " + s2_body + ")\n"
           "  return { ok: true }\n"
           "}\n";
  };
  std::filesystem::create_directories(dir_ + "/flows");
  write_all(dir_ + "/flows/w.flow", flow("{ n: n }", "{ n: n }"));
  Server s(dir_, {"--flows", dir_ + "/flows"}, {{"API_URL", api.url()}});
  ASSERT_TRUE(s.running()) << s.log();
  auto r = req(s.port(), "POST", "/v1/flows/w/executions", R"({"input":{"n":5}})");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string id(json::parse(r.body).at("id").as_string());
  ASSERT_TRUE(eventually([&] { return api.requests("/s1").size() == 1; }, 10000));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));

  // A change to a step the execution has not reached: no divergence.
  write_all(dir_ + "/flows/w.flow", flow("{ n: n }", "{ n: n, m: 1 }"));
  ASSERT_TRUE(eventually([&] { return s.log().find("without divergence") != std::string::npos; }, 10000)) << s.log();
  EXPECT_NE(s.log().find(id), std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));

  // A change to a step it completed: reported, naming the step.
  write_all(dir_ + "/flows/w.flow", flow("{ n: n + 1 }", "{ n: n, m: 1 }"));
  ASSERT_TRUE(eventually([&] { return s.log().find("would diverge") != std::string::npos; }, 10000)) << s.log();
  std::string log = s.log();
  EXPECT_NE(log.find("step s1"), std::string::npos) << log;
  EXPECT_EQ(api.requests("/s1").size(), 1u);  // the checks sent nothing
  EXPECT_EQ(status(s.port(), id), "running");  // and the execution stays on its version
  EXPECT_EQ(s.stop(), 0);
}

}  // namespace weft::e2e
