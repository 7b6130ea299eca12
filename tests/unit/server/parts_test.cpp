// The server's parts without the API: metrics exposition, route patterns and targets, the JSON
// Schema subset, tokens, retention parsing and the sweep.
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include <boost/json.hpp>

#include "server/api.h"
#include "server/auth.h"
#include "server/http_server.h"
#include "server/json_schema.h"
#include "server/metrics.h"
#include "server/retention.h"
#include "tests/unit/store/test_util.h"

namespace weft::server {
namespace {
namespace json = boost::json;

TEST(Metrics, RendersCountersGaugesAndCumulativeHistograms) {
  Metrics m;
  m.describe("c_total", Metrics::Kind::counter, "a counter");
  m.describe("g", Metrics::Kind::gauge, "a gauge");
  m.describe("h_seconds", Metrics::Kind::histogram, "a histogram", {0.1, 1});
  m.inc("c_total", {{"path", "a\"b\\c\nd"}}, 2);
  m.inc("c_total", {{"path", "a\"b\\c\nd"}});
  m.inc("c_total", {}, -5);  // counters never go down
  m.set("g", {}, 7.5);
  m.observe("h_seconds", {{"r", "x"}}, 0.05);
  m.observe("h_seconds", {{"r", "x"}}, 0.5);
  m.observe("h_seconds", {{"r", "x"}}, 5);
  m.inc("undeclared");  // ignored
  EXPECT_EQ(m.value("c_total", {{"path", "a\"b\\c\nd"}}), 3);
  EXPECT_EQ(m.render(),
            "# HELP c_total a counter\n# TYPE c_total counter\n"
            "c_total 0\n"
            "c_total{path=\"a\\\"b\\\\c\\nd\"} 3\n"
            "# HELP g a gauge\n# TYPE g gauge\ng 7.5\n"
            "# HELP h_seconds a histogram\n# TYPE h_seconds histogram\n"
            "h_seconds_bucket{r=\"x\",le=\"0.1\"} 1\n"
            "h_seconds_bucket{r=\"x\",le=\"1\"} 2\n"
            "h_seconds_bucket{r=\"x\",le=\"+Inf\"} 3\n"
            "h_seconds_sum{r=\"x\"} 5.55\n"
            "h_seconds_count{r=\"x\"} 3\n");
}

TEST(Metrics, CollectorsRunBeforeRendering) {
  Metrics m;
  m.describe("depth", Metrics::Kind::gauge, "queue depth");
  int n = 0;
  m.on_collect([&](Metrics& r) { r.set("depth", {}, ++n); });
  EXPECT_NE(m.render().find("depth 1\n"), std::string::npos);
  EXPECT_NE(m.render().find("depth 2\n"), std::string::npos);
}

TEST(Routes, PatternsMatchWholeSegments) {
  PathParams p;
  EXPECT_TRUE(match_pattern("/v1/executions/{id}/signals/{name}", "/v1/executions/01X/signals/go", p));
  EXPECT_EQ(p["id"], "01X");
  EXPECT_EQ(p["name"], "go");
  EXPECT_FALSE(match_pattern("/v1/executions/{id}", "/v1/executions/", p));
  EXPECT_FALSE(match_pattern("/v1/executions/{id}", "/v1/executions/a/b", p));
  EXPECT_FALSE(match_pattern("/v1/flows", "/v1/flows/", p));
  EXPECT_FALSE(match_pattern("/v1/flows", "v1/flows", p));
  EXPECT_TRUE(match_pattern("/healthz", "/healthz", p));
}

TEST(Routes, EveryRouteIsDescribedOnceAndSchemasParse) {
  std::set<std::string> seen;
  for (const auto& r : Api::routes()) {
    EXPECT_TRUE(seen.insert(std::string(r.method) + " " + std::string(r.pattern)).second) << r.pattern;
    EXPECT_FALSE(r.summary.empty());
    if (!r.request.empty()) {
      EXPECT_NO_THROW(json::parse(r.request)) << r.pattern;
    }
    if (!r.response.empty()) {
      EXPECT_NO_THROW(json::parse(r.response)) << r.pattern;
    }
  }
}

TEST(Targets, AreDecodedAndMalformedOnesRefused) {
  HttpRequest r;
  ASSERT_TRUE(parse_target("/v1/flows/a%20b/executions?flow=x%2Fy&limit=2&flag", r));
  EXPECT_EQ(r.path, "/v1/flows/a b/executions");
  EXPECT_EQ(r.raw_query, "flow=x%2Fy&limit=2&flag");
  ASSERT_EQ(r.query.size(), 3u);
  EXPECT_EQ(*r.param("flow"), "x/y");
  EXPECT_EQ(*r.param("flag"), "");
  EXPECT_FALSE(parse_target("http://evil/", r));
  EXPECT_FALSE(parse_target("no-slash", r));
  EXPECT_FALSE(parse_target("/bad%zz", r));
  EXPECT_EQ(reason_phrase(404), "Not Found");
}

TEST(JsonSchema, ChecksTypesRequiredUnknownFieldsAndItems) {
  auto s = json::parse(R"({"type":"object","required":["a"],"additionalProperties":false,
    "properties":{"a":{"type":"integer","minimum":1},"b":{"type":["string","null"],"minLength":2},
    "c":{"type":"array","items":{"enum":["x","y"]}}}})");
  EXPECT_FALSE(validate_schema(s, json::parse(R"({"a":1,"b":null,"c":["x"]})"), ""));
  EXPECT_EQ(*validate_schema(s, json::parse(R"({})"), ""), "a: required");
  EXPECT_EQ(*validate_schema(s, json::parse(R"({"a":"1"})"), ""), "a: expected integer, got string");
  EXPECT_EQ(*validate_schema(s, json::parse(R"({"a":0})"), ""), "a: less than 1");
  EXPECT_EQ(*validate_schema(s, json::parse(R"({"a":1,"z":1})"), ""), "z: unknown field");
  EXPECT_EQ(*validate_schema(s, json::parse(R"({"a":1,"b":"x"})"), ""), "b: shorter than 2 characters");
  EXPECT_TRUE(validate_schema(s, json::parse(R"({"a":1,"c":["z"]})"), ""));
  EXPECT_EQ(*validate_schema(s, json::parse("[]"), ""), "body: expected object, got array");
}

TEST(Tokens, OnlyTheHashIsStoredAndBearerChecksIt) {
  store::testing::TempDir dir;
  store::StoreOptions so;
  so.path = dir.str();
  so.sync = false;
  auto s = store::open_execution_store(so);
  ASSERT_TRUE(s.ok());
  auto& st = *s.value();
  std::string error;
  auto t = create_token(st, "ci", 42, error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->rfind("weft_", 0), 0u);
  EXPECT_EQ(t->size(), 5u + 43u);
  auto listed = list_tokens(st);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].hash, token_hash(*t));
  EXPECT_EQ(listed[0].name, "ci");
  EXPECT_EQ(listed[0].created_at_ms, 42);
  for (const auto& e : st.list_tokens()) EXPECT_EQ(e.value.find(*t), std::string::npos);
  EXPECT_TRUE(check_bearer(st, "Bearer " + *t));
  EXPECT_TRUE(check_bearer(st, "bearer  " + *t + " "));
  EXPECT_FALSE(check_bearer(st, "Basic " + *t));
  EXPECT_FALSE(check_bearer(st, "Bearer " + *t + "x"));
  EXPECT_FALSE(check_bearer(st, "Bearer "));
  EXPECT_FALSE(check_bearer(st, *t));
  EXPECT_EQ(revoke_tokens(st, "other"), 0u);
  EXPECT_EQ(revoke_tokens(st, listed[0].hash.substr(0, 4)), 0u);  // too short a prefix
  EXPECT_EQ(revoke_tokens(st, "ci"), 1u);
  EXPECT_FALSE(check_bearer(st, "Bearer " + *t));
}

TEST(Retention, ParsesDurations) {
  EXPECT_EQ(parse_retention("30d"), 30LL * 86400000);
  EXPECT_EQ(parse_retention("12h"), 12LL * 3600000);
  EXPECT_EQ(parse_retention("5m"), 300000);
  EXPECT_EQ(parse_retention("10s"), 10000);
  EXPECT_EQ(parse_retention("250ms"), 250);
  EXPECT_EQ(parse_retention("0"), 0);
  EXPECT_FALSE(parse_retention("d"));
  EXPECT_FALSE(parse_retention("30"));
  EXPECT_FALSE(parse_retention("30w"));
  EXPECT_FALSE(parse_retention("-1d"));
  EXPECT_FALSE(parse_retention("99999999999999d"));
}

TEST(Retention, SweepDeletesOnlyFinishedExecutionsPastTheCutoff) {
  store::testing::TempDir dir;
  store::StoreOptions so;
  so.path = dir.str();
  so.sync = false;
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  store::ExecutionStoreOptions eo;
  eo.clock = [&] { return now; };
  auto s = store::open_execution_store(so, eo);
  ASSERT_TRUE(s.ok());
  auto& st = *s.value();
  ASSERT_TRUE(st.deploy({{"f", "h1", "{}", true}}).ok());
  auto make = [&](std::optional<store::ExecutionStatus> end) {
    store::NewExecution ne;
    ne.flow = "f";
    ne.version = "h1";
    auto c = st.create_sync(ne);
    EXPECT_TRUE(c.ok());
    if (end) {
      store::Transition t;
      t.execution_id = c->id;
      t.status = *end;
      t.events.push_back({"ExecutionCompleted", nullptr});
      EXPECT_TRUE(st.transition_sync(t).ok());
    }
    return c->id;
  };
  std::string old_done = make(store::ExecutionStatus::completed);
  std::string old_failed = make(store::ExecutionStatus::failed);
  std::string old_running = make(std::nullopt);
  int64_t cutoff = now + 5 * 86'400'000LL;
  now += 10 * 86'400'000LL;  // finishes after the cutoff (created before it: ids carry the wall clock)
  std::string new_done = make(store::ExecutionStatus::completed);
  EXPECT_EQ(sweep_finished(st, cutoff, 1000), 2u);
  EXPECT_FALSE(st.get_execution(old_done));
  EXPECT_TRUE(st.history(old_done).empty());
  EXPECT_FALSE(st.get_execution(old_failed));
  EXPECT_TRUE(st.get_execution(old_running));
  EXPECT_TRUE(st.get_execution(new_done));
  EXPECT_EQ(sweep_finished(st, cutoff, 1000), 0u);
}

}  // namespace
}  // namespace weft::server
