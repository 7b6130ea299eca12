// `weft replay --check` (engine/runtime/replay_check.h): a recorded history re-run against a new
// flow version with no side effects; the first divergence is reported with expected vs got.
#include "engine/runtime/replay_check.h"

#include "harness.h"

namespace weft::runtime::testing {
namespace {

const char* kFlow = R"(
flow f(n: int) -> string {
  step a = crm.get("/a")
  step b = crm.post("/b", body: { a: a.body.v, n: n })
  step c = crm.post("/c/${b.body.id}", body: {})
  return c.body.done
}
)";

/// Runs kFlow to its end on fakes and returns its history.
std::vector<store::HistoryEvent> recorded(Harness& h) {
  h.fake("crm")->on("GET", "/a", {ok(200, {{"v", 1}})});
  h.fake("crm")->on("POST", "/b", {ok(201, {{"id", "b1"}})});
  h.fake("crm")->on("POST", "/c/*", {ok(200, {{"done", "yes"}})});
  h.deploy(src(kFlow));
  auto rec = h.run("f", {{"n", 7}});
  EXPECT_EQ(rec.status, store::ExecutionStatus::completed);
  return h.store().history(rec.id);
}

std::optional<Divergence> check(Harness& h, const std::string& source, std::string& error) {
  auto module = compile_source(h.dir() / "new.flow", src(source));
  if (!module) return std::nullopt;
  return check_replay(recorded(h), module, "f", error);
}

}  // namespace

TEST(ReplayCheck, SameVersionDoesNotDiverge) {
  Harness h;
  std::string error;
  auto d = check(h, kFlow, error);
  EXPECT_EQ(error, "");
  EXPECT_FALSE(d) << describe(*d);
}

TEST(ReplayCheck, MappingFixInALaterStepAndANewStepDoNotDiverge) {
  Harness h;
  std::string error;
  auto d = check(h, R"(
flow f(n: int) -> string {
  step a = crm.get("/a")
  step b = crm.post("/b", body: { a: a.body.v, n: n })
  step c = crm.post("/c/${b.body.id}", body: {})
  step d = crm.post("/d", body: { done: c.body.done })
  return "${c.body.done}!"
}
)", error);
  EXPECT_EQ(error, "");
  EXPECT_FALSE(d) << describe(*d);
  EXPECT_EQ(h.fake("crm")->calls().size(), 3u);  // the check sent nothing: only the recorded run's calls
}

TEST(ReplayCheck, ChangedRequestBodyIsReportedWithExpectedAndGot) {
  Harness h;
  std::string error;
  std::string changed = kFlow;
  changed.replace(changed.find("n: n }"), 6, "n: n + 1 }");
  auto d = check(h, changed, error);
  EXPECT_EQ(error, "");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->step, "b");
  ASSERT_TRUE(d->expected && d->got);
  EXPECT_EQ(d->expected->body, (json::value{{"a", 1}, {"n", 7}}));
  EXPECT_EQ(d->got->body, (json::value{{"a", 1}, {"n", 8}}));
  EXPECT_NE(describe(*d).find("step b: expected b: POST /b"), std::string::npos) << describe(*d);
}

TEST(ReplayCheck, RenamedStepIsReported) {
  Harness h;
  std::string error;
  std::string renamed = kFlow;
  renamed.replace(renamed.find("step b ="), 8, "step create =");
  renamed.replace(renamed.find("${b.body.id}"), 12, "${create.body.id}");
  auto d = check(h, renamed, error);
  EXPECT_EQ(error, "");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->step, "b");
  ASSERT_TRUE(d->got);
  EXPECT_EQ(d->got->step, "create");
}

TEST(ReplayCheck, UnknownFlowIsAnError) {
  Harness h;
  auto module = compile_source(h.dir() / "new.flow", src(kFlow));
  ASSERT_TRUE(module);
  std::string error;
  auto d = check_replay(recorded(h), module, "nope", error);
  EXPECT_FALSE(d);
  EXPECT_NE(error, "");
}

namespace {
const char* kWaits = R"(
flow w() -> json {
  step a = crm.get("/a")
  wait 30ms
  let v = wait signal "go"
  step b = crm.post("/b", body: { n: v.n, a: a.body.v })
  wait 1h
  step c = crm.post("/c", body: {})
  return c.body
}
)";
}  // namespace

TEST(ReplayCheck, TimersAndSignalsComeFromTheHistoryOfARunningExecution) {
  Harness h;
  h.fake("crm")->on("GET", "/a", {ok(200, {{"v", 1}})});
  h.fake("crm")->on("POST", "/b", {ok(201, {{"id", "b1"}})});
  h.deploy(src(kWaits));
  std::string id = h.start("w", json::object{});
  h.engine().signal(id, "go", {{"n", 3}}, [](std::string) {});
  for (int i = 0; i < 100 && h.fake("crm")->calls("POST", "/b").empty(); ++i) h.run_for(20);
  ASSERT_EQ(h.fake("crm")->calls("POST", "/b").size(), 1u);  // now waiting for the hour
  auto events = h.store().history(id);

  std::string error;
  auto same = compile_source(h.dir() / "same.flow", src(kWaits));
  ASSERT_TRUE(same);
  auto d = check_replay(events, same, "w", error);
  EXPECT_EQ(error, "");
  EXPECT_FALSE(d) << describe(*d);

  std::string changed = kWaits;
  changed.replace(changed.find("n: v.n"), 6, "n: 0");
  auto other = compile_source(h.dir() / "other.flow", src(changed));
  ASSERT_TRUE(other);
  d = check_replay(events, other, "w", error);
  EXPECT_EQ(error, "");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->step, "b");
  EXPECT_EQ(d->expected->body, (json::value{{"n", 3}, {"a", 1}}));  // the recorded signal's payload
  EXPECT_EQ(d->got->body, (json::value{{"n", 0}, {"a", 1}}));
  EXPECT_EQ(h.fake("crm")->calls().size(), 2u);  // the checks sent nothing
}

}  // namespace weft::runtime::testing
