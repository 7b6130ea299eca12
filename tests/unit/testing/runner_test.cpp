// The `weft test` runner: mocks (patterns, where, sequences, failures), the test clock, start /
// signal / advance / await, expecting failures, calls(), emitted(), failure reports.
#include <gtest/gtest.h>

#include <chrono>

#include <boost/json/parse.hpp>

#include "compiler/diagnostics/render.h"
#include "compiler/driver/driver.h"
#include "testing/json_report.h"
#include "testing/junit.h"
#include "testing/runner.h"

namespace weft::testing {
namespace {

struct Ran {
  std::vector<TestOutcome> outcomes;
  const TestOutcome& at(size_t i) const { return outcomes.at(i); }
};

/// Compiles `source` and runs its tests (one job at a time unless `jobs`).
Ran run(const std::string& source, int jobs = 1, const std::string& filter = "") {
  driver::MemoryResolver none;
  auto c = driver::compile_source("t.flow", source, none);
  std::string diags;
  for (const auto& d : c.diagnostics().all()) diags += diagnostics::render_text(d);
  EXPECT_TRUE(c.module()) << diags << (c.lowered && !c.lowered->errors.empty() ? c.lowered->errors[0] : "");
  Ran r;
  if (!c.module()) return r;
  auto m = std::make_shared<const ir::Module>(*c.module());
  std::vector<TestJob> jobs_list;
  for (const auto& t : c.lowered->tests)
    if (selected(t.name, filter)) jobs_list.push_back({m, &t});
  RunOptions o;
  o.jobs = jobs;
  r.outcomes = run_tests(jobs_list, o);
  return r;
}

const char* kCrm = R"(
connection crm = http { base_url: "http://127.0.0.1:1", auth: bearer(secret("crm_token")) }

flow fetch(id: string) -> { name: string } {
  step c = crm.get<json>("/contacts/${id}")
  return { name: c.body.name }
}
)";

TEST(Runner, MockAnswersAndExpectationHolds) {
  auto r = run(std::string(kCrm) + R"(
test "fetches" {
  mock crm.get("/contacts/*") => { status: 200, body: { name: "Ada" } }
  let out = run fetch("42")
  expect out.name == "Ada"
  expect len(calls(crm.get)) == 1
  expect calls(crm.get)[0].path == "/contacts/42"
}
)");
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_TRUE(r.at(0).passed) << r.at(0).message;
}

TEST(Runner, FailedExpectationShowsTheOperandValues) {
  auto r = run(std::string(kCrm) + R"(
test "wrong name" {
  mock crm.get("/contacts/*") => { status: 200, body: { name: "Bob" } }
  let out = run fetch("42")
  expect out.name == "Ada"
}
)");
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_FALSE(r.at(0).passed);
  EXPECT_NE(r.at(0).message.find("expectation failed: out.name == \"Ada\""), std::string::npos) << r.at(0).message;
  EXPECT_NE(r.at(0).message.find("out.name is \"Bob\""), std::string::npos) << r.at(0).message;
  EXPECT_EQ(r.at(0).failure_line, 12);  // the `expect`, at its column
  EXPECT_EQ(r.at(0).failure_column, 3);
  // The flow's history up to the failure.
  EXPECT_NE(r.at(0).history.find("StepCompleted"), std::string::npos) << r.at(0).history;
  EXPECT_NE(r.at(0).history.find("ExecutionCompleted"), std::string::npos) << r.at(0).history;
}

TEST(Runner, UnmatchedCallFailsNamingTheCallAndTheClosestMock) {
  auto r = run(std::string(kCrm) + R"(
test "no mock" {
  mock crm.get("/contact/*") => { status: 200, body: { name: "Ada" } }
  mock crm.post("/contacts/42") => { status: 200, body: {} }
  run fetch("42")
}
)");
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_FALSE(r.at(0).passed);
  const std::string& m = r.at(0).message;
  EXPECT_NE(m.find("no mock answers crm.get(\"/contacts/42\")"), std::string::npos) << m;
  EXPECT_NE(m.find("crm.get(\"/contact/*\")"), std::string::npos) << m;
}

TEST(Runner, WhereMatchersChooseTheMock) {
  auto r = run(R"(
connection crm = http { base_url: "http://127.0.0.1:1" }
flow create(email: string, vip: bool) -> string {
  step c = crm.post<json>("/contacts", body: { email: email }, query: { vip: vip ? "yes" : "no" },
                          headers: { "X-Source": "weft" })
  return c.body.id
}
test "where on body, query and headers" {
  mock crm.post("/contacts") where body.email == "a@x.com" && query.vip == "yes" && headers["X-Source"] == "weft" => { status: 201, body: { id: "vip-a" } }
  mock crm.post("/contacts") where body.email == "a@x.com" => { status: 201, body: { id: "a" } }
  mock crm.post("/contacts") => { status: 201, body: { id: "other" } }
  expect run create("a@x.com", true) == "vip-a"
  expect run create("a@x.com", false) == "a"
  expect run create("b@x.com", true) == "other"
  expect len(calls(crm.post)) == 3
  expect calls(crm.post)[1].query.vip == "no"
}
)");
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_TRUE(r.at(0).passed) << r.at(0).message << r.at(0).history;
}

const char* kRetry = R"(
connection api = http { base_url: "http://127.0.0.1:1" }
flow slow(x: int) -> int {
  wait 3d
  step s = api.post<json>("/work", body: { x: x })
    retry { attempts: 6, backoff: exponential(initial: 1m, factor: 2.0, max: 30m) }
  return s.body.n
}
)";

TEST(Runner, WaitsAndRetryBackoffTakeNoRealTime) {
  auto t0 = std::chrono::steady_clock::now();
  auto r = run(std::string(kRetry) + R"(
test "503, timeout, connection_error, then 200" {
  mock api.post("/work") => [{ status: 503 }, { status: 503 }, { status: 200, body: { n: 7 } }]
  let started = now()
  expect run slow(1) == 7
  expect len(calls(api.post)) == 3
  expect calls(api.post)[2].status == 200
  expect now() - started >= 3d + 3m
}
)");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_TRUE(r.at(0).passed) << r.at(0).message << r.at(0).history;
  EXPECT_LT(secs, 1.0);
}

TEST(Runner, TimeoutAndConnectionErrorMocksFailTheCall) {
  auto r = run(std::string(kRetry) + R"(
test "always timing out ends in a timeout" {
  mock api.post("/work") => timeout
  try {
    run slow(1)
    fail "slow should fail"
  } catch timeout as e {
    expect len(calls(api.post)) == 6
  }
}
test "connection errors" {
  mock api.post("/work") => connection_error
  try {
    run slow(1)
    fail "slow should fail"
  } catch as e where e.kind == "connection_error" {
    expect e.kind == "connection_error"
  }
}
)");
  ASSERT_EQ(r.outcomes.size(), 2u);
  EXPECT_TRUE(r.at(0).passed) << r.at(0).message << r.at(0).history;
  EXPECT_TRUE(r.at(1).passed) << r.at(1).message << r.at(1).history;
}

TEST(Runner, FailInsideTryIsNotCaughtByTheTest) {
  auto r = run(std::string(kCrm) + R"(
test "expects a failure that does not happen" {
  mock crm.get("/contacts/*") => { status: 200, body: { name: "Ada" } }
  try {
    run fetch("1")
    fail "fetch should fail"
  } catch as e {
    expect true
  }
}
)");
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_FALSE(r.at(0).passed);
  EXPECT_NE(r.at(0).message.find("fail: fetch should fail"), std::string::npos) << r.at(0).message;
}

TEST(Runner, UncaughtFlowFailureFailsTheTest) {
  auto r = run(std::string(kCrm) + R"(
test "404" {
  mock crm.get("/contacts/*") => { status: 404 }
  run fetch("1")
}
)");
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_FALSE(r.at(0).passed);
  EXPECT_NE(r.at(0).message.find("the flow failed: http_error"), std::string::npos) << r.at(0).message;
}

const char* kApproval = R"(
connection mail = http { base_url: "http://127.0.0.1:1" }
flow approve(id: string) -> string {
  step notify = mail.post<json>("/messages", body: { id: id })
  try {
    let answer = wait signal "decision" timeout 3d
    emit "approval.decided" { id: id, ok: answer.ok }
    return answer.ok ? "approved" : "rejected"
  } catch timeout {
    return "expired"
  }
}
)";

TEST(Runner, StartSignalAdvanceAwait) {
  auto r = run(std::string(kApproval) + R"(
test "approved after an hour" {
  mock mail.post("/messages") => { status: 202 }
  let h = start approve("a")
  advance 1h
  expect len(calls(mail.post)) == 1
  signal h "decision" { ok: true }
  expect await h == "approved"
  expect emitted("approval.decided") == [{ id: "a", ok: true }]
  expect emitted("nothing") == []
}
test "no answer expires" {
  mock mail.post("/messages") => { status: 202 }
  let h = start approve("b")
  advance 3d
  expect await h == "expired"
}
test "a run that waits for a signal nobody sends fails" {
  mock mail.post("/messages") => { status: 202 }
  run approve_forever("c")
}
flow approve_forever(id: string) -> json {
  let answer = wait signal "decision"
  return answer
}
)");
  ASSERT_EQ(r.outcomes.size(), 3u);
  EXPECT_TRUE(r.at(0).passed) << r.at(0).message << r.at(0).history;
  EXPECT_TRUE(r.at(1).passed) << r.at(1).message << r.at(1).history;
  EXPECT_FALSE(r.at(2).passed);
  EXPECT_NE(r.at(2).message.find("never ends"), std::string::npos) << r.at(2).message;
}

TEST(Runner, SecretHeadersAreRedactedAndNeedNoValue) {
  auto r = run(R"(
connection api = http { base_url: "http://127.0.0.1:1", auth: bearer(secret("token")) }
flow call() -> int {
  step s = api.get<json>("/x", headers: { "X-Key": secret("key") })
  return s.status
}
test "redacted" {
  mock api.get("/x") => { status: 200 }
  expect run call() == 200
  expect calls(api.get)[0].headers["X-Key"] == "***"
}
)");
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_TRUE(r.at(0).passed) << r.at(0).message << r.at(0).history;
}

TEST(Runner, CompensationRunsOnFailure) {
  auto r = run(R"(
connection pay = http { base_url: "http://127.0.0.1:1" }
flow order(id: string) -> json {
  step charge = pay.post<json>("/charges", body: { id: id }) compensate pay.post("/charges/${charge.body.id}/refund")
  step ship = pay.post<json>("/ship", body: { id: id })
  return ship.body
}
test "a failed shipment refunds" {
  mock pay.post("/charges") => { status: 201, body: { id: "ch-1" } }
  mock pay.post("/ship") => { status: 400, body: { error: "bad address" } }
  mock pay.post("/charges/*/refund") => { status: 200 }
  try {
    run order("o-1")
    fail "order should fail"
  } catch http_error as e where e.status == 400 {
    expect len(calls(pay.post)) == 3
    expect calls(pay.post)[2].path == "/charges/ch-1/refund"
  }
}
)");
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_TRUE(r.at(0).passed) << r.at(0).message << r.at(0).history;
}

TEST(Runner, ParallelJobsAndFilter) {
  std::string src = kCrm;
  for (int i = 0; i < 8; ++i)
    src += "test \"t" + std::to_string(i) + "\" {\n  mock crm.get(\"/contacts/*\") => { status: 200, body: { name: \"n" +
           std::to_string(i) + "\" } }\n  expect (run fetch(\"" + std::to_string(i) + "\")).name == \"n" + std::to_string(i) +
           "\"\n}\n";
  auto all = run(src, 4);
  ASSERT_EQ(all.outcomes.size(), 8u);
  for (const auto& o : all.outcomes) EXPECT_TRUE(o.passed) << o.name << ": " << o.message;
  EXPECT_EQ(all.at(3).name, "t3");  // outcomes keep the order of the tests
  auto one = run(src, 2, "t5");
  ASSERT_EQ(one.outcomes.size(), 1u);
  EXPECT_EQ(one.at(0).name, "t5");
}

TEST(Junit, EscapesAndCounts) {
  TestOutcome ok{"a.flow", "ok <1>", 3, true, "", 0, "", 0.01};
  TestOutcome bad{"a.flow", "bad & \"2\"", 9, false, "expectation failed: x < 1\n    x is 3", 10, "", 0.02};
  std::string x = junit_xml({ok, bad}, 0.5);
  EXPECT_NE(x.find("tests=\"2\" failures=\"1\""), std::string::npos) << x;
  EXPECT_NE(x.find("name=\"ok &lt;1&gt;\""), std::string::npos) << x;
  EXPECT_NE(x.find("name=\"bad &amp; &quot;2&quot;\""), std::string::npos) << x;
  EXPECT_NE(x.find("message=\"expectation failed: x &lt; 1\""), std::string::npos) << x;
  EXPECT_EQ(xml_escape(std::string("a\x01" "b")), "ab");
}

TEST(JsonReport, OneObjectPerLineWithTheFailureLocation) {
  TestOutcome ok{"a.flow", "ok \"1\"", 3, true, "", 0, "", 0.01};
  TestOutcome bad{"a.flow", "bad", 9, false, "expectation failed: x < 1\n    x is 3", 10, "h", 0.02, 5};
  std::string text = json_lines({ok, bad});
  size_t nl = text.find('\n');
  ASSERT_NE(nl, std::string::npos);
  ASSERT_EQ(text.back(), '\n');
  auto first = boost::json::parse(text.substr(0, nl)).as_object();
  auto second = boost::json::parse(text.substr(nl + 1)).as_object();
  EXPECT_EQ(first.at("name").as_string(), "ok \"1\"");
  EXPECT_TRUE(first.at("passed").as_bool());
  EXPECT_TRUE(first.at("failures").as_array().empty());
  EXPECT_FALSE(first.contains("history"));
  EXPECT_FALSE(second.at("passed").as_bool());
  EXPECT_EQ(second.at("line").as_int64(), 9);
  EXPECT_DOUBLE_EQ(second.at("time").as_double(), 0.02);
  const auto& f = second.at("failures").as_array().at(0).as_object();
  EXPECT_EQ(f.at("file").as_string(), "a.flow");
  EXPECT_EQ(f.at("line").as_int64(), 10);
  EXPECT_EQ(f.at("column").as_int64(), 5);
  EXPECT_EQ(f.at("message").as_string(), "expectation failed: x < 1\n    x is 3");
  EXPECT_EQ(second.at("history").as_string(), "h");
}

}  // namespace
}  // namespace weft::testing
