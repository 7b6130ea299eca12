// The history event registry: every kind of events.def has a payload that round-trips through
// JSON (a kind added without a sample here fails), old stored shapes stay readable, and the two
// renderings.
#include "engine/history/history.h"

#include <gtest/gtest.h>

#include <map>

#include <boost/json.hpp>

namespace json = boost::json;
using namespace weft;
using namespace weft::history;

namespace {

// One payload per kind with every field populated (optional ones included).
const std::map<std::string, std::string>& samples() {
  static const std::map<std::string, std::string> s{
      {"ExecutionStarted", R"({"flow":"sync","version":"ab12","input":{"id":7}})"},
      {"ExecutionQueued", R"({"key":"acme","limit":2})"},
      {"ExecutionAdmitted", R"({"key":"acme","limit":2})"},
      {"StepScheduled", R"({"step":"fetch[1]","attempt":1,"idempotency_key":"x/fetch[1]","method":"POST",
                          "path":"/orders","query":{"q":1},"body":{"a":[1,2]}})"},
      {"StepRetrying", R"({"step":"fetch","next_attempt":2,"next_at":1700000000000,
                         "error":{"kind":"timeout","message":"late"}})"},
      {"StepCompleted", R"({"step":"fetch","result":{"status":200,"headers":{},"body":null}})"},
      {"StepFailed", R"({"step":"fetch","error":{"kind":"http_error","message":"HTTP status 503","status":503,
                       "attempt":3,"body":"busy","headers":{"x":"y"}}})"},
      {"TimerStarted", R"({"timer":"wait","due":1700000000000,"signal":"approve"})"},
      {"TimerFired", R"({"timer":"wait","signal":"approve"})"},
      {"SignalReceived", R"({"signal":"approve","signal_seq":4,"payload":{"ok":true},"node":"wait"})"},
      {"SideEffectRecorded", R"({"key":"a#0","value":0.25})"},
      {"EventEmitted", R"({"event":"order.paid","data":{"id":1},"node":"tell"})"},
      {"ChildStarted", R"({"step":"sub","child":"01J0","flow":"child"})"},
      {"CompensationStarted", R"({"step":"charge"})"},
      {"CompensationCompleted", R"({"step":"charge","result":{"status":200}})"},
      {"CompensationFailed", R"({"step":"charge","error":{"kind":"failure","message":"no","details":null}})"},
      {"ExecutionCompleted", R"({"output":{"total":3}})"},
      {"ExecutionFailed", R"({"error":{"kind":"failure","message":"no","code":"x","details":{"k":1}}})"},
      {"ExecutionCancelled", R"({"error":{"kind":"cancelled","message":"the execution was cancelled"}})"},
      {"ReplayRequested", R"({"by":"cli","reason":"fixed the API key","from_step":"fetch","input":{"id":8},
                            "version":"cd34"})"},
      {"EventsSuperseded", R"({"from_seq":5,"to_seq":9})"},
      {"VersionChanged", R"({"from":"ab12","to":"cd34"})"},
      {"ExecutionPaused", R"({"step":"fetch","error":{"kind":"timeout","message":"timed out","attempt":3}})"},
  };
  return s;
}

store::HistoryEvent stored(uint64_t seq, std::string type, std::string data) {
  return store::HistoryEvent{seq, 1700000000000, std::move(type), json::parse(data)};
}

}  // namespace

TEST(HistoryRegistry, EveryKindRoundTripsThroughJson) {
  ASSERT_FALSE(all_kinds().empty());
  for (Kind k : all_kinds()) {
    std::string name(to_string(k));
    SCOPED_TRACE(name);
    EXPECT_EQ(parse_kind(name), k);
    EXPECT_FALSE(summary(k).empty());
    auto it = samples().find(name);
    ASSERT_NE(it, samples().end()) << "add a sample payload for the new kind " << name;
    json::value data = json::parse(it->second);
    std::string why;
    auto p = from_json(k, data, &why);
    ASSERT_TRUE(p) << why;
    EXPECT_EQ(kind_of(*p), k);
    EXPECT_EQ(json::value(to_json(*p)), data);
    store::NewEvent ev = to_event(*p);
    EXPECT_EQ(ev.type, name);
    EXPECT_EQ(ev.data, data);
  }
  EXPECT_EQ(samples().size(), all_kinds().size()) << "a sample names a kind that is not in events.def";
}

TEST(HistoryRegistry, RequiredFieldsAndTypesAreChecked) {
  std::string why;
  EXPECT_FALSE(from_json(Kind::StepCompleted, json::parse(R"({"result":1})"), &why));
  EXPECT_EQ(why, "StepCompleted: missing field `step`");
  EXPECT_FALSE(from_json(Kind::StepScheduled, json::parse(R"({"step":"a","attempt":"1","idempotency_key":"k",
      "method":"GET","path":"/"})"), &why));
  EXPECT_EQ(why, "StepScheduled: field `attempt`: wrong type");
  EXPECT_FALSE(from_json(Kind::StepFailed, json::parse(R"({"step":"a","error":{"kind":"nope"}})"), &why));
  EXPECT_EQ(why, "StepFailed: field `error`: unknown error kind `nope`");
  EXPECT_FALSE(from_json(Kind::ExecutionCompleted, json::value(1), &why));
  EXPECT_FALSE(decode(stored(1, "Mystery", "{}"), &why));
  EXPECT_EQ(why, "unknown event type `Mystery`");
}

TEST(HistoryRegistry, ReadsShapesStoredByEarlierVersions) {
  // SignalReceived wrote the delivery number as `seq`; optional fields were simply absent.
  auto p = decode(stored(3, "SignalReceived", R"({"signal":"go","seq":2,"payload":null,"node":"w"})"));
  ASSERT_TRUE(p);
  EXPECT_EQ(std::get<SignalReceived>(*p).signal_seq, 2u);
  auto t = decode(stored(4, "TimerStarted", R"({"timer":"w","due":5})"));
  ASSERT_TRUE(t);
  EXPECT_FALSE(std::get<TimerStarted>(*t).signal);
  auto s = decode(stored(5, "StepScheduled", R"({"step":"a","attempt":2,"idempotency_key":"k","method":"GET","path":"/x"})"));
  ASSERT_TRUE(s);
  EXPECT_FALSE(std::get<StepScheduled>(*s).body);
  EXPECT_EQ(json::value(to_json(*s)), json::parse(R"({"step":"a","attempt":2,"idempotency_key":"k","method":"GET","path":"/x"})"));
}

TEST(HistoryRender, TextIsOneLine) {
  auto failed = stored(12, "StepFailed", samples().at("StepFailed"));
  EXPECT_EQ(render_text(failed),
            "  12  2023-11-14T22:13:20.000Z  StepFailed  fetch  attempt 3  http_error 503: HTTP status 503");
  EXPECT_EQ(render_text(stored(1, "ExecutionStarted", samples().at("ExecutionStarted"))),
            "   1  2023-11-14T22:13:20.000Z  ExecutionStarted  sync  input {\"id\":7}");
  // Unknown kinds show their raw payload.
  EXPECT_EQ(render_text(stored(2, "Step", R"({"n":1})")), "   2  2023-11-14T22:13:20.000Z  Step  {\"n\":1}");
  for (const auto& [type, data] : samples()) {
    std::string line = render_text(stored(7, type, data));
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_NE(line.find(type), std::string::npos) << line;
  }
}

TEST(HistoryRender, JsonIsFlat) {
  EXPECT_EQ(json::value(render_json(stored(9, "SignalReceived", R"({"signal":"go","seq":2,"payload":1,"node":"w"})"))),
            json::parse(R"({"seq":9,"at":"2023-11-14T22:13:20.000Z","type":"SignalReceived","signal":"go",
                            "signal_seq":2,"payload":1,"node":"w"})"));
  EXPECT_EQ(json::value(render_json(stored(2, "Step", R"({"n":1})"))),
            json::parse(R"({"seq":2,"at":"2023-11-14T22:13:20.000Z","type":"Step","data":{"n":1}})"));
}
