// The API as a function over typed requests (no sockets): routing, auth, body checks, every
// endpoint, the OpenAPI description checked against real responses, and backpressure.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "engine/runtime/engine.h"
#include "engine/store/ids.h"
#include "stdlib/connectors/fake_connection.h"
#include "server/api.h"
#include "server/auth.h"
#include "server/json_schema.h"
#include "server/retention.h"
#include "stdlib/functions/civil.h"
#include "tests/unit/store/test_util.h"

namespace weft::server {
namespace {
namespace json = boost::json;

constexpr const char* kModule = R"(
flow greet(name: string, times: int = 2) -> json {
  let text = "hello ${name}"
  return { text: text, times: times }
}

flow waiter(id: string) -> json {
  let got = wait signal "go"
  return got
}
)";

/// A store, an engine and an API over one io_context; requests run the io until answered.
class ApiFixture : public ::testing::Test {
 protected:
  void SetUp() override { open({}); }

  void open(ApiOptions opts) {
    store::StoreOptions so;
    so.path = dir_.str();
    so.sync = false;
    auto s = store::open_execution_store(so);
    ASSERT_TRUE(s.ok());
    store_ = std::move(s.value());
    engine_ = std::make_unique<runtime::Engine>(io_, *store_);
    engine_->recover();
    opts.data_dir = dir_.str();
    api_ = std::make_unique<Api>(*engine_, metrics_, std::move(opts));
    std::string error;
    token_ = *create_token(*store_, "test", 0, error);
  }

  void TearDown() override {
    api_.reset();
    engine_->shutdown();
    io_.restart();
    io_.poll();
    engine_.reset();
    store_.reset();
  }

  HttpResponse call(std::string method, std::string target, std::string body = "", bool auth = true) {
    HttpRequest req;
    req.method = std::move(method);
    std::string t = std::move(target);
    size_t q = t.find('?');
    req.path = t.substr(0, q);
    if (q != std::string::npos) {
      req.raw_query = t.substr(q + 1);
      std::string_view rest = req.raw_query;
      while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        auto eq = pair.find('=');
        req.query.emplace_back(std::string(pair.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      }
    }
    req.body = std::move(body);
    if (auth) req.headers.emplace_back("authorization", "Bearer " + token_);
    std::optional<HttpResponse> got;
    boost::asio::post(io_, [&] { api_->handle(std::move(req), [&](HttpResponse r) { got = std::move(r); }); });
    io_.restart();  // the previous guard's end may have stopped it
    auto guard = boost::asio::make_work_guard(io_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!got && std::chrono::steady_clock::now() < deadline) io_.run_for(std::chrono::milliseconds(5));
    EXPECT_TRUE(got.has_value()) << "no answer";
    return got.value_or(HttpResponse{});
  }

  /// Runs the io for `ms` (executions make progress).
  void settle(int ms) {
    io_.restart();
    auto guard = boost::asio::make_work_guard(io_);
    io_.run_for(std::chrono::milliseconds(ms));
  }

  json::value body(const HttpResponse& r) { return json::parse(r.body); }
  std::string error_code(const HttpResponse& r) {
    auto v = body(r);
    return std::string(v.at("error").at("code").as_string());
  }

  void deploy() {
    auto r = call("POST", "/v1/modules", json::serialize(json::object{{"source", kModule}, {"name", "m.flow"}}));
    ASSERT_EQ(r.status, 200) << r.body;
  }

  store::testing::TempDir dir_;
  boost::asio::io_context io_;
  std::unique_ptr<store::ExecutionStore> store_;
  std::unique_ptr<runtime::Engine> engine_;
  Metrics metrics_;
  std::unique_ptr<Api> api_;
  std::string token_;
};

TEST_F(ApiFixture, HealthzMetricsAndOpenApiNeedNoToken) {
  EXPECT_EQ(call("GET", "/healthz", "", false).body, R"({"status":"ok"})");
  auto m = call("GET", "/metrics", "", false);
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.content_type.find("text/plain"), std::string::npos);
  EXPECT_NE(m.body.find("weft_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"), std::string::npos);
  auto o = call("GET", "/v1/openapi.json", "", false);
  EXPECT_EQ(body(o).at("openapi"), "3.1.0");
}

TEST_F(ApiFixture, ManagementRoutesRefuseMissingAndWrongTokens) {
  auto r = call("GET", "/v1/flows", "", false);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code(r), "unauthorized");
  HttpRequest req;
  EXPECT_EQ(call("GET", "/v1/flows").status, 200);
  token_ = "weft_wrong";
  EXPECT_EQ(call("GET", "/v1/flows").status, 401);
}

TEST_F(ApiFixture, UnknownPathsAndMethodsAnswer404And405) {
  EXPECT_EQ(call("GET", "/v1/nothing").status, 404);
  auto r = call("DELETE", "/v1/flows");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(error_code(r), "method_not_allowed");
  ASSERT_FALSE(r.headers.empty());
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(call("GET", "/hooks/x").status, 404);  // no webhook handler installed
  EXPECT_EQ(call("FOOBAR", "/v1/flows").status, 405);
  EXPECT_EQ(metrics_.value("weft_http_requests_total", {{"route", "other"}, {"method", "other"}, {"status", "405"}}), 1);
  EXPECT_EQ(metrics_.value("weft_webhook_requests_total", {{"path", "/hooks/{unknown}"}, {"method", "GET"}, {"status", "404"}}), 1);
}

TEST_F(ApiFixture, DeployRefusesBadSourceWith422AndDiagnostics) {
  auto r = call("POST", "/v1/modules", R"({"source":"flow broken( {"})");
  EXPECT_EQ(r.status, 422);
  auto v = body(r);
  EXPECT_EQ(v.at("error").at("code"), "compile_error");
  EXPECT_FALSE(v.at("error").at("diagnostics").as_array().empty());
  auto imp = call("POST", "/v1/modules", R"({"source":"import \"./x.flow\" as x\nflow f() { return 1 }"})");
  EXPECT_EQ(imp.status, 422);
  EXPECT_EQ(call("POST", "/v1/modules", R"({"source":1})").status, 400);
  EXPECT_EQ(call("POST", "/v1/modules", R"({"source":"","extra":1})").status, 400);
  EXPECT_EQ(call("POST", "/v1/modules", R"({"sour)").status, 400);
}

// A module that imports others brings them in `files`, keyed relative to its own directory (also
// up the tree); only those files are readable (nothing is read from the server's disk).
TEST_F(ApiFixture, DeployReadsImportsFromTheFilesSentWithTheModule) {
  const char* main = R"(import "./lib/types.flow" as types
import "../shared.flow" as shared
flow greet_typed(name: string) -> types.Greeting { return { text: shared.hello(name) } }
)";
  json::object files{{"lib/types.flow", "type Greeting { text: string }\n"},
                     {"../shared.flow", "fn hello(n: string) -> string = \"hello ${n}\"\n"}};
  auto ok = call("POST", "/v1/modules",
                 json::serialize(json::object{{"source", main}, {"name", "app/main.flow"}, {"files", files}}));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(body(ok).at("flows").at(0).at("name"), "greet_typed");

  files.erase("../shared.flow");
  auto missing = call("POST", "/v1/modules",
                      json::serialize(json::object{{"source", main}, {"name", "app/main.flow"}, {"files", files}}));
  ASSERT_EQ(missing.status, 422) << missing.body;
  EXPECT_NE(missing.body.find("shared.flow"), std::string::npos) << missing.body;
  // The server's own files are not readable through an import.
  auto disk = call("POST", "/v1/modules", json::serialize(json::object{
                                               {"source", "import \"/etc/hostname\" as h\nflow f() { return 1 }"}}));
  EXPECT_EQ(disk.status, 422);
  EXPECT_EQ(call("POST", "/v1/modules", R"({"source":"flow f() { return 1 }","files":{"a.flow":1}})").status, 400);
  EXPECT_EQ(call("POST", "/v1/modules", R"({"source":"flow f() { return 1 }","files":[]})").status, 400);
}

TEST_F(ApiFixture, DeployListAndGetFlows) {
  deploy();
  auto flows = body(call("GET", "/v1/flows"));
  ASSERT_EQ(flows.at("flows").as_array().size(), 2u);
  auto g = call("GET", "/v1/flows/greet");
  ASSERT_EQ(g.status, 200);
  auto params = body(g).at("params").as_array();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].at("name"), "name");
  EXPECT_EQ(params[0].at("required"), true);
  EXPECT_EQ(params[1].at("required"), false);
  EXPECT_EQ(call("GET", "/v1/flows/nope").status, 404);
}

TEST_F(ApiFixture, StartChecksInputAgainstDeclaredParams) {
  deploy();
  auto bad_type = call("POST", "/v1/flows/greet/executions", R"({"input":{"name":5}})");
  EXPECT_EQ(bad_type.status, 422);
  EXPECT_NE(bad_type.body.find("input.name"), std::string::npos);
  auto unknown = call("POST", "/v1/flows/greet/executions", R"({"input":{"name":"a","nme":1}})");
  EXPECT_EQ(unknown.status, 422);
  EXPECT_NE(unknown.body.find("nme"), std::string::npos);
  EXPECT_EQ(call("POST", "/v1/flows/greet/executions", R"({"input":{}})").status, 422);  // missing name
  EXPECT_EQ(call("POST", "/v1/flows/greet/executions", R"({"input":[1]})").status, 400);
  EXPECT_EQ(call("POST", "/v1/flows/greet/executions", R"({"inputs":{}})").status, 400);
  EXPECT_EQ(call("POST", "/v1/flows/greet/executions", R"({"input":{"name":"a"},"idempotency_key":7})").status, 400);
  EXPECT_EQ(call("POST", "/v1/flows/nope/executions", R"({"input":{}})").status, 404);
}

TEST_F(ApiFixture, StartRunsWithDefaultsAndIdempotencyKeyAnswersTheSameId) {
  deploy();
  auto r = call("POST", "/v1/flows/greet/executions", R"({"input":{"name":"ann"},"idempotency_key":"k1"})");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string id(body(r).at("id").as_string());
  auto again = call("POST", "/v1/flows/greet/executions", R"({"input":{"name":"ann"},"idempotency_key":"k1"})");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(body(again).at("id"), json::value(id));
  settle(200);
  auto e = body(call("GET", "/v1/executions/" + id));
  EXPECT_EQ(e.at("status"), "completed");
  EXPECT_EQ(e.at("output"), json::parse(R"({"text":"hello ann","times":2})"));
  EXPECT_EQ(metrics_.value("weft_executions_started_total", {{"flow", "greet"}}), 1);
  auto h = body(call("GET", "/v1/executions/" + id + "/history"));
  auto events = h.at("events").as_array();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.front().at("type"), "ExecutionStarted");
  EXPECT_EQ(events.front().at("seq"), 1);
  EXPECT_EQ(events.back().at("type"), "ExecutionCompleted");
  EXPECT_EQ(call("GET", "/v1/executions/01ZZZZZZZZZZZZZZZZZZZZZZZZ").status, 404);
  EXPECT_EQ(call("GET", "/v1/executions/nope/history").status, 404);
}

TEST_F(ApiFixture, ListFiltersAndPages) {
  deploy();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto r = call("POST", "/v1/flows/greet/executions", R"({"input":{"name":"x"}})");
    ASSERT_EQ(r.status, 201);
    ids.emplace_back(body(r).at("id").as_string());
  }
  settle(200);
  auto p1 = body(call("GET", "/v1/executions?flow=greet&limit=2"));
  ASSERT_EQ(p1.at("items").as_array().size(), 2u);
  EXPECT_EQ(p1.at("items").as_array()[0].at("id"), json::value(ids[2]));  // newest first
  ASSERT_TRUE(p1.at("next_cursor").is_string());
  auto p2 = body(call("GET", "/v1/executions?flow=greet&limit=2&cursor=" + std::string(p1.at("next_cursor").as_string())));
  ASSERT_EQ(p2.at("items").as_array().size(), 1u);
  EXPECT_EQ(p2.at("items").as_array()[0].at("id"), json::value(ids[0]));
  EXPECT_EQ(body(call("GET", "/v1/executions?status=running")).at("items").as_array().size(), 0u);
  EXPECT_EQ(body(call("GET", "/v1/executions?since=2000-01-01T00:00:00Z")).at("items").as_array().size(), 3u);
  EXPECT_EQ(body(call("GET", "/v1/executions?until=2000-01-01T00:00:00Z")).at("items").as_array().size(), 0u);
  EXPECT_EQ(call("GET", "/v1/executions?status=done").status, 400);
  EXPECT_EQ(call("GET", "/v1/executions?limit=0").status, 400);
  EXPECT_EQ(call("GET", "/v1/executions?limit=abc").status, 400);
  EXPECT_EQ(call("GET", "/v1/executions?since=yesterday").status, 400);
  EXPECT_EQ(call("GET", "/v1/executions?cursor=%%%").status, 400);
  EXPECT_EQ(call("GET", "/v1/executions?colour=red").status, 400);
}

TEST_F(ApiFixture, SignalAndCancel) {
  deploy();
  auto a = body(call("POST", "/v1/flows/waiter/executions", R"({"input":{"id":"a"}})"));
  auto b = body(call("POST", "/v1/flows/waiter/executions", R"({"input":{"id":"b"}})"));
  std::string ida(a.at("id").as_string()), idb(b.at("id").as_string());
  settle(100);
  EXPECT_EQ(call("POST", "/v1/executions/" + ida + "/signals/go", R"({"payload":{"ok":1}})").status, 202);
  EXPECT_EQ(call("POST", "/v1/executions/" + ida + "/signals/$cancel", "{}").status, 400);
  EXPECT_EQ(call("POST", "/v1/executions/" + ida + "/signals/go", R"({"payload":1,"x":2})").status, 400);
  EXPECT_EQ(call("POST", "/v1/executions/01ZZZZZZZZZZZZZZZZZZZZZZZZ/signals/go", "{}").status, 404);
  EXPECT_EQ(call("POST", "/v1/executions/" + idb + "/cancel").status, 202);
  settle(300);
  auto ea = body(call("GET", "/v1/executions/" + ida));
  EXPECT_EQ(ea.at("status"), "completed");
  EXPECT_EQ(ea.at("output"), json::parse(R"({"ok":1})"));
  EXPECT_EQ(body(call("GET", "/v1/executions/" + idb)).at("status"), "cancelled");
  EXPECT_EQ(call("POST", "/v1/executions/" + idb + "/cancel").status, 409);
  EXPECT_EQ(call("POST", "/v1/executions/" + ida + "/signals/go", "{}").status, 409);
}

TEST_F(ApiFixture, ReplayKeepsReceivedSignalsAndRefusesWhatItCannotDo) {
  const char* two = R"(
flow two() -> json {
  let a = wait signal "a"
  let b = wait signal "b"
  return [a, b]
}
)";
  ASSERT_EQ(call("POST", "/v1/modules", json::serialize(json::object{{"source", two}})).status, 200);
  std::string id(body(call("POST", "/v1/flows/two/executions", "{}")).at("id").as_string());
  settle(100);
  EXPECT_EQ(call("POST", "/v1/executions/" + id + "/replay", "{}").status, 409);  // still running
  EXPECT_EQ(call("POST", "/v1/executions/" + id + "/signals/a", R"({"payload":1})").status, 202);
  settle(100);
  EXPECT_EQ(call("POST", "/v1/executions/" + id + "/cancel").status, 202);
  settle(300);
  ASSERT_EQ(body(call("GET", "/v1/executions/" + id)).at("status"), "cancelled");
  uint64_t length = store_->get_execution(id)->history_length;

  EXPECT_EQ(call("POST", "/v1/executions/01ZZZZZZZZZZZZZZZZZZZZZZZZ/replay", "{}").status, 404);
  EXPECT_EQ(call("POST", "/v1/executions/" + id + "/replay", R"({"colour":"red"})").status, 400);
  auto bad_from = call("POST", "/v1/executions/" + id + "/replay", R"({"from":"nope"})");
  EXPECT_EQ(bad_from.status, 400);
  EXPECT_EQ(error_code(bad_from), "bad_replay");
  // A version whose first wait waits for another signal is incompatible: refused, nothing changes.
  std::string changed = std::string(two);
  changed.replace(changed.find("\"a\""), 3, "\"x\"");
  auto refused = call("POST", "/v1/executions/" + id + "/replay", json::serialize(json::object{{"source", changed}}));
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(error_code(refused), "incompatible");
  EXPECT_EQ(store_->get_execution(id)->history_length, length);
  EXPECT_EQ(call("POST", "/v1/executions/" + id + "/replay", R"({"source":"flow ("})").status, 422);

  // The fixed version may import files; they come with it, as with POST /v1/modules.
  std::string fixed = std::string("import \"./lib.flow\" as lib\n") + two;
  fixed.replace(fixed.find("return [a, b]"), 13, "return lib.pair(a, b)");
  json::object with_import{{"source", fixed}, {"reason", "cancelled by mistake"}};
  auto no_lib = call("POST", "/v1/executions/" + id + "/replay", json::serialize(with_import));
  EXPECT_EQ(no_lib.status, 422) << no_lib.body;
  with_import["files"] = json::object{{"lib.flow", "fn pair(a: json, b: json) -> json = [a, b]\n"}};
  auto ok = call("POST", "/v1/executions/" + id + "/replay", json::serialize(with_import));
  ASSERT_EQ(ok.status, 202) << ok.body;
  EXPECT_EQ(body(ok).at("status"), "running");
  settle(100);
  EXPECT_EQ(call("POST", "/v1/executions/" + id + "/signals/b", R"({"payload":2})").status, 202);
  settle(300);
  auto done = body(call("GET", "/v1/executions/" + id));
  EXPECT_EQ(done.at("status"), "completed") << json::serialize(done);
  EXPECT_EQ(done.at("output"), json::parse("[1,2]"));  // the signal received before stays received
}

TEST_F(ApiFixture, BulkReplayListsFirstThenReplays) {
  deploy();
  std::vector<std::string> ids;
  for (const char* who : {"a", "b"}) {
    ids.emplace_back(body(call("POST", "/v1/flows/waiter/executions", json::serialize(json::object{{"input", {{"id", who}}}}))).at("id").as_string());
  }
  settle(100);
  for (const auto& id : ids) EXPECT_EQ(call("POST", "/v1/executions/" + id + "/cancel").status, 202);
  settle(300);
  EXPECT_EQ(call("POST", "/v1/replays", R"({"flow":"waiter","status":"completed"})").status, 400);
  EXPECT_EQ(call("POST", "/v1/replays", R"({"flow":"waiter","status":"cancelled","since":"soon"})").status, 400);
  auto dry = body(call("POST", "/v1/replays", R"({"flow":"waiter","status":"cancelled","dry_run":true})"));
  ASSERT_EQ(dry.at("executions").as_array().size(), 2u);
  EXPECT_EQ(dry.at("executions").at(0).at("id"), json::value(ids[0]));  // oldest first
  EXPECT_EQ(dry.at("executions").at(0).at("replayed"), false);
  EXPECT_EQ(body(call("GET", "/v1/executions/" + ids[0])).at("status"), "cancelled");
  auto done = body(call("POST", "/v1/replays", R"({"flow":"waiter","status":"cancelled","since":"2000-01-01T00:00:00Z"})"));
  ASSERT_EQ(done.at("executions").as_array().size(), 2u);
  for (const auto& e : done.at("executions").as_array()) EXPECT_EQ(e.at("replayed"), true);
  settle(100);
  for (const auto& id : ids) EXPECT_EQ(body(call("GET", "/v1/executions/" + id)).at("status"), "running");
  EXPECT_EQ(body(call("POST", "/v1/replays", R"({"flow":"waiter","status":"cancelled"})")).at("executions").as_array().size(), 0u);
}

TEST_F(ApiFixture, EventsAreQueued) {
  EXPECT_EQ(call("POST", "/v1/events", R"({"type":"order.paid","data":{"n":1}})").status, 202);
  EXPECT_EQ(call("POST", "/v1/events", R"({"data":{}})").status, 400);
  EXPECT_EQ(call("POST", "/v1/events", R"({"type":""})").status, 400);
  auto q = store_->read_events(0, 0);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].type, "order.paid");
}

TEST_F(ApiFixture, SecretsAreWriteOnly) {
  ASSERT_EQ(call("PUT", "/v1/secrets/stripe_key", R"({"value":"sk_live_very_secret"})").status, 204);
  auto l = call("GET", "/v1/secrets");
  EXPECT_EQ(body(l).at("secrets"), json::parse(R"(["stripe_key"])"));
  EXPECT_EQ(call("GET", "/v1/secrets/stripe_key").status, 405);
  EXPECT_EQ(call("PUT", "/v1/secrets/bad%20name", R"({"value":"x"})").status, 400);
  EXPECT_EQ(call("PUT", "/v1/secrets/k", R"({"value":5})").status, 400);
  EXPECT_EQ(metrics_.render().find("sk_live_very_secret"), std::string::npos);
  EXPECT_EQ(metrics_.render().find(token_), std::string::npos);
  EXPECT_EQ(call("DELETE", "/v1/secrets/stripe_key").status, 204);
  EXPECT_EQ(call("DELETE", "/v1/secrets/stripe_key").status, 404);
}

TEST_F(ApiFixture, OverloadAnswers503WithRetryAfter) {
  api_.reset();
  ApiOptions o;
  o.max_in_flight = 0;
  o.data_dir = dir_.str();
  api_ = std::make_unique<Api>(*engine_, metrics_, o);
  deploy();
  auto r = call("POST", "/v1/flows/greet/executions", R"({"input":{"name":"x"}})");
  EXPECT_EQ(r.status, 503);
  ASSERT_FALSE(r.headers.empty());
  EXPECT_EQ(r.headers[0].first, "Retry-After");
}

TEST_F(ApiFixture, WithoutAuthRoutesAreOpen) {
  api_.reset();
  ApiOptions o;
  o.require_auth = false;
  api_ = std::make_unique<Api>(*engine_, metrics_, o);
  EXPECT_EQ(call("GET", "/v1/flows", "", false).status, 200);
}

// The OpenAPI description against real answers: every success body of the calls above fits its
// route's response schema, every error body fits the Error schema.
TEST_F(ApiFixture, ResponsesFitTheOpenApiDescription) {
  auto spec = Api::openapi();
  auto check = [&](const std::string& method, const std::string& pattern, const HttpResponse& r) {
    std::string m = method;
    for (auto& c : m) c = static_cast<char>(std::tolower(c));
    const auto& op = spec.at("paths").at(pattern).at(m);
    const auto& responses = op.at("responses").as_object();
    if (r.status >= 400) {
      auto err = validate_schema(responses.at("default").at("content").at("application/json").at("schema"),
                                 json::parse(r.body), "", &spec);
      EXPECT_FALSE(err) << pattern << ": " << *err;
      return;
    }
    ASSERT_TRUE(responses.contains(std::to_string(r.status))) << pattern << " " << r.status;
    const auto& resp = responses.at(std::to_string(r.status)).as_object();
    if (!resp.contains("content") || !resp.at("content").as_object().contains("application/json")) return;
    auto err = validate_schema(resp.at("content").at("application/json").at("schema"), json::parse(r.body), "", &spec);
    EXPECT_FALSE(err) << pattern << ": " << *err;
  };
  check("GET", "/healthz", call("GET", "/healthz"));
  check("POST", "/v1/modules", call("POST", "/v1/modules", json::serialize(json::object{{"source", kModule}})));
  check("POST", "/v1/modules", call("POST", "/v1/modules", R"({"source":"flow ("})"));
  check("GET", "/v1/flows", call("GET", "/v1/flows"));
  check("GET", "/v1/flows/{flow}", call("GET", "/v1/flows/greet"));
  std::string greet_version(body(call("GET", "/v1/flows/greet")).at("version").as_string());
  check("GET", "/v1/flows/{flow}/versions/{version}/graph",
        call("GET", "/v1/flows/greet/versions/" + greet_version + "/graph"));
  auto started = call("POST", "/v1/flows/greet/executions", R"({"input":{"name":"z"},"idempotency_key":"q"})");
  check("POST", "/v1/flows/{flow}/executions", started);
  check("POST", "/v1/flows/{flow}/executions", call("POST", "/v1/flows/greet/executions", R"({"input":{"name":"z"},"idempotency_key":"q"})"));
  settle(100);
  std::string id(body(started).at("id").as_string());
  check("GET", "/v1/executions", call("GET", "/v1/executions"));
  check("GET", "/v1/executions/{id}", call("GET", "/v1/executions/" + id));
  check("GET", "/v1/executions/{id}/history", call("GET", "/v1/executions/" + id + "/history"));
  auto w = body(call("POST", "/v1/flows/waiter/executions", R"({"input":{"id":"w"}})"));
  std::string wid(w.at("id").as_string());
  check("POST", "/v1/executions/{id}/signals/{name}", call("POST", "/v1/executions/" + wid + "/signals/go", "{}"));
  check("POST", "/v1/executions/{id}/cancel", call("POST", "/v1/executions/" + id + "/cancel"));
  check("POST", "/v1/executions/{id}/cancel", call("POST", "/v1/executions/" + wid + "/cancel"));
  settle(200);
  check("POST", "/v1/executions/{id}/replay", call("POST", "/v1/executions/" + wid + "/replay", "{}"));
  check("POST", "/v1/executions/{id}/replay", call("POST", "/v1/executions/" + id + "/replay", "{}"));
  check("POST", "/v1/replays", call("POST", "/v1/replays", R"({"flow":"waiter","status":"failed","dry_run":true})"));
  check("POST", "/v1/events", call("POST", "/v1/events", R"({"type":"t"})"));
  check("GET", "/v1/secrets", call("GET", "/v1/secrets"));
  check("GET", "/v1/openapi.json", call("GET", "/v1/openapi.json"));
  // Every route of the table is in the description.
  for (const auto& r : Api::routes()) EXPECT_TRUE(spec.at("paths").as_object().contains(r.pattern)) << r.pattern;
}


// The sweep honours `options { retention }` of the version an execution ran on, falls back to
// the default for versions without it, and counts what it deleted per flow.
TEST_F(ApiFixture, RetentionSweepHonoursEachFlowVersionsOption) {
  constexpr const char* kRetained = R"(
flow short_lived(n: int) -> int {
  options { retention: 1h }
  return n
}

flow plain(n: int) -> int {
  return n
}
)";
  auto r = call("POST", "/v1/modules", json::serialize(json::object{{"source", kRetained}, {"name", "r.flow"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> short_ids, plain_ids;
  for (int i = 0; i < 3; ++i) {
    auto s = call("POST", "/v1/flows/short_lived/executions", R"({"input":{"n":1}})");
    ASSERT_EQ(s.status, 201) << s.body;
    short_ids.emplace_back(body(s).at("id").as_string());
    auto p = call("POST", "/v1/flows/plain/executions", R"({"input":{"n":1}})");
    ASSERT_EQ(p.status, 201) << p.body;
    plain_ids.emplace_back(body(p).at("id").as_string());
  }
  settle(300);
  for (const auto& id : short_ids) ASSERT_EQ(store_->get_execution(id)->status, store::ExecutionStatus::completed);
  int64_t now = engine_->now();
  RetentionPolicy policy(*store_, 24 * 3'600'000LL);  // default: 1 day
  auto lf = engine_->version(store_->get_flow("short_lived")->deployed_hash, "short_lived");
  EXPECT_EQ(policy.of(lf->version, "short_lived"), 3'600'000);
  // After 30 minutes nothing has expired.
  std::map<std::string, std::size_t> swept;
  EXPECT_EQ(sweep_by_policy(*store_, policy, now + 1'800'000, 1000, &swept), 0u);
  // After 2 hours the 1h flow's executions go, the others (default 1 day) stay.
  EXPECT_EQ(sweep_by_policy(*store_, policy, now + 2 * 3'600'000LL, 1000, &swept), 3u);
  EXPECT_EQ(swept, (std::map<std::string, std::size_t>{{"short_lived", 3}}));
  for (const auto& id : short_ids) EXPECT_FALSE(store_->get_execution(id));
  for (const auto& id : plain_ids) EXPECT_TRUE(store_->get_execution(id));
  // With no default (keep forever) the others stay for good; the sweeper thread counts by flow.
  RetentionPolicy keep(*store_, 0);
  EXPECT_EQ(sweep_by_policy(*store_, keep, now + 400LL * 86'400'000, 1000), 0u);
  RetentionSweeper sweeper(*store_, metrics_, 24 * 3'600'000LL, 60000, [&] { return now + 2 * 86'400'000LL; });
  sweeper.start();
  for (int i = 0; i < 500 && metrics_.value("weft_executions_swept_total", {{"flow", "plain"}}) < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  sweeper.stop();
  EXPECT_EQ(metrics_.value("weft_executions_swept_total", {{"flow", "plain"}}), 3);
  for (const auto& id : plain_ids) EXPECT_FALSE(store_->get_execution(id));
  EXPECT_NE(metrics_.render().find("weft_executions_swept_total{flow=\"plain\"} 3"), std::string::npos);
}


// /metrics reads, at scrape time, the circuit breaker of every connection the engine made (by
// flow version and name: 0 closed, 1 half-open, 2 open), the running executions and the age of
// the oldest one.
TEST_F(ApiFixture, MetricsShowBreakerStatesAndRunningExecutions) {
  auto fake = std::make_shared<connectors::FakeConnection>();
  connectors::Response ok;
  ok.status = 200;
  fake->on("GET", "/ping", {ok});
  api_.reset();
  engine_->shutdown();
  io_.restart();
  io_.poll();
  runtime::EngineOptions eo;
  eo.connections = [fake](const ir::Connection&, const json::value&, std::string&) {
    return std::static_pointer_cast<connectors::Connection>(fake);
  };
  // The engine's clock runs an hour ahead of the wall clock that stamps execution ids.
  eo.clock = [] { return store::now_ms() + 3'600'000; };
  engine_ = std::make_unique<runtime::Engine>(io_, *store_, eo);
  engine_->recover();
  ApiOptions o;
  o.data_dir = dir_.str();
  api_ = std::make_unique<Api>(*engine_, metrics_, o);
  constexpr const char* kCalls = R"(
connection crm = http { base_url: "http://127.0.0.1:1" }

flow pinger(n: int) -> json {
  step p = crm.get("/ping")
  let got = wait signal "go"
  return got
}
)";
  auto d = call("POST", "/v1/modules", json::serialize(json::object{{"source", kCalls}, {"name", "c.flow"}}));
  ASSERT_EQ(d.status, 200) << d.body;
  auto text = call("GET", "/metrics").body;
  EXPECT_NE(text.find("weft_executions_running 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("weft_oldest_running_execution_age_seconds 0\n"), std::string::npos) << text;
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    auto r = call("POST", "/v1/flows/pinger/executions", R"({"input":{"n":1}})");
    ASSERT_EQ(r.status, 201) << r.body;
    ids.emplace_back(body(r).at("id").as_string());
  }
  settle(300);
  ASSERT_EQ(fake->calls().size(), 2u);
  std::string version = store_->get_flow("pinger")->deployed_hash;
  Labels crm{{"version", version}, {"connection", "crm"}};
  fake->set_breaker(connectors::BreakerState::open);
  text = call("GET", "/metrics").body;
  EXPECT_NE(text.find("weft_circuit_breaker_state{version=\"" + version + "\",connection=\"crm\"} 2"),
            std::string::npos) << text;
  fake->set_breaker(connectors::BreakerState::half_open);
  call("GET", "/metrics");
  EXPECT_EQ(metrics_.value("weft_circuit_breaker_state", crm), 1);
  fake->set_breaker(connectors::BreakerState::closed);
  call("GET", "/metrics");
  EXPECT_EQ(metrics_.value("weft_circuit_breaker_state", crm), 0);
  EXPECT_EQ(metrics_.value("weft_executions_running"), 2);
  double age = metrics_.value("weft_oldest_running_execution_age_seconds");
  EXPECT_GE(age, 3599);
  EXPECT_LT(age, 3700);
  for (const auto& id : ids) EXPECT_EQ(call("POST", "/v1/executions/" + id + "/signals/go", "{}").status, 202);
  settle(300);
  call("GET", "/metrics");
  EXPECT_EQ(metrics_.value("weft_executions_running"), 0);
  EXPECT_EQ(metrics_.value("weft_oldest_running_execution_age_seconds"), 0);
}

// The console's assets go through the same handler: no token needed, metrics under one label.
TEST_F(ApiFixture, ConsoleIsServedWithoutTokenUnderUi) {
  auto r = call("GET", "/ui", "", false);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(call("GET", "/ui/js/app.js", "", false).content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(call("GET", "/ui/missing.js", "", false).status, 404);
  EXPECT_EQ(metrics_.value("weft_http_requests_total", {{"route", "/ui"}, {"method", "GET"}, {"status", "200"}}), 2);
}

// GET /v1/flows/{flow}/versions/{version}/graph: the IR's nodes (named as history names steps)
// and edges; unknown flows and versions are 404. A schedule trigger shows its next fire time.
TEST_F(ApiFixture, FlowVersionGraphAndScheduleNextFire) {
  constexpr const char* src = R"(
connection c = http { base_url: "http://127.0.0.1:9" }
flow g(x: int) -> json {
  on schedule "0 3 * * *" { timezone: "Europe/Berlin", input: { x: 1 } }
  step a = c.get<json>("/a")
  if x > 1 {
    step b = c.get<json>("/b")
  }
  return a.body
}
)";
  auto d = call("POST", "/v1/modules", json::serialize(json::object{{"source", src}}));
  ASSERT_EQ(d.status, 200) << d.body;
  std::string version(body(d).at("flows").at(0).at("version").as_string());
  auto r = call("GET", "/v1/flows/g/versions/" + version + "/graph");
  ASSERT_EQ(r.status, 200) << r.body;
  auto g = body(r);
  EXPECT_EQ(g.at("flow"), "g");
  EXPECT_EQ(g.at("version").as_string(), version);
  std::set<std::string> steps, ids;
  for (const auto& n : g.at("nodes").as_array()) {
    ids.insert(std::string(n.at("id").as_string()));
    if (n.at("step").is_string()) steps.insert(std::string(n.at("step").as_string()));
  }
  EXPECT_TRUE(steps.count("a") && steps.count("b")) << r.body;
  for (const auto& e : g.at("edges").as_array()) {
    EXPECT_TRUE(ids.count(std::string(e.at("from").as_string()))) << e;
    EXPECT_TRUE(ids.count(std::string(e.at("to").as_string()))) << e;
  }
  EXPECT_EQ(call("GET", "/v1/flows/g/versions/0000/graph").status, 404);
  EXPECT_EQ(call("GET", "/v1/flows/nope/versions/" + version + "/graph").status, 404);
  EXPECT_EQ(call("GET", "/v1/flows/g/versions/" + version + "/graph", "", false).status, 401);
  auto trig = body(call("GET", "/v1/flows/g")).at("triggers").at(0);
  EXPECT_EQ(trig.at("kind"), "schedule");
  EXPECT_EQ(trig.at("timezone"), "Europe/Berlin");
  auto next = functions::parse_rfc3339(trig.at("next_fire_at").as_string());
  ASSERT_TRUE(next);
  EXPECT_GT(*next, engine_->now());
  EXPECT_LE(*next, engine_->now() + 25 * 3600 * 1000);
}

}  // namespace
}  // namespace weft::server
