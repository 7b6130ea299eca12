// Runtime behaviour of every statement of docs/design-language.md §6, on fake connections.
#include "harness.h"
#include <atomic>
#include <chrono>

using namespace weft;
using namespace weft::runtime::testing;
using store::ExecutionStatus;

TEST(Runtime, SequentialStepsAndReturn) {
  Harness h;
  h.fake("crm")->on("GET", "/contacts/*", {ok(200, {{"id", "42"}, {"email", "A@X.COM"}})});
  h.fake("crm")->on("PUT", "/subscribers/*", {ok(200, {{"id", "s-1"}})});
  h.deploy(src(R"(
flow sync(id: string) -> { sub: string, email: string } {
  step current = crm.get("/contacts/${id}")
  step up = crm.put("/subscribers/${lower(current.body.email)}", body: { email: current.body.email })
  return { sub: up.body.id, email: lower(current.body.email) }
}
)"));
  auto rec = h.run("sync", {{"id", "42"}});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, (json::value{{"sub", "s-1"}, {"email", "a@x.com"}}));
  auto calls = h.fake("crm")->calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].url, "/subscribers/a@x.com");
  ASSERT_TRUE(calls[1].idempotency_key);
  EXPECT_EQ(*calls[1].idempotency_key, rec.id + "/up");
  auto types = h.event_types(rec.id);
  EXPECT_EQ(types.front(), "ExecutionStarted");
  EXPECT_EQ(types.back(), "ExecutionCompleted");
  EXPECT_EQ(std::count(types.begin(), types.end(), "StepCompleted"), 2);
  // The history holds each step's input (request), attempt, idempotency key and result.
  bool saw_input = false;
  for (const auto& e : h.store().history(rec.id)) {
    EXPECT_GT(e.at_ms, 0);
    if (e.type == "StepScheduled" && e.data.at("step") == "up") {
      EXPECT_EQ(e.data.at("body"), (json::value{{"email", "A@X.COM"}}));
      EXPECT_EQ(e.data.at("attempt"), 1);
      EXPECT_EQ(e.data.at("idempotency_key"), json::value(rec.id + "/up"));
      saw_input = true;
    }
    if (e.type == "StepCompleted" && e.data.at("step") == "up") {
      EXPECT_EQ(e.data.at("result").at("body"), (json::value{{"id", "s-1"}}));
    }
  }
  EXPECT_TRUE(saw_input);
}

TEST(Runtime, IfElseAndSwitch) {
  Harness h;
  h.deploy(src(R"(
flow pick(n: int, s: string) -> { a: string, b: string } {
  let a = "none"
  if n > 10 { let x = "big" } else if n > 5 { let y = "mid" } else { let z = "small" }
  let r = n > 10 ? "big" : n > 5 ? "mid" : "small"
  switch s {
    case "x", "y" => { return { a: r, b: "xy" } }
    default => { return { a: r, b: "other" } }
  }
}
)"));
  EXPECT_EQ(h.run("pick", {{"n", 7}, {"s", "y"}}).output, (json::value{{"a", "mid"}, {"b", "xy"}}));
  EXPECT_EQ(h.run("pick", {{"n", 70}, {"s", "q"}}).output, (json::value{{"a", "big"}, {"b", "other"}}));
}

TEST(Runtime, ForWithConcurrencyIntoKeepsInputOrder) {
  Harness h;
  h.fake("crm")->on("POST", "/items/*", {ok(201, {{"ok", true}})});
  h.deploy(src(R"(
flow each(xs: [int]) -> [int] {
  for x, i in xs concurrency 3 into out {
    step save = crm.post("/items/${i}", body: { x: x })
    yield x * 10 + i
  }
  return out
}
)"));
  auto rec = h.run("each", {{"xs", {5, 6, 7, 8, 9}}});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, (json::value{50, 61, 72, 83, 94}));
  EXPECT_EQ(h.fake("crm")->calls().size(), 5u);
  int completed = 0;
  for (const auto& e : h.store().history(rec.id))
    if (e.type == "StepCompleted") {
      ++completed;
      EXPECT_EQ(std::string(e.data.at("step").as_string()).substr(0, 5), "save[");
    }
  EXPECT_EQ(completed, 5);
}

TEST(Runtime, ParallelBranchesAreVisibleAfterwards) {
  Harness h;
  h.fake("crm")->on("GET", "/a", {ok(200, {{"v", 1}})});
  h.fake("crm")->on("GET", "/b", {ok(200, {{"v", 2}})});
  h.deploy(src(R"(
flow both() -> int {
  parallel {
    branch left { step a = crm.get("/a") }
    branch right { step b = crm.get("/b") }
  }
  return a.body.v + b.body.v
}
)"));
  auto rec = h.run("both", json::object{});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, json::value(3));
}

TEST(Runtime, ParallelFirstFailureFailsTheBlock) {
  Harness h;
  h.fake("crm")->on("GET", "/a", {ok(400, {{"error", "bad"}})});
  h.fake("crm")->on("GET", "/b", {ok(200, {{"v", 2}})});
  h.deploy(src(R"(
flow both() -> int {
  parallel {
    branch left { step a = crm.get("/a") }
    branch right { wait 5s
                   step b = crm.get("/b") }
  }
  return 1
}
)"));
  auto rec = h.run("both", json::object{});
  EXPECT_EQ(rec.status, ExecutionStatus::failed);
  EXPECT_EQ(rec.error.at("kind"), "http_error");
  EXPECT_EQ(rec.error.at("status"), 400);
  EXPECT_EQ(h.fake("crm")->calls("GET", "/b").size(), 0u);
}

TEST(Runtime, RetriesServerErrorsThenSucceeds) {
  Harness h;
  h.fake("crm")->on("POST", "/orders", {ok(500, "oops"), ok(503, "busy"), ok(201, {{"id", "o-1"}})});
  h.deploy(src(R"(
flow order() -> string {
  step o = crm.post("/orders", body: { n: 1 })
    retry { attempts: 4, backoff: fixed(10ms) }
  return o.body.id
}
)"));
  auto rec = h.run("order", json::object{});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, "o-1");
  auto calls = h.fake("crm")->calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(*calls[0].idempotency_key, *calls[2].idempotency_key);  // the same key on every attempt
  auto types = h.event_types(rec.id);
  EXPECT_EQ(std::count(types.begin(), types.end(), "StepRetrying"), 2);
  EXPECT_EQ(std::count(types.begin(), types.end(), "StepScheduled"), 3);
}

TEST(Runtime, ClientErrorFailsAtOnceWithHttpError) {
  Harness h;
  h.fake("crm")->on("POST", "/orders", {ok(400, {{"error", "invalid"}})});
  h.deploy(src(R"(
flow order() -> string {
  step o = crm.post("/orders", body: { n: 1 }) retry { attempts: 5, backoff: fixed(10ms) }
  return "x"
}
)"));
  auto rec = h.run("order", json::object{});
  EXPECT_EQ(rec.status, ExecutionStatus::failed);
  EXPECT_EQ(rec.error.at("kind"), "http_error");
  EXPECT_EQ(rec.error.at("status"), 400);
  EXPECT_EQ(rec.error.at("body"), (json::value{{"error", "invalid"}}));
  EXPECT_EQ(h.fake("crm")->calls().size(), 1u);
}

TEST(Runtime, RetriesExhaustedLeaveHistoryForReplay) {
  Harness h;
  h.fake("crm")->on("GET", "/x", {fail(connectors::ErrorKind::timeout, "timed out")});
  h.deploy(src(R"(
flow f() -> json {
  step x = crm.get("/x") retry { attempts: 3, backoff: fixed(5ms) }
  return x.body
}
)"));
  auto rec = h.run("f", json::object{});
  EXPECT_EQ(rec.status, ExecutionStatus::failed);
  EXPECT_EQ(rec.error.at("kind"), "timeout");
  EXPECT_EQ(h.fake("crm")->calls().size(), 3u);
  auto types = h.event_types(rec.id);
  EXPECT_EQ(types.back(), "ExecutionFailed");
  EXPECT_EQ(std::count(types.begin(), types.end(), "StepFailed"), 1);
}

TEST(Runtime, RetryOnKindsOnly) {
  Harness h;
  h.fake("crm")->on("GET", "/x", {ok(503, nullptr), ok(200, 1)});
  h.deploy(src(R"(
flow f() -> json {
  step x = crm.get("/x") retry { attempts: 3, backoff: fixed(5ms), on: [timeout] }
  return x.body
}
)"));
  auto rec = h.run("f", json::object{});
  EXPECT_EQ(rec.status, ExecutionStatus::failed);  // 503 is an http_error, not retried here
  EXPECT_EQ(h.fake("crm")->calls().size(), 1u);
}

TEST(Runtime, TryCatchKindAsWhere) {
  Harness h;
  h.fake("crm")->on("POST", "/a", {ok(409, {{"why", "exists"}})});
  h.fake("crm")->on("POST", "/b", {ok(500, nullptr)});
  h.deploy(src(R"(
flow f() -> string {
  try {
    step a = crm.post("/a", body: {})
  } catch http_error as e where e.status == 404 {
    return "404"
  } catch http_error as e where e.status == 409 {
    try {
      step b = crm.post("/b", body: {}) retry { attempts: 1 }
    } catch timeout {
      return "timeout"
    } catch as other {
      return "other:" + other.kind
    }
  }
  return "none"
}
)"));
  auto rec = h.run("f", json::object{});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, "other:http_error");
}

TEST(Runtime, FailRaisesFailureWithCodeAndIsCatchable) {
  Harness h;
  h.deploy(src(R"(
flow f(n: int) -> string {
  try {
    if n > 1 { fail "too big: ${n}" with { code: "big", details: { n: n } } }
  } catch failure as e where e.code == "big" {
    return e.message
  }
  fail "plain"
}
)"));
  EXPECT_EQ(h.run("f", {{"n", 5}}).output, "too big: 5");
  auto rec = h.run("f", {{"n", 0}});
  EXPECT_EQ(rec.status, ExecutionStatus::failed);
  EXPECT_EQ(rec.error.at("kind"), "failure");
  EXPECT_EQ(rec.error.at("message"), "plain");
  EXPECT_EQ(rec.current, "fail");  // the record names the `fail` node it failed at (no event does)
}

TEST(Runtime, SagaCompensatesInReverseOrder) {
  Harness h;
  h.fake("crm")->on("POST", "/charge", {ok(201, {{"id", "c-1"}})});
  h.fake("crm")->on("POST", "/reserve", {ok(201, {{"id", "r-1"}})});
  h.fake("crm")->on("POST", "/ship", {ok(400, nullptr)});
  h.fake("crm")->on("POST", "/refund/*", {ok(200, nullptr)});
  h.fake("crm")->on("DELETE", "/reserve/*", {ok(204, nullptr)});
  h.deploy(src(R"(
flow f() -> string {
  step charge = crm.post("/charge", body: {})
    compensate crm.post("/refund/${charge.body.id}", body: {})
  step reserve = crm.post("/reserve", body: {})
    compensate crm.delete("/reserve/${reserve.body.id}")
  step ship = crm.post("/ship", body: {})
  return "shipped"
}
)"));
  auto rec = h.run("f", json::object{});
  EXPECT_EQ(rec.status, ExecutionStatus::failed);
  auto calls = h.fake("crm")->calls();
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[3].url, "/reserve/r-1");
  EXPECT_EQ(calls[3].method, "DELETE");
  EXPECT_EQ(calls[4].url, "/refund/c-1");
  auto types = h.event_types(rec.id);
  EXPECT_EQ(std::count(types.begin(), types.end(), "CompensationCompleted"), 2);
}

TEST(Runtime, CompensationOfStepsInsideFor) {
  Harness h;
  h.fake("crm")->on("POST", "/hold/*", {ok(201, nullptr)});
  h.fake("crm")->on("DELETE", "/hold/*", {ok(204, nullptr)});
  h.deploy(src(R"(
flow f(xs: [string]) -> string {
  for x in xs {
    step hold = crm.post("/hold/${x}", body: {}) compensate crm.delete("/hold/${x}")
  }
  fail "stop"
}
)"));
  auto rec = h.run("f", {{"xs", {"a", "b"}}});
  EXPECT_EQ(rec.status, ExecutionStatus::failed);
  auto dels = h.fake("crm")->calls("DELETE", "/hold/*");
  ASSERT_EQ(dels.size(), 2u);
  EXPECT_EQ(dels[0].url, "/hold/b");
  EXPECT_EQ(dels[1].url, "/hold/a");
}

TEST(Runtime, DurableWaitInMemory) {
  Harness h;
  h.deploy(src(R"(
flow f() -> string {
  wait 30ms
  return "done"
}
)"));
  auto rec = h.run("f", json::object{});
  EXPECT_EQ(rec.output, "done");
  auto types = h.event_types(rec.id);
  EXPECT_NE(std::find(types.begin(), types.end(), "TimerStarted"), types.end());
  EXPECT_NE(std::find(types.begin(), types.end(), "TimerFired"), types.end());
}

TEST(Runtime, LongWaitUnloadsAndTheTimerLoadsItAgain) {
  Harness h(/*unload_after_ms=*/0);
  h.deploy(src(R"(
flow f() -> string {
  wait 200ms
  return "woke"
}
)"));
  std::string id = h.start("f", json::object{});
  h.run_for(50);
  EXPECT_EQ(h.engine().loaded(), 0u);  // waiting on disk, not in memory
  EXPECT_EQ(h.store().get_execution(id)->status, ExecutionStatus::running);
  auto rec = h.wait(id);
  EXPECT_EQ(rec.output, "woke");
}

TEST(Runtime, SignalWithPayloadAndTimeout) {
  Harness h;
  h.deploy(src(R"(
flow approve() -> string {
  try {
    let v = wait signal "approval" timeout 10s
    return v.who
  } catch timeout {
    return "expired"
  }
}
flow quick() -> string {
  try {
    let v = wait signal "approval" timeout 20ms
    return "got"
  } catch timeout {
    return "expired"
  }
}
)"));
  std::string id = h.start("approve", json::object{});
  h.run_for(30);
  std::string err = "x";
  h.engine().signal(id, "approval", {{"who", "ada"}}, [&](std::string e) { err = e; });
  auto rec = h.wait(id);
  EXPECT_EQ(err, "");
  EXPECT_EQ(rec.output, "ada");
  EXPECT_EQ(h.run("quick", json::object{}).output, "expired");
}

TEST(Runtime, SignalSentBeforeTheWaitIsKept) {
  Harness h;
  h.deploy(src(R"(
flow f() -> json {
  wait 50ms
  let v = wait signal "go"
  return v
}
)"));
  std::string id = h.start("f", json::object{});
  h.engine().signal(id, "go", {{"n", 1}}, [](std::string) {});
  EXPECT_EQ(h.wait(id).output, (json::value{{"n", 1}}));
}

TEST(Runtime, CancelRunsCompensations) {
  Harness h;
  h.fake("crm")->on("POST", "/a", {ok(201, {{"id", "1"}})});
  h.fake("crm")->on("DELETE", "/a/*", {ok(204, nullptr)});
  h.deploy(src(R"(
flow f() -> string {
  step a = crm.post("/a", body: {}) compensate crm.delete("/a/${a.body.id}")
  let v = wait signal "never"
  return "x"
}
)"));
  std::string id = h.start("f", json::object{});
  h.run_for(50);
  h.engine().cancel(id, [](std::string) {});
  auto rec = h.wait(id);
  EXPECT_EQ(rec.status, ExecutionStatus::cancelled);
  EXPECT_EQ(h.fake("crm")->calls("DELETE", "/a/1").size(), 1u);
}

TEST(Runtime, ChildFlow) {
  Harness h;
  h.deploy(src(R"(
flow child(n: int) -> int {
  return n * 2
}
flow parent(n: int) -> int {
  step c = run child(n + 1)
  return c + 1
}
)"));
  auto rec = h.run("parent", {{"n", 4}});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, 11);
}

TEST(Runtime, EmitStartsEventFlows) {
  Harness h;
  h.deploy(src(R"(
flow producer(total: int) -> string {
  emit "order.created" { total: total, id: "o-1" }
  return "ok"
}
flow consumer(order: json) -> string {
  on event "order.created" { where: event.total > 0, input: { order: event } }
  return order.id
}
)"));
  auto rec = h.run("producer", {{"total", 5}});
  ASSERT_EQ(rec.status, ExecutionStatus::completed);
  h.run_for(200);
  store::ExecutionQuery q;
  q.flow = "consumer";
  auto page = h.store().list_executions(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].status, ExecutionStatus::completed);
  EXPECT_EQ(page->items[0].output, "o-1");
}

TEST(Runtime, TypedResponseIsValidated) {
  Harness h;
  h.fake("crm")->on("GET", "/c", {ok(200, {{"id", 5}})});
  h.deploy(src(R"(
type Contact { id: string }
flow f() -> string {
  step c = crm.get<Contact>("/c")
  return c.body.id
}
)"));
  auto rec = h.run("f", json::object{});
  EXPECT_EQ(rec.status, ExecutionStatus::failed);
  EXPECT_EQ(rec.error.at("kind"), "validation_error");
  EXPECT_NE(std::string(rec.error.at("message").as_string()).find("body.id"), std::string::npos);
}

TEST(Runtime, NowIsRecordedAndReplayedAfterRestart) {
  Harness h(/*unload_after_ms=*/0);
  h.deploy(src(R"(
flow f() -> bool {
  let t1 = now()
  wait 100ms
  let t2 = now()
  return t1 < t2
}
)"));
  std::string id = h.start("f", json::object{});
  h.run_for(20);
  h.restart(0);
  h.engine().recover();
  auto rec = h.wait(id);
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  int effects = 0;
  for (const auto& e : h.store().history(id)) effects += e.type == "SideEffectRecorded";
  EXPECT_EQ(effects, 2);  // t1 was not recorded twice
}

TEST(Runtime, RecoveryResendsAnUnfinishedStepWithTheSameKey) {
  Harness h;
  h.fake("crm")->on("POST", "/a", {ok(201, {{"id", "1"}})});
  h.deploy(src(R"(
flow f() -> string {
  step a = crm.post("/a", body: {})
  return a.body.id
}
)"));
  auto rec = h.run("f", json::object{});
  ASSERT_EQ(rec.status, ExecutionStatus::completed);
  // Recovery of a completed execution does nothing: no call is repeated.
  h.restart();
  h.engine().recover();
  h.run_for(50);
  EXPECT_EQ(h.fake("crm")->calls().size(), 1u);
}

TEST(Runtime, IntDivisionIsFloatDivisionAsTheCheckerTypesIt) {
  Harness h;
  h.deploy(src(R"(
flow f(a: int, b: int) -> float {
  return a / b
}
)"));
  auto rec = h.run("f", {{"a", 7}, {"b", 2}});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, 3.5);
}

// options { concurrency: { limit, key } }: executions over the limit for one key queue durably
// (first come, first served), survive a restart while queued, and start when a slot frees.
TEST(Runtime, ConcurrencyLimitPerKeyQueuesDurably) {
  Harness h(/*unload_after_ms=*/0);
  h.fake("crm")->on("POST", "/work/*", {ok(200, {{"ok", true}})});
  const std::string flow = src(R"(
flow work(id: string, account: string) -> string {
  options { concurrency: { limit: 1, key: account } }
  step s = crm.post("/work/${id}", body: { account: account })
  let v = wait signal "go"
  return id
}
)");
  h.deploy(flow);
  std::string a = h.start("work", {{"id", "a"}, {"account", "x"}});
  h.run_for(50);
  std::string b = h.start("work", {{"id", "b"}, {"account", "x"}});
  std::string c = h.start("work", {{"id", "c"}, {"account", "y"}});
  std::string d = h.start("work", {{"id", "d"}, {"account", "x"}});
  h.run_for(150);
  // a and c (another key) run; b and d wait for account x's slot, without calling anything.
  EXPECT_EQ(h.fake("crm")->calls("POST", "/work/a").size(), 1u);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/work/c").size(), 1u);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/work/b").size(), 0u);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/work/d").size(), 0u);
  auto types = h.event_types(b);
  EXPECT_NE(std::find(types.begin(), types.end(), "ExecutionQueued"), types.end());
  EXPECT_EQ(h.engine().loaded(), 0u);  // queued executions wait on disk like timers

  // A restart keeps the holders and the queue (rebuilt from the executions' snapshots): b still
  // waits, and a newcomer for account x queues behind it.
  h.restart(0);
  h.deploy(flow);
  std::string e = h.start("work", {{"id", "e"}, {"account", "x"}});
  h.run_for(100);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/work/b").size(), 0u);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/work/e").size(), 0u);
  h.engine().signal(a, "go", nullptr, [](std::string) {});
  EXPECT_EQ(h.wait(a).status, ExecutionStatus::completed);
  h.run_for(150);
  // b (queued first) gets the slot; d still waits.
  EXPECT_EQ(h.fake("crm")->calls("POST", "/work/b").size(), 1u);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/work/d").size(), 0u);
  types = h.event_types(b);
  EXPECT_NE(std::find(types.begin(), types.end(), "ExecutionAdmitted"), types.end());
  h.engine().signal(b, "go", nullptr, [](std::string) {});
  EXPECT_EQ(h.wait(b).status, ExecutionStatus::completed);
  h.run_for(150);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/work/d").size(), 1u);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/work/e").size(), 0u);
  for (const auto& id : {c, d, e}) {
    h.run_for(100);
    h.engine().signal(id, "go", nullptr, [](std::string) {});
    EXPECT_EQ(h.wait(id).status, ExecutionStatus::completed);
  }
  EXPECT_EQ(h.fake("crm")->calls("POST", "/work/e").size(), 1u);
}

TEST(Runtime, CancelWhileQueuedFreesTheQueuePlace) {
  Harness h(/*unload_after_ms=*/0);
  h.deploy(src(R"(
flow work(id: string) -> string {
  options { concurrency: { limit: 1, key: "all" } }
  let v = wait signal "go"
  return id
}
)"));
  std::string a = h.start("work", {{"id", "a"}});
  h.run_for(50);
  std::string b = h.start("work", {{"id", "b"}});
  std::string c = h.start("work", {{"id", "c"}});
  h.run_for(100);
  h.engine().cancel(b, [](std::string) {});
  EXPECT_EQ(h.wait(b).status, ExecutionStatus::cancelled);
  h.engine().signal(a, "go", nullptr, [](std::string) {});
  EXPECT_EQ(h.wait(a).status, ExecutionStatus::completed);
  h.engine().signal(c, "go", nullptr, [](std::string) {});
  auto rec = h.wait(c);
  EXPECT_EQ(rec.status, ExecutionStatus::completed);
  EXPECT_EQ(rec.output, "c");
}

// options { timeout }: the flow's deadline is a durable timer; it ends a flow that waits (even
// unloaded from memory), is not caught by the flow's try/catch, and compensations still run.
TEST(Runtime, FlowTimeoutEndsAWaitingFlowAndCompensates) {
  Harness h(/*unload_after_ms=*/0);
  h.fake("crm")->on("POST", "/a", {ok(201, {{"id", "1"}})});
  h.fake("crm")->on("DELETE", "/a/*", {ok(204, nullptr)});
  h.deploy(src(R"(
flow f() -> string {
  options { timeout: 300ms }
  step a = crm.post("/a", body: {}) compensate crm.delete("/a/${a.body.id}")
  try {
    wait 1h
  } catch timeout {
    return "caught"
  }
  return "late"
}
)"));
  std::string id = h.start("f", json::object{});
  h.run_for(100);
  EXPECT_EQ(h.engine().loaded(), 0u);  // waiting on disk: the deadline timer must wake it
  auto rec = h.wait(id);
  ASSERT_EQ(rec.status, ExecutionStatus::failed);
  EXPECT_EQ(rec.error.at("kind"), "timeout");
  EXPECT_EQ(rec.error.at("code"), "flow_timeout");
  EXPECT_EQ(h.fake("crm")->calls("DELETE", "/a/1").size(), 1u);
  EXPECT_TRUE(h.store().due_timers(INT64_MAX, 0).empty());  // the deadline timer is gone
}

TEST(Runtime, FlowTimeoutSurvivesARestart) {
  Harness h(/*unload_after_ms=*/0);
  const std::string flow = src(R"(
flow f() -> string {
  options { timeout: 400ms }
  let v = wait signal "never"
  return "x"
}
)");
  h.deploy(flow);
  std::string id = h.start("f", json::object{});
  h.run_for(100);
  h.restart(0);
  h.deploy(flow);
  auto rec = h.wait(id);
  ASSERT_EQ(rec.status, ExecutionStatus::failed);
  EXPECT_EQ(rec.error.at("kind"), "timeout");
}

TEST(Runtime, WaitUntilATime) {
  Harness h;
  h.deploy(src(R"(
flow f() -> string {
  let t0 = now()
  wait until add_duration(t0, 120ms)
  return "late enough"
}
)"));
  auto rec = h.run("f", json::object{});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  int64_t started = 0, fired = 0;
  for (const auto& e : h.store().history(rec.id)) {
    if (e.type == "TimerStarted") started = e.at_ms;
    if (e.type == "TimerFired") fired = e.at_ms;
  }
  EXPECT_GE(fired - started, 100);
}

// Retry-After on a 429 is honoured as the lower bound of the next delay; the step's `timeout`
// reaches the request; attempts and next-try times are in the history.
TEST(Runtime, RetryAfterAndStepTimeout) {
  Harness h;
  connectors::Response busy;
  busy.status = 429;
  busy.headers["retry-after"] = "1";
  busy.retry_after = connectors::Millis(1000);  // what HttpConnection parses from the header
  busy.body = json::object{{"error", "slow down"}};
  h.fake("crm")->on("POST", "/orders", {connectors::CallResult(busy), ok(201, {{"id", "o-1"}})});
  h.deploy(src(R"(
flow f() -> string {
  step o = crm.post("/orders", body: {}) retry { attempts: 3, backoff: fixed(10ms) } timeout 5s
  return o.body.id
}
)"));
  auto rec = h.run("f", json::object{});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, "o-1");
  auto calls = h.fake("crm")->calls();
  ASSERT_EQ(calls.size(), 2u);
  ASSERT_TRUE(calls[0].timeout);
  EXPECT_EQ(calls[0].timeout->count(), 5000);
  EXPECT_EQ(*calls[0].idempotency_key, *calls[1].idempotency_key);
  // The first attempt was scheduled (and durably recorded) before it failed, so its time is a lower
  // bound of the failure time the delay counts from; StepRetrying's own time is stamped at the
  // later group commit and may be a millisecond after it.
  int64_t first_scheduled = 0, next_at = 0;
  for (const auto& e : h.store().history(rec.id))
    if (e.type == "StepScheduled" && first_scheduled == 0) first_scheduled = e.at_ms;
    else if (e.type == "StepRetrying") {
      next_at = e.data.at("next_at").as_int64();
      EXPECT_EQ(e.data.at("next_attempt"), 2);
      EXPECT_EQ(e.data.at("error").at("status"), 429);
    }
  EXPECT_GE(next_at - first_scheduled, 1000);  // Retry-After: 1 (s), not the 10 ms backoff
}

// A retry waiting for its backoff survives a restart: the attempt count goes on, it is not reset.
TEST(Runtime, RetryAttemptsAreDurableAcrossARestart) {
  Harness h;
  h.fake("crm")->on("POST", "/x", {fail(connectors::ErrorKind::connection_error, "refused")});
  const std::string flow = src(R"(
flow f() -> string {
  step s = crm.post("/x", body: {}) retry { attempts: 3, backoff: fixed(300ms) }
  return "ok"
}
)");
  h.deploy(flow);
  std::string id = h.start("f", json::object{});
  h.run_for(100);  // attempt 1 failed; waiting 300 ms for attempt 2
  EXPECT_EQ(h.fake("crm")->calls().size(), 1u);
  h.restart();
  h.deploy(flow);
  auto rec = h.wait(id);
  ASSERT_EQ(rec.status, ExecutionStatus::failed);
  EXPECT_EQ(rec.error.at("kind"), "connection_error");
  EXPECT_EQ(h.fake("crm")->calls().size(), 3u);  // 3 tries in all, across the restart
  int scheduled = 0;
  for (const auto& e : h.store().history(id))
    if (e.type == "StepScheduled") {
      EXPECT_EQ(e.data.at("attempt"), ++scheduled);
    }
  EXPECT_EQ(scheduled, 3);
}

// options { retry } is the flow's default policy; a step's own retry overrides it.
TEST(Runtime, FlowOptionsRetryIsTheDefaultAndStepsOverrideIt) {
  Harness h;
  auto e500 = ok(500, {{"error", "busy"}});
  h.fake("crm")->on("POST", "/a", {e500, e500, e500, ok(200, {{"id", "a"}})});  // needs 4 tries
  h.fake("crm")->on("POST", "/b", {e500, ok(200, {{"id", "b"}})});
  h.deploy(src(R"(
flow f() -> string {
  options { retry: { attempts: 4, backoff: fixed(5ms) } }
  step a = crm.post("/a", body: {})
  try {
    step b = crm.post("/b", body: {}) retry { attempts: 1 }
    return b.body.id
  } catch http_error as e {
    return a.body.id + " then " + to_json(e.status)
  }
}
)"));
  auto rec = h.run("f", json::object{});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, "a then 500");
  EXPECT_EQ(h.fake("crm")->calls("POST", "/a").size(), 4u);  // the engine default (3) would have failed
  EXPECT_EQ(h.fake("crm")->calls("POST", "/b").size(), 1u);  // attempts: 1 = no retry
}

TEST(Runtime, ReturnAndYieldLeaveNestedRegions) {
  Harness h;
  h.fake("crm")->on("GET", "/x/*", {ok(200, {{"ok", true}})});
  h.deploy(src(R"(
flow first_big(xs: [int]) -> int {
  for x in xs {
    step look = crm.get("/x/${x}")
    if x > 2 { return x * 100 }
  }
  return 0
}

flow nested(xs: [int]) -> [int] {
  for x in xs into out {
    parallel {
      branch a { yield x + 1 }
    }
  }
  return out
}

flow in_try(n: int) -> int {
  try {
    if n > 0 { return n }
    fail "not positive"
  } catch failure {
    return -1
  }
  return 0
}

flow in_branch() -> int {
  parallel {
    branch a { return 7 }
  }
  return 0
}
)"));
  auto rec = h.run("first_big", {{"xs", {1, 3, 4}}});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, 300);
  EXPECT_EQ(h.run("first_big", {{"xs", {1}}}).output, 0);
  rec = h.run("nested", {{"xs", {1, 2}}});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, (json::value{2, 3}));
  EXPECT_EQ(h.run("in_try", {{"n", 4}}).output, 4);
  EXPECT_EQ(h.run("in_try", {{"n", 0}}).output, -1);
  EXPECT_EQ(h.run("in_branch", json::object{}).output, 7);
}

// A parameter missing from the input takes its default, evaluated where the earlier parameters
// are bound; a given value wins; a missing parameter without a default still fails validation.
TEST(Runtime, ParameterDefaultsApplyWhenTheInputOmitsThem) {
  Harness h;
  h.deploy(R"(
flow f(n: int = 2, m: int = n * 10, s: string) -> { n: int, m: int, s: string } {
  return { n: n, m: m, s: s }
}
)");
  auto rec = h.run("f", {{"s", "x"}});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, (json::value{{"n", 2}, {"m", 20}, {"s", "x"}}));
  rec = h.run("f", {{"n", 5}, {"s", "y"}});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, (json::value{{"n", 5}, {"m", 50}, {"s", "y"}}));
  rec = h.run("f", json::object{});
  ASSERT_EQ(rec.status, ExecutionStatus::failed);
  EXPECT_NE(json::serialize(rec.error).find("s: expected string, got null"), std::string::npos)
      << json::serialize(rec.error);
}

// The engine's timer loop ignores `$`-owned timers (trigger schedules, fired by server/triggers):
// an overdue one must not make a process without a trigger manager re-check every 200 ms.
TEST(Runtime, TimerLoopIgnoresTriggerOwnedTimers) {
  Harness h;
  h.deploy(R"(
flow f() -> int {
  return 1
}
)");
  int64_t now = h.engine().now();
  ASSERT_TRUE(h.store().update_timers({store::Timer{{now - 1000, "$schedule:f#0", "t"}, ""}}, {}).ok());
  EXPECT_EQ(h.store().next_timer_due(), now - 1000);
  EXPECT_FALSE(h.store().next_timer_due("$"));
  ASSERT_TRUE(h.store().update_timers({store::Timer{{now + 3'600'000, "exec", "t"}, ""}}, {}).ok());
  EXPECT_EQ(h.store().next_timer_due("$"), now + 3'600'000);
  // A fresh engine on the same store: recover() arms the timer loop; count its store reads
  // through the engine's clock, which every run of the loop consults.
  std::atomic<int> ticks{0};
  runtime::EngineOptions opts;
  opts.clock = [&] {
    ++ticks;
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  };
  boost::asio::io_context io;
  runtime::Engine e(io, h.store(), opts);
  e.recover();
  io.run_for(std::chrono::milliseconds(100));
  int before = ticks.load();
  io.run_for(std::chrono::milliseconds(1000));
  EXPECT_LE(ticks.load() - before, 1) << "the timer loop kept waking for a `$` timer";
  e.shutdown();
  io.run_for(std::chrono::milliseconds(50));
}

// Two calls in sequence, the second using the first's answer.
const char* const kTwoCalls = R"(
flow two(id: string) -> json {
  step a = crm.post("/customers", body: { id: id })
  step b = crm.post("/customers", body: { prev: a.body.id })
  return { b: b.body.id }
}
)";

// A step's completion rides in the commit of the next step's StepScheduled (or of the end): one
// durable transaction per step instead of two, and still durable before the next call is made.
// The start shares the first step's commit: the create carries the first walk's StepScheduled.
TEST(Runtime, AStepsCompletionIsCommittedWithTheNextStepsScheduling) {
  Harness h;
  h.fake("crm")->on("POST", "/customers", {ok(201, {{"id", "c-1"}})});
  h.deploy(src(R"(
flow three(id: string) -> json {
  step a = crm.post("/customers", body: { id: id })
  step b = crm.post("/customers", body: { prev: a.body.id })
  step c = crm.post("/customers", body: { prev: b.body.id })
  return { c: c.body.id }
}
)"));
  auto before = h.store().stats().transactions;
  auto rec = h.run("three", {{"id", "x"}});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, (json::value{{"c", "c-1"}}));
  // start + StepScheduled a (the create carries the first walk); StepCompleted a + StepScheduled b;
  // … c; StepCompleted c + the end.
  EXPECT_EQ(h.store().stats().transactions - before, 4u);
  EXPECT_EQ(h.event_types(rec.id),
            (std::vector<std::string>{"ExecutionStarted", "StepScheduled", "StepCompleted", "StepScheduled",
                                      "StepCompleted", "StepScheduled", "StepCompleted", "ExecutionCompleted"}));
  EXPECT_EQ(h.fake("crm")->calls().size(), 3u);
}

// A lone execution has nothing for group commit to merge with: its commits run on the engine's
// thread (no hand-off to the writer and back); with others loaded they go through the writer.
TEST(Runtime, ALoneExecutionCommitsOnTheEngineThreadOthersGoThroughTheWriter) {
  Harness h;
  h.fake("crm")->on("POST", "/customers", {ok(201, {{"id", "c-1"}})});
  h.deploy(src(kTwoCalls));
  auto before = h.store().stats();
  auto rec = h.run("two", {{"id", "x"}});
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  auto after = h.store().stats();
  EXPECT_EQ(after.transactions - before.transactions, 3u);
  EXPECT_EQ(after.inline_commits - before.inline_commits, 3u);

  // Ten at once: while others are loaded, commits are queued for the writer (and merged).
  before = after;
  std::vector<std::string> ids(10);
  for (int i = 0; i < 10; ++i)
    h.engine().start("two", json::object{{"id", std::to_string(i)}}, std::nullopt,
                     [&ids, i](std::string id, std::string) { ids[i] = std::move(id); });
  h.io().restart();
  auto started = [&] { return std::all_of(ids.begin(), ids.end(), [](const auto& id) { return !id.empty(); }); };
  for (int i = 0; i < 100000 && !started(); ++i) h.io().run_one();
  ASSERT_TRUE(started());
  for (const auto& id : ids) EXPECT_EQ(h.wait(id).status, ExecutionStatus::completed);
  after = h.store().stats();
  EXPECT_LT(after.inline_commits - before.inline_commits, after.transactions - before.transactions);
}

// When no durable point follows in the same turn (here the step's branch ends while the other
// branch sleeps in a short wait, which does not unload), the completion is committed on its own
// right away, not only when the parallel block ends.
TEST(Runtime, AStepsCompletionIsDurableWhileTheExecutionWaitsAfterIt) {
  const std::string flow = src(R"(
flow later(id: string) -> json {
  parallel {
    branch left { wait 100ms
                  step a = crm.post("/customers", body: { id: id }) }
    branch right { wait 1s }
  }
  return { a: a.body.id }
}
)");
  Harness h(60000);
  h.fake("crm")->on("POST", "/customers", {ok(201, {{"id", "c-1"}})});
  h.deploy(flow);
  auto id = h.start("later", {{"id", "x"}});
  h.run_for(500);  // the step is done after ~100 ms; the other branch waits until 1 s
  ASSERT_EQ(h.fake("crm")->calls().size(), 1u);
  auto types = h.event_types(id);
  EXPECT_EQ(std::count(types.begin(), types.end(), "StepCompleted"), 1) << types.size();
  // A restart now resumes after the step: it is not called again.
  h.fake("crm")->clear();
  h.fake("crm")->on("POST", "/customers", {ok(201, {{"id", "c-2"}})});
  h.restart(60000);
  h.deploy(flow);
  auto rec = h.wait(id);
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, (json::value{{"a", "c-1"}}));
  EXPECT_EQ(h.fake("crm")->calls().size(), 0u);
}

// Engine::start walks in memory until its first commit, which is the create. The same idempotency
// key started twice (in one turn, then again after the end) gives one execution: the repeated
// walks are dropped before any call and answer the first id.
TEST(Runtime, AStartWithARepeatedIdempotencyKeyRunsOnce) {
  Harness h;
  h.fake("crm")->on("POST", "/customers", {ok(201, {{"id", "c-1"}})});
  h.deploy(src(kTwoCalls));
  std::vector<std::string> ids, errors;
  size_t calls_at_first_answer = 99;
  std::vector<std::string> stored_at_first_answer;
  auto answer = [&](std::string i, std::string e) {
    if (ids.empty()) {  // the start is answered once it is stored, before its first request
      calls_at_first_answer = h.fake("crm")->calls().size();
      stored_at_first_answer = h.event_types(i);
    }
    ids.push_back(std::move(i));
    errors.push_back(std::move(e));
  };
  h.engine().start("two", {{"id", "x"}}, std::string("order-7"), answer);
  h.engine().start("two", {{"id", "x"}}, std::string("order-7"), answer);
  for (int i = 0; i < 10000 && ids.size() < 2; ++i) h.io().run_one();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(errors, (std::vector<std::string>{"", ""}));
  ASSERT_FALSE(ids[0].empty());
  EXPECT_EQ(ids[1], ids[0]);
  EXPECT_EQ(calls_at_first_answer, 0u);
  EXPECT_EQ(stored_at_first_answer, (std::vector<std::string>{"ExecutionStarted", "StepScheduled"}));
  auto rec = h.wait(ids[0]);
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(h.fake("crm")->calls().size(), 2u);
  // Again once it ended: the key still answers the first execution, and nothing is called.
  h.engine().start("two", {{"id", "x"}}, std::string("order-7"), answer);
  h.io().restart();  // wait() stopped it
  for (int i = 0; i < 10000 && ids.size() < 3; ++i) h.io().run_one();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[2], ids[0]);
  h.run_for(100);
  EXPECT_EQ(h.fake("crm")->calls().size(), 2u);
  store::ExecutionQuery q;
  q.flow = "two";
  auto page = h.store().list_executions(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 1u);
  EXPECT_EQ(h.event_types(ids[0]),
            (std::vector<std::string>{"ExecutionStarted", "StepScheduled", "StepCompleted", "StepScheduled",
                                      "StepCompleted", "ExecutionCompleted"}));
}

// A repeated start dropped while it waited in memory for a concurrency slot gives the slot back:
// the next execution of that key is not blocked by a walk that never existed.
TEST(Runtime, ADroppedStartLeavesNoConcurrencySlotBehind) {
  Harness h;
  h.fake("crm")->on("POST", "/work/*", {ok(200, {{"ok", true}})});
  h.deploy(src(R"(
flow one(id: string) -> string {
  options { concurrency: { limit: 1, key: "all" } }
  step s = crm.post("/work/${id}", body: { id: id })
  return id
}
)"));
  std::vector<std::string> ids;
  auto answer = [&](std::string i, std::string e) {
    EXPECT_EQ(e, "");
    ids.push_back(std::move(i));
  };
  h.engine().start("one", {{"id", "a"}}, std::string("k-a"), answer);
  h.engine().start("one", {{"id", "a"}}, std::string("k-a"), answer);  // queued behind the first, then dropped
  for (int i = 0; i < 10000 && ids.size() < 2; ++i) h.io().run_one();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[1], ids[0]);
  EXPECT_EQ(h.wait(ids[0]).status, ExecutionStatus::completed);
  auto rec = h.run("one", {{"id", "b"}});
  EXPECT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(h.fake("crm")->calls().size(), 2u);
}
