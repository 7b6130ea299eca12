// The typed snapshot: JSON round trip with every field populated, reading snapshots written
// before the format field, refusing newer formats and malformed snapshots with a clear error; and
// the engine leaving an execution whose snapshot it cannot read untouched.
#include <future>

#include "engine/runtime/state.h"
#include "harness.h"

using namespace weft;
using namespace weft::runtime;
using namespace weft::runtime::testing;
using store::ExecutionStatus;

namespace {

ExecutionState full_state() {
  ExecutionState s;
  s.results["a"] = Outcome::of_value(json::object{{"status", 200}});
  errors::Error e = errors::make(errors::Kind::http_error, "HTTP status 503");
  e.status = 503;
  e.attempt = 3;
  s.results["b[1]"] = Outcome::of_error(e);
  Outcome fired;
  fired.type = Outcome::Type::fired;
  fired.fired_at = 1700000000000;
  s.results["wait"] = fired;
  Outcome emitted;
  emitted.type = Outcome::Type::emitted;
  s.results["tell"] = emitted;
  s.effects["a#0"] = 0.5;
  s.timers["wait2"] = 1700000001000;
  s.retry_at["c"] = 1700000002000;
  s.attempts["c"] = 2;
  s.comp.push_back(CompensationEntry{"charge", "charge[0]", {json::value(1), json::value("x")}, 1, json::object{{"id", 9}}});
  s.slot = "sync/acme";
  s.slot_limit = 3;
  s.queued = QueuedSlot{"sync/other", 2};
  s.suspended = true;
  s.children["sub"] = "01J0CHILD";
  s.consumed = {3, 7};
  s.deadline = 1700000009000;
  s.started_at = 1700000000500;
  s.requests["charge"] = SentRequest{"ab12", "01JX/charge"};
  s.replays = 2;
  return s;
}

}  // namespace

TEST(ExecutionState, RoundTripsEveryField) {
  ExecutionState s = full_state();
  json::value j = to_json(s);
  EXPECT_EQ(j.at("format"), kStateFormat);
  std::string why;
  auto back = from_json(json::parse(json::serialize(j)), &why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(*back, s);
  // The fresh state round-trips too.
  EXPECT_EQ(from_json(to_json(ExecutionState{})), ExecutionState{});
  // The streaming text form is byte for byte the serialized tree.
  EXPECT_EQ(to_text(s), json::serialize(to_json(s)));
  EXPECT_EQ(to_text(ExecutionState{}), json::serialize(to_json(ExecutionState{})));
}

TEST(ExecutionState, ReadsSnapshotsWrittenBeforeTheFormatField) {
  // A snapshot as the runtime wrote it before format 2 (no "format", same shape).
  std::string v1 = R"({"suspended":false,"started_at":5,"results":{"a":{"v":1},"b":{"e":{"kind":"failure",
      "message":"no","code":"x","details":null}},"w":{"fired":9},"m":{"emitted":true}},"effects":{"a#0":3},
      "timers":{"w2":10},"consumed":{"4":true},"children":{"c":"01J"},"comp":[{"node":"a","key":"a",
      "slots":[1,null],"slot":0,"result":{"status":200}}],"slot":"f/","slot_limit":1})";
  std::string error;
  auto s = parse_snapshot(v1, "01JEXEC", error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->results.at("a").value, 1);
  EXPECT_EQ(s->results.at("b").error.code, "x");
  EXPECT_EQ(s->results.at("w").fired_at, 9);
  EXPECT_EQ(s->results.at("m").type, Outcome::Type::emitted);
  EXPECT_EQ(s->consumed, std::set<uint64_t>{4});
  EXPECT_EQ(s->comp.at(0).slots.size(), 2u);
  EXPECT_EQ(*s->slot, "f/");
  // An execution without a snapshot starts fresh.
  auto fresh = parse_snapshot("", "01JEXEC", error);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(*fresh, ExecutionState{});
}

TEST(ExecutionState, RefusesANewerFormatNamingExecutionAndVersion) {
  std::string error;
  EXPECT_FALSE(parse_snapshot(R"({"format":4,"suspended":false})", "01JEXEC", error));
  EXPECT_EQ(error, "execution 01JEXEC: snapshot format 4 is newer than this weft reads (up to 3); run it with a newer weft");
  EXPECT_FALSE(parse_snapshot(R"({"format":"2"})", "01JEXEC", error));
  EXPECT_EQ(error, "execution 01JEXEC: its snapshot format is not a number");
}

TEST(ExecutionState, RefusesMalformedSnapshots) {
  std::string error;
  EXPECT_FALSE(parse_snapshot("{not json", "01JX", error));
  EXPECT_NE(error.find("execution 01JX: its snapshot is not JSON"), std::string::npos) << error;
  struct Case {
    const char* text;
    const char* problem;
  };
  for (const Case& c : {
           Case{R"([1])", "`snapshot` must be an object"},
           Case{R"({"results":{"a":{"x":1}}})", "`results.a` must have one of v, e, fired, emitted"},
           Case{R"({"results":{"a":{"e":{"kind":"boom"}}}})", "`results.a.e`: unknown error kind `boom`"},
           Case{R"({"timers":{"w":"soon"}})", "`timers.w` must be an int"},
           Case{R"({"consumed":{"x":true}})", "`consumed.x`: not a signal number"},
           Case{R"({"comp":{}})", "`comp` must be a list"},
           Case{R"({"comp":[{"node":"a","extra":1}]})", "unknown field `comp[0].extra`"},
           Case{R"({"queued":{"slot":"s"}})", "`queued` needs slot and limit"},
           Case{R"({"suspended":1})", "`suspended` must be a bool"},
           Case{R"({"mystery":1})", "unknown field `mystery`"},
       }) {
    EXPECT_FALSE(parse_snapshot(c.text, "01JX", error)) << c.text;
    EXPECT_EQ(error, std::string("execution 01JX: snapshot (format 1) is malformed: ") + c.problem) << c.text;
  }
}

namespace {

// Replaces the stored snapshot of `id` (as a newer or older weft would have written it).
void put_snapshot(store::ExecutionStore& st, const std::string& id, std::string text) {
  store::Transition tr;
  tr.execution_id = id;
  tr.snapshot = std::move(text);
  std::promise<store::Status> done;
  st.transition(std::move(tr), [&](const store::Status& s) { done.set_value(s); });
  auto s = done.get_future().get();
  ASSERT_TRUE(s.ok()) << s.to_string();
}

// Deploys a flow that waits, starts it, and restarts the engine while it waits; returns its id.
std::string waiting_then_restarted(Harness& h) {
  h.deploy(R"(
flow f() -> int {
  wait 200ms
  return 1
}
)");
  std::string id = h.start("f", json::object{});
  h.run_for(30);
  h.restart(0);
  return id;
}

}  // namespace

TEST(ExecutionState, EngineLeavesAnExecutionWithANewerSnapshotUntouched) {
  Harness h(/*unload_after_ms=*/0);
  std::string id = waiting_then_restarted(h);
  auto before = h.store().history(id).size();
  put_snapshot(h.store(), id, R"({"format":99,"something":"new"})");
  h.engine().recover();
  h.run_for(400);
  auto rec = h.store().get_execution(id);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->status, ExecutionStatus::running);
  EXPECT_EQ(h.store().history(id).size(), before);  // nothing was misread into new events
}

TEST(ExecutionState, EngineResumesFromASnapshotWithoutFormat) {
  Harness h(/*unload_after_ms=*/0);
  std::string id = waiting_then_restarted(h);
  auto snap = h.store().get_snapshot(id);
  ASSERT_TRUE(snap);
  json::object v1 = json::parse(*snap).as_object();
  ASSERT_EQ(v1.at("format"), kStateFormat);
  v1.erase("format");  // as written before the format field
  put_snapshot(h.store(), id, json::serialize(v1));
  h.engine().recover();
  auto rec = h.wait(id);
  ASSERT_EQ(rec.status, ExecutionStatus::completed) << json::serialize(rec.error);
  EXPECT_EQ(rec.output, 1);
  EXPECT_EQ(json::parse(*h.store().get_snapshot(id)).at("format"), kStateFormat);  // written anew
}
