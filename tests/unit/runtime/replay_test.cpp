// Replay (engine/runtime/replay.h): failed steps, `for` iterations, `parallel` branches and child
// flows run again while completed steps are not called again (the fakes count the calls);
// idempotency keys; on_exhausted pause; --with (compatible and not); --from with --set.
#include "harness.h"

#include "engine/history/history.h"

using namespace weft;
using namespace weft::runtime;
using namespace weft::runtime::testing;
using store::ExecutionStatus;

namespace {

size_t count(Harness& h, const std::string& id, const std::string& type) {
  auto t = h.event_types(id);
  return static_cast<size_t>(std::count(t.begin(), t.end(), type));
}

const char* kThreeSteps = R"(
flow f(n: int) -> string {
  step a = crm.get("/a")
  step b = crm.post("/b", body: { a: a.body.v, n: n })
  step c = crm.post("/c/${b.body.id}", body: {}) retry { attempts: 2, backoff: fixed(5ms) }
  return c.body.done
}
)";

}  // namespace

TEST(Replay, StepFailedMidFlowRunsAgainWithoutRepeatingUpstream) {
  Harness h;
  h.fake("crm")->on("GET", "/a", {ok(200, {{"v", 1}})});
  h.fake("crm")->on("POST", "/b", {ok(201, {{"id", "b1"}})});
  h.fake("crm")->on("POST", "/c/*", {ok(503, "down"), ok(503, "down"), ok(200, {{"done", "yes"}})});
  h.deploy(src(kThreeSteps));
  auto rec = h.run("f", {{"n", 7}});
  ASSERT_EQ(rec.status, ExecutionStatus::failed);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/c/*").size(), 2u);

  auto r = h.replay(rec.id);
  ASSERT_EQ(r.problem, ReplayProblem::none) << r.message;
  rec = h.wait(rec.id);
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, "yes");
  EXPECT_EQ(h.fake("crm")->calls("GET", "/a").size(), 1u);   // not sent again
  EXPECT_EQ(h.fake("crm")->calls("POST", "/b").size(), 1u);  // not sent again
  auto c = h.fake("crm")->calls("POST", "/c/*");
  ASSERT_EQ(c.size(), 3u);
  // The same request keeps its idempotency key: the vendor may have done the work.
  EXPECT_EQ(*c[2].idempotency_key, rec.id + "/c");
  EXPECT_EQ(*c[0].idempotency_key, *c[2].idempotency_key);
  // The history shows the attempts before and after the replay.
  auto types = h.event_types(rec.id);
  auto replayed = std::find(types.begin(), types.end(), "ReplayRequested");
  ASSERT_NE(replayed, types.end());
  EXPECT_EQ(std::count(types.begin(), replayed, "StepScheduled"), 4);  // a, b, c ×2
  EXPECT_EQ(std::count(types.begin(), replayed, "ExecutionFailed"), 1);
  EXPECT_EQ(std::count(replayed, types.end(), "StepScheduled"), 1);  // c once more
  EXPECT_EQ(types.back(), "ExecutionCompleted");
  std::string timeline = history::render_timeline(h.store().history(rec.id));
  EXPECT_NE(timeline.find("ReplayRequested"), std::string::npos) << timeline;
  // A completed execution is not replayed.
  auto again = h.replay(rec.id);
  EXPECT_EQ(again.problem, ReplayProblem::conflict);
  EXPECT_NE(again.message.find("completed"), std::string::npos);
  EXPECT_EQ(h.replay("01JNOPE").problem, ReplayProblem::not_found);
}

TEST(Replay, OnlyTheFailedForIterationsRunAgain) {
  Harness h;
  h.fake("crm")->on("POST", "/item/2", {ok(400, "bad"), ok(200, {{"v", 2}})});
  h.fake("crm")->on("POST", "/item/*", {ok(200, {{"v", 0}})});
  h.deploy(src(R"(
flow f(xs: [int]) -> int {
  for x in xs {
    step s = crm.post("/item/${x}", body: {})
  }
  return len(xs)
}
)"));
  auto rec = h.run("f", {{"xs", {1, 2, 3}}});
  ASSERT_EQ(rec.status, ExecutionStatus::failed);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/item/3").size(), 0u);
  ASSERT_EQ(h.replay(rec.id).problem, ReplayProblem::none);
  rec = h.wait(rec.id);
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/item/1").size(), 1u);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/item/2").size(), 2u);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/item/3").size(), 1u);
}

TEST(Replay, OnlyTheFailedParallelBranchRunsAgain) {
  Harness h;
  h.fake("crm")->on("GET", "/a", {ok(200, {{"v", 1}})});
  h.fake("crm")->on("GET", "/b", {ok(500, "x"), ok(200, {{"v", 2}})});
  h.deploy(src(R"(
flow both() -> int {
  parallel {
    branch left { step a = crm.get("/a") }
    branch right { step b = crm.get("/b") retry { attempts: 1 } }
  }
  return a.body.v + b.body.v
}
)"));
  auto rec = h.run("both", json::object{});
  ASSERT_EQ(rec.status, ExecutionStatus::failed);
  size_t a_calls = h.fake("crm")->calls("GET", "/a").size();
  ASSERT_EQ(h.replay(rec.id).problem, ReplayProblem::none);
  rec = h.wait(rec.id);
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, 3);
  EXPECT_EQ(h.fake("crm")->calls("GET", "/b").size(), 2u);
  // A branch that completed is not called again (one that was cancelled mid-way runs once more).
  EXPECT_EQ(h.fake("crm")->calls("GET", "/a").size(), a_calls == 1 ? 1u : a_calls + 1);
}

TEST(Replay, AFailedChildFlowIsReplayedInPlace) {
  Harness h;
  h.fake("crm")->on("GET", "/p", {ok(200, {{"v", 1}})});
  h.fake("crm")->on("GET", "/y", {ok(200, {{"v", 10}})});
  h.fake("crm")->on("GET", "/x", {ok(400, "no"), ok(200, {{"v", 100}})});
  h.deploy(src(R"(
flow child(n: int) -> int {
  step y = crm.get("/y")
  step x = crm.get("/x")
  return n + y.body.v + x.body.v
}
flow parent() -> int {
  step p = crm.get("/p")
  step c = run child(p.body.v)
  return c
}
)"));
  auto rec = h.run("parent", json::object{});
  ASSERT_EQ(rec.status, ExecutionStatus::failed);
  std::string child_id;
  for (const auto& e : h.store().history(rec.id))
    if (e.type == "ChildStarted") child_id = std::string(e.data.at("child").as_string());
  ASSERT_FALSE(child_id.empty());
  EXPECT_EQ(h.store().get_execution(child_id)->status, ExecutionStatus::failed);

  ASSERT_EQ(h.replay(rec.id).problem, ReplayProblem::none);
  rec = h.wait(rec.id);
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, 111);
  EXPECT_EQ(h.fake("crm")->calls("GET", "/p").size(), 1u);
  EXPECT_EQ(h.fake("crm")->calls("GET", "/y").size(), 1u);  // the child's completed step too
  EXPECT_EQ(h.fake("crm")->calls("GET", "/x").size(), 2u);
  EXPECT_EQ(count(h, rec.id, "ChildStarted"), 1u);  // the same child, replayed
  EXPECT_EQ(h.store().get_execution(child_id)->status, ExecutionStatus::completed);
  EXPECT_EQ(count(h, child_id, "ReplayRequested"), 1u);
}

TEST(Replay, OnExhaustedPauseHoldsTheSlotThenReplayCompletes) {
  Harness h;
  h.fake("crm")->on("GET", "/a", {ok(200, {{"v", 1}})});
  h.fake("crm")->on("POST", "/x", {ok(503, "down"), ok(503, "down"), ok(200, {{"v", 5}})});
  h.deploy(src(R"(
flow f() -> int {
  options { on_exhausted: "pause", concurrency: { limit: 1, key: "all" } }
  step a = crm.get("/a")
  step x = crm.post("/x", body: {}) retry { attempts: 2, backoff: fixed(5ms) }
  return a.body.v + x.body.v
}
)"));
  auto first = h.run("f", json::object{});
  ASSERT_EQ(first.status, ExecutionStatus::paused) << json::serialize(first.error);
  EXPECT_EQ(first.error.at("kind"), "http_error");
  EXPECT_EQ(count(h, first.id, "ExecutionPaused"), 1u);
  EXPECT_EQ(count(h, first.id, "ExecutionFailed"), 0u);
  // The paused execution keeps its concurrency slot: the next one queues.
  std::string second = h.start("f", json::object{});
  h.run_for(200);
  EXPECT_EQ(count(h, second, "ExecutionQueued"), 1u);
  EXPECT_EQ(count(h, second, "ExecutionAdmitted"), 0u);
  // A restart leaves it paused (it is not resumed by recover()).
  h.restart();
  h.engine().recover();
  h.run_for(200);
  EXPECT_EQ(h.store().get_execution(first.id)->status, ExecutionStatus::paused);

  ASSERT_EQ(h.replay(first.id).problem, ReplayProblem::none);
  auto rec = h.wait(first.id);
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, 6);
  EXPECT_EQ(h.fake("crm")->calls("GET", "/a").size(), 1u);  // not sent again
  // The slot went to the queued execution once the first completed.
  auto rec2 = h.wait(second);
  EXPECT_EQ(rec2.status, ExecutionStatus::completed) << json::serialize(rec2.error);
  EXPECT_EQ(h.fake("crm")->calls("GET", "/a").size(), 2u);
}

TEST(Replay, CancelOfAPausedExecutionCompensates) {
  Harness h;
  h.fake("crm")->on("POST", "/hold", {ok(201, {{"id", "h1"}})});
  h.fake("crm")->on("DELETE", "/hold/*", {ok(204, nullptr)});
  h.fake("crm")->on("POST", "/x", {ok(503, "down")});
  h.deploy(src(R"(
flow f() -> int {
  options { on_exhausted: "pause" }
  step hold = crm.post("/hold", body: {}) compensate crm.delete("/hold/${hold.body.id}")
  step x = crm.post("/x", body: {}) retry { attempts: 1 }
  return 1
}
)"));
  auto rec = h.run("f", json::object{});
  ASSERT_EQ(rec.status, ExecutionStatus::paused);
  EXPECT_EQ(h.fake("crm")->calls("DELETE", "/hold/*").size(), 0u);  // no compensation while paused
  EXPECT_EQ(h.cancel(rec.id), "");
  rec = h.wait(rec.id);
  EXPECT_EQ(rec.status, ExecutionStatus::cancelled) << json::serialize(rec.error);
  EXPECT_EQ(h.fake("crm")->calls("DELETE", "/hold/h1").size(), 1u);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/x").size(), 1u);
}

TEST(Replay, WithACompatibleFixContinuesOnTheNewVersion) {
  Harness h;
  h.fake("crm")->on("GET", "/a", {ok(200, {{"id", "A"}})});
  h.fake("crm")->on("POST", "/b/A", {ok(200, {{"ok", true}})});
  h.fake("crm")->on("POST", "/b/*", {ok(404, "no such thing")});
  const char* v1 = R"(
flow f() -> bool {
  step a = crm.get("/a")
  step b = crm.post("/b/${lower(a.body.id)}", body: {}) retry { attempts: 1 }
  return b.body.ok
}
)";
  h.deploy(src(v1));
  auto rec = h.run("f", json::object{});
  ASSERT_EQ(rec.status, ExecutionStatus::failed);
  std::string old_version = rec.version;
  uint64_t length = rec.history_length;

  // An incompatible "fix" (the completed step `a` became a POST) is refused; nothing changes.
  auto bad = compile_source(fs::temp_directory_path() / "bad.flow", src(R"(
flow f() -> bool {
  step a = crm.post("/a", body: {})
  step b = crm.post("/b/${a.body.id}", body: {})
  return b.body.ok
}
)"));
  ASSERT_TRUE(bad);
  ReplayRequest req;
  req.with = bad;
  auto r = h.replay(rec.id, req);
  EXPECT_EQ(r.problem, ReplayProblem::incompatible);
  EXPECT_NE(r.message.find("step `a`"), std::string::npos) << r.message;
  auto same = h.store().get_execution(rec.id);
  EXPECT_EQ(same->status, ExecutionStatus::failed);
  EXPECT_EQ(same->version, old_version);
  EXPECT_EQ(same->history_length, length);

  // The compatible fix of the mapping continues where it failed.
  auto good = compile_source(fs::temp_directory_path() / "good.flow", src(R"(
flow f() -> bool {
  step a = crm.get("/a")
  step b = crm.post("/b/${a.body.id}", body: {}) retry { attempts: 1 }
  return b.body.ok
}
)"));
  ASSERT_TRUE(good);
  req.with = good;
  r = h.replay(rec.id, req);
  ASSERT_EQ(r.problem, ReplayProblem::none) << r.message;
  rec = h.wait(rec.id);
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_NE(rec.version, old_version);
  EXPECT_EQ(rec.version, r.version);
  EXPECT_EQ(h.fake("crm")->calls("GET", "/a").size(), 1u);
  auto b = h.fake("crm")->calls("POST", "/b/*");
  ASSERT_EQ(b.size(), 2u);
  // The request changed: a new idempotency key.
  EXPECT_EQ(*b[1].idempotency_key, rec.id + "/b#r1");
  EXPECT_EQ(count(h, rec.id, "VersionChanged"), 1u);
}

TEST(Replay, FromStepWithSetRewindsAndPatches) {
  Harness h;
  h.fake("crm")->on("GET", "/a", {ok(200, {{"v", 1}})});
  h.fake("crm")->on("POST", "/b", {ok(201, {{"id", "b1"}})});
  h.fake("crm")->on("POST", "/c/*", {ok(400, "bad"), ok(200, {{"done", "patched"}})});
  h.deploy(src(kThreeSteps));
  auto rec = h.run("f", {{"n", 7}});
  ASSERT_EQ(rec.status, ExecutionStatus::failed);
  uint64_t failed_length = rec.history_length;

  ReplayRequest bad;
  bad.from = "nope";
  EXPECT_EQ(h.replay(rec.id, bad).problem, ReplayProblem::invalid);
  bad.from = "b";
  bad.set["c"] = json::object{};  // c is rewound (and failed): it has no result to patch
  EXPECT_EQ(h.replay(rec.id, bad).problem, ReplayProblem::invalid);
  EXPECT_EQ(h.store().get_execution(rec.id)->history_length, failed_length);

  ReplayRequest req;
  req.from = "b";
  req.set["a"] = json::object{{"status", 200}, {"headers", json::object{}}, {"body", {{"v", 42}}}};
  req.input = json::object{{"n", 8}};
  auto r = h.replay(rec.id, req);
  ASSERT_EQ(r.problem, ReplayProblem::none) << r.message;
  rec = h.wait(rec.id);
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(h.fake("crm")->calls("GET", "/a").size(), 1u);
  auto b = h.fake("crm")->calls("POST", "/b");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].body, (json::value{{"a", 42}, {"n", 8}}));
  EXPECT_EQ(*b[1].idempotency_key, rec.id + "/b#r1");  // the request changed
  EXPECT_EQ(rec.input, (json::value{{"n", 8}}));
  // The events from b's first schedule to the failure are marked superseded.
  bool superseded = false;
  for (const auto& e : h.store().history(rec.id))
    if (e.type == "EventsSuperseded") {
      superseded = true;
      EXPECT_EQ(e.data.at("to_seq"), failed_length);
    }
  EXPECT_TRUE(superseded);
  std::string timeline = history::render_timeline(h.store().history(rec.id));
  EXPECT_NE(timeline.find("~"), std::string::npos) << timeline;
}

// A signal received before the cancel stays received; the store numbers deliveries after a
// terminal status from 1 again, and the replay still sees the new ones.
TEST(Replay, ACancelledWaitKeepsItsReceivedSignals) {
  Harness h;
  h.deploy(src(R"(
flow two() -> json {
  let a = wait signal "a"
  let b = wait signal "b"
  return [a, b]
}
)"));
  std::string id = h.start("two", json::object{});
  h.run_for(50);
  h.engine().signal(id, "a", 1, [](std::string) {});
  h.run_for(50);
  EXPECT_EQ(h.cancel(id), "");
  auto rec = h.wait(id);
  ASSERT_EQ(rec.status, ExecutionStatus::cancelled);
  ASSERT_EQ(h.replay(id).problem, ReplayProblem::none);
  h.run_for(50);
  h.engine().signal(id, "b", 2, [](std::string) {});
  rec = h.wait(id, 2000);
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, json::parse("[1,2]"));
  EXPECT_EQ(count(h, id, "SignalReceived"), 2u);
}

// After compensation ran, the undone step runs again (with a new idempotency key); see
// docs/operations.md "Replay".
TEST(Replay, AfterCompensationTheUndoneStepsRunAgainWithANewKey) {
  Harness h;
  h.fake("crm")->on("POST", "/charge", {ok(201, {{"id", "c-1"}})});
  h.fake("crm")->on("POST", "/refund/*", {ok(200, nullptr)});
  h.fake("crm")->on("POST", "/ship", {ok(400, "no stock"), ok(200, {{"ok", true}})});
  h.deploy(src(R"(
flow f() -> string {
  step charge = crm.post("/charge", body: {})
    compensate crm.post("/refund/${charge.body.id}", body: {})
  step ship = crm.post("/ship", body: {})
  return "shipped"
}
)"));
  auto rec = h.run("f", json::object{});
  ASSERT_EQ(rec.status, ExecutionStatus::failed);
  ASSERT_EQ(h.fake("crm")->calls("POST", "/refund/*").size(), 1u);
  ASSERT_EQ(h.replay(rec.id).problem, ReplayProblem::none);
  rec = h.wait(rec.id);
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  auto charges = h.fake("crm")->calls("POST", "/charge");
  ASSERT_EQ(charges.size(), 2u);
  EXPECT_EQ(*charges[0].idempotency_key, rec.id + "/charge");
  EXPECT_EQ(*charges[1].idempotency_key, rec.id + "/charge#r1");
  EXPECT_EQ(h.fake("crm")->calls("POST", "/refund/*").size(), 1u);
  EXPECT_EQ(h.fake("crm")->calls("POST", "/ship").size(), 2u);
}
