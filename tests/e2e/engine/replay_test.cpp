// `weft replay ID --data DIR` through the real binary, as a new user meets it: a flow fails at
// step 3 of 5 because a third-party API is down; once it is back, the replay does not send steps
// 1–2 again (the receiving server counts requests) and completes; `weft history` shows both
// attempts. Then a bug in a mapping fixed in the .flow file and replayed `--with` it, and an
// incompatible fix refused naming the step, the execution left as it was.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/engine/process.h"
#include "tests/e2e/engine/test_server.h"

namespace weft::e2e {
namespace {

std::string flow_source(const std::string& url, const std::string& step3_path, const std::string& step1 = "get") {
  return "connection api = http { base_url: \"" + url + "\" }\n"
         "flow order(n: int) -> string {\n"
         "  step s1 = api." + step1 + "(\"/s1\"" + (step1 == "get" ? "" : ", body: {}") + ")\n"
         "  step s2 = api.post(\"/s2\", body: { n: n })\n"
         "  step s3 = api.post(\"" + step3_path + "\", body: { id: s2.body.id }) retry { attempts: 2, backoff: fixed(10ms) }\n"
         "  step s4 = api.post(\"/s4\", body: {})\n"
         "  step s5 = api.post(\"/s5\", body: {})\n"
         "  return s5.body.done\n"
         "}\n";
}

/// Scripts the steps every test answers alike: s1, s2, s4, and s5 (whose `done` is the output).
void script_steps(TestServer& api, const std::string& done) {
  api.script("/s1", {Answer(200, R"({"ok":1})")});
  api.script("/s2", {Answer(201, R"({"id":"o-7"})")});
  api.script("/s4", {Answer(200, "{}")});
  api.script("/s5", {Answer(200, "{\"done\":\"" + done + "\"}")});
}

/// The execution id `weft run` printed on stderr ("execution <id> of <flow>").
std::string execution_id(const std::string& err) {
  auto at = err.find("execution ");
  if (at == std::string::npos) return "";
  at += 10;
  return err.substr(at, err.find(' ', at) - at);
}

/// Runs flow_source(api, "/s3-typo") with {"n":3} on `data`: it fails at s3 (scripted 404);
/// returns the execution id ("" and a test failure otherwise).
std::string failed_at_s3(TestServer& api, const std::string& dir, const std::string& data) {
  api.script("/s3-typo", {Answer(404, R"({"error":"no such route"})")});
  write_all(dir + "/order.flow", flow_source(api.url(), "/s3-typo"));
  ProcResult r = run({weft_binary(), "run", dir + "/order.flow", "--flow", "order", "--input", R"({"n":3})",
                      "--data", data}, {}, "", dir + "/run", 60000);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  std::string id = execution_id(r.err);
  EXPECT_FALSE(id.empty()) << r.err;
  return id;
}

}  // namespace

TEST(ReplayE2E, FailedAtStepThreeReplaysWithoutResendingStepsOneAndTwo) {
  TestServer api;
  script_steps(api, "shipped");
  api.script("/s3", {Answer(503, R"({"error":"down"})"), Answer(503, R"({"error":"down"})"), Answer(200, "{}")});
  std::string dir = make_temp_dir("replay");
  std::string data = dir + "/data";
  write_all(dir + "/order.flow", flow_source(api.url(), "/s3"));
  ProcResult r = run({weft_binary(), "run", dir + "/order.flow", "--flow", "order", "--input", R"({"n":3})",
                      "--data", data}, {}, "", dir + "/run", 60000);
  ASSERT_EQ(r.exit_code, 1) << r.err;
  std::string id = execution_id(r.err);
  ASSERT_FALSE(id.empty()) << r.err;
  EXPECT_EQ(api.requests("/s3").size(), 2u);
  EXPECT_EQ(api.requests("/s4").size(), 0u);

  r = run({weft_binary(), "replay", id, "--data", data, "--reason", "the API is back"}, {}, "", dir + "/replay", 60000);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "\"shipped\"\n");
  EXPECT_EQ(api.requests("/s1").size(), 1u);
  EXPECT_EQ(api.requests("/s2").size(), 1u);
  ASSERT_EQ(api.requests("/s3").size(), 3u);
  EXPECT_EQ(api.requests("/s4").size(), 1u);
  EXPECT_EQ(api.requests("/s5").size(), 1u);
  // The same request keeps its idempotency key.
  EXPECT_EQ(api.requests("/s3")[2].header("idempotency-key"), api.requests("/s3")[0].header("idempotency-key"));

  r = run({weft_binary(), "history", id, "--data", data}, {}, "", dir + "/history", 30000);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto failed = r.out.find("ExecutionFailed");
  auto replayed = r.out.find("ReplayRequested");
  auto completed = r.out.find("ExecutionCompleted");
  ASSERT_NE(failed, std::string::npos) << r.out;
  ASSERT_NE(replayed, std::string::npos) << r.out;
  ASSERT_NE(completed, std::string::npos) << r.out;
  EXPECT_LT(failed, replayed);
  EXPECT_LT(replayed, completed);
  EXPECT_NE(r.out.find("the API is back"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("attempt 2"), std::string::npos) << r.out;  // before the replay
  EXPECT_NE(r.out.find("attempt 1", replayed), std::string::npos) << r.out;  // fresh attempts after it

  // A completed execution is refused.
  r = run({weft_binary(), "replay", id, "--data", data}, {}, "", dir + "/again", 30000);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("only failed, cancelled or paused"), std::string::npos) << r.err;
}

// The replay is one durable transition: SIGKILL `weft replay` while the replayed step is in
// flight, and `weft run --resume` finishes it (the step is sent again with the same key).
TEST(ReplayE2E, KilledInTheMiddleOfAReplayTheResumeFinishesIt) {
  TestServer api;
  std::atomic<int> s3_calls{0};
  script_steps(api, "shipped");
  api.handle("/s3", [&](const RecordedRequest&) {
    int n = ++s3_calls;
    if (n <= 2) return Answer(503, R"({"error":"down"})");
    if (n == 3) std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // killed meanwhile
    return Answer(200, "{}");
  });
  std::string dir = make_temp_dir("replay-kill");
  std::string data = dir + "/data";
  write_all(dir + "/order.flow", flow_source(api.url(), "/s3"));
  ProcResult r = run({weft_binary(), "run", dir + "/order.flow", "--flow", "order", "--input", R"({"n":3})",
                      "--data", data}, {}, "", dir + "/run", 60000);
  ASSERT_EQ(r.exit_code, 1) << r.err;
  std::string id = execution_id(r.err);

  Proc p = spawn({weft_binary(), "replay", id, "--data", data}, {}, "", dir + "/replay");
  for (int waited = 0; s3_calls.load() < 3; waited += 5) {
    ASSERT_LT(waited, 30000) << read_all(p.err_path);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill_now(p);
  r = run({weft_binary(), "run", "--resume", "--data", data}, {}, "", dir + "/resume", 60000);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "\"shipped\"\n");
  EXPECT_EQ(api.requests("/s1").size(), 1u);
  EXPECT_EQ(api.requests("/s2").size(), 1u);
  auto s3 = api.requests("/s3");
  ASSERT_EQ(s3.size(), 4u);
  EXPECT_EQ(s3[3].header("idempotency-key"), s3[2].header("idempotency-key"));
  EXPECT_EQ(s3[3].header("idempotency-key"), s3[0].header("idempotency-key"));
  r = run({weft_binary(), "history", id, "--data", data}, {}, "", dir + "/history", 30000);
  EXPECT_NE(r.out.find("ReplayRequested"), std::string::npos) << r.out;
}

TEST(ReplayE2E, OnExhaustedPausePausesTheRunThenReplayCompletes) {
  TestServer api;
  api.script("/a", {Answer(200, R"({"v":1})")});
  api.script("/x", {Answer(503, "{}"), Answer(503, "{}"), Answer(200, R"({"v":2})")});
  std::string dir = make_temp_dir("replay-pause");
  std::string data = dir + "/data";
  write_all(dir + "/p.flow", "connection api = http { base_url: \"" + api.url() + "\" }\n"
                             "flow p() -> int {\n"
                             "  options { on_exhausted: \"pause\" }\n"
                             "  step a = api.get(\"/a\")\n"
                             "  step x = api.post(\"/x\", body: {}) retry { attempts: 2, backoff: fixed(10ms) }\n"
                             "  return a.body.v + x.body.v\n"
                             "}\n");
  ProcResult r = run({weft_binary(), "run", dir + "/p.flow", "--flow", "p", "--data", data}, {}, "", dir + "/run", 60000);
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(" paused: "), std::string::npos) << r.err;
  std::string id = execution_id(r.err);
  r = run({weft_binary(), "status", id, "--data", data}, {}, "", dir + "/status", 30000);
  EXPECT_NE(r.out.find("status:   paused"), std::string::npos) << r.out;
  r = run({weft_binary(), "replay", id, "--data", data}, {}, "", dir + "/replay", 60000);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "3\n");
  EXPECT_EQ(api.requests("/a").size(), 1u);
  EXPECT_EQ(api.requests("/x").size(), 3u);
}

TEST(ReplayE2E, BulkReplayListsThenReplaysEveryFailedExecutionOfAFlow) {
  TestServer api;
  script_steps(api, "shipped");
  api.script("/s3", {Answer(503, "{}"), Answer(503, "{}"), Answer(503, "{}"), Answer(503, "{}"), Answer(200, "{}")});
  std::string dir = make_temp_dir("replay-bulk");
  std::string data = dir + "/data";
  write_all(dir + "/order.flow", flow_source(api.url(), "/s3"));
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    ProcResult r = run({weft_binary(), "run", dir + "/order.flow", "--flow", "order", "--input", R"({"n":3})",
                        "--data", data}, {}, "", dir + "/run" + std::to_string(i), 60000);
    ASSERT_EQ(r.exit_code, 1) << r.err;
    ids.push_back(execution_id(r.err));
  }
  ProcResult r = run({weft_binary(), "replay", "--flow", "order", "--status", "failed", "--dry-run", "--data", data},
                     {}, "", dir + "/dry", 30000);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find(ids[0]), 0u) << r.out;  // oldest first
  EXPECT_NE(r.out.find(ids[1]), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("would replay 2 execution(s)"), std::string::npos) << r.err;
  EXPECT_EQ(api.requests("/s3").size(), 4u);  // nothing sent
  r = run({weft_binary(), "replay", "--flow", "order", "--status", "failed", "--data", data}, {}, "", dir + "/bulk", 60000);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(ids[0] + "  \"shipped\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(ids[1] + "  \"shipped\""), std::string::npos) << r.out;
  EXPECT_EQ(api.requests("/s1").size(), 2u);
  EXPECT_EQ(api.requests("/s3").size(), 6u);
  r = run({weft_binary(), "replay", "--flow", "order", "--status", "running", "--data", data}, {}, "", dir + "/bad", 30000);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not running"), std::string::npos) << r.err;
}

TEST(ReplayE2E, WithAFixedMappingAndAnIncompatibleFixRefused) {
  TestServer api;
  script_steps(api, "fixed");
  api.script("/s3", {Answer(200, "{}")});
  std::string dir = make_temp_dir("replay-with");
  std::string data = dir + "/data";
  std::string id = failed_at_s3(api, dir, data);
  ASSERT_FALSE(id.empty());
  std::string before = run({weft_binary(), "status", id, "--data", data}, {}, "", dir + "/s0", 30000).out;

  // Incompatible: the completed step s1 became a POST.
  write_all(dir + "/bad.flow", flow_source(api.url(), "/s3", "post"));
  ProcResult r = run({weft_binary(), "replay", id, "--data", data, "--with", dir + "/bad.flow"}, {}, "", dir + "/bad", 30000);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("step `s1`"), std::string::npos) << r.err;
  EXPECT_EQ(run({weft_binary(), "status", id, "--data", data}, {}, "", dir + "/s1", 30000).out, before);

  write_all(dir + "/fixed.flow", flow_source(api.url(), "/s3"));
  r = run({weft_binary(), "replay", id, "--data", data, "--with", dir + "/fixed.flow"}, {}, "", dir + "/fixed", 60000);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "\"fixed\"\n");
  EXPECT_EQ(api.requests("/s1").size(), 1u);
  EXPECT_EQ(api.requests("/s2").size(), 1u);
  EXPECT_EQ(api.requests("/s3").size(), 1u);
  r = run({weft_binary(), "history", id, "--data", data}, {}, "", dir + "/history", 30000);
  EXPECT_NE(r.out.find("VersionChanged"), std::string::npos) << r.out;
}

TEST(ReplayE2E, CheckReportsTheFirstDivergenceWithoutSideEffects) {
  TestServer api;
  script_steps(api, "fixed");
  std::string dir = make_temp_dir("replay-check");
  std::string data = dir + "/data";
  std::string id = failed_at_s3(api, dir, data);
  ASSERT_FALSE(id.empty());
  size_t sent = api.requests("/s1").size() + api.requests("/s2").size() + api.requests("/s3-typo").size();
  std::string before = run({weft_binary(), "status", id, "--data", data}, {}, "", dir + "/s0", 30000).out;

  // Compatible: the failed step's path fixed; nothing the history completed changes.
  write_all(dir + "/fixed.flow", flow_source(api.url(), "/s3"));
  ProcResult r = run({weft_binary(), "replay", "--check", dir + "/fixed.flow", id, "--data", data}, {}, "", dir + "/ok", 30000);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, id + "  ok\n");

  // Divergent: the completed step s2 now sends another body.
  std::string changed = flow_source(api.url(), "/s3");
  changed.replace(changed.find("{ n: n }"), 8, "{ n: n + 1 }");
  write_all(dir + "/changed.flow", changed);
  r = run({weft_binary(), "replay", "--check", dir + "/changed.flow", "--flow", "order", "--status", "failed",
           "--data", data}, {}, "", dir + "/diverges", 30000);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find(id + "  diverges  step s2: expected s2: POST /s2 {\"n\":3}, got s2: POST /s2 {\"n\":4}"),
            std::string::npos) << r.out;

  // Nothing was sent and the execution is as it was.
  EXPECT_EQ(api.requests("/s1").size() + api.requests("/s2").size() + api.requests("/s3-typo").size(), sent);
  EXPECT_EQ(api.requests("/s3").size(), 0u);
  EXPECT_EQ(run({weft_binary(), "status", id, "--data", data}, {}, "", dir + "/s1", 30000).out, before);

  r = run({weft_binary(), "replay", "--check", dir + "/fixed.flow", id, "--server", api.url()}, {}, "", dir + "/u",
          30000);
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace weft::e2e
