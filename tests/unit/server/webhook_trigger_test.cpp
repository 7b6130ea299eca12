// Webhook triggers driven through TriggerManager::handle_webhook on a real engine and store:
// routing, method check, verification (nothing starts on 401), body parsing, the input mapping,
// delivery-id dedup, and the async and sync respond modes.
#include <gtest/gtest.h>

#include "server/webhook_verify.h"
#include "stdlib/functions/encoding.h"
#include "trigger_fixture.h"

namespace weft::server {
namespace {
using testing::TriggerFixture;
namespace json = boost::json;

const char* kFlows = R"(
type Contact { id: string, email: string }

flow on_contact(contact: Contact, source: string) -> json {
  on webhook "/crm/contacts" {
    verify: hmac_sha256(header: "X-Hub-Signature-256", secret: secret("hook"), prefix: "sha256=")
    input: { contact: body.contact, source: headers["x-source"] ?? query.from ?? "none" }
  }
  return { id: contact.id, source: source }
}

flow std_hook(event: json) -> json {
  on webhook "/std" {
    verify: standard_webhooks(secret("std"))
    input: { event: body }
  }
  return event
}

flow bearer_hook(n: int) -> json {
  on webhook "/put" {
    method: "PUT"
    verify: bearer(secret("tok"))
    input: { n: query.n == "1" ? 1 : 2 }
    respond: "sync"
  }
  if n == 2 {
    fail "two is not allowed" with { code: "two" }
  }
  return { doubled: n * 2 }
}

flow waits(x: json) -> json {
  on webhook "/slow" { respond: "sync", input: { x: raw_body } }
  let s = wait signal "go"
  return s
}
)";

std::string sign(const std::string& body) {
  return "sha256=" + functions::hex_encode(functions::hmac_sha256_raw("It's a Secret to Everybody", body));
}

HttpRequest post(const std::string& path, const std::string& body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpRequest r;
  r.method = "POST";
  r.path = path;
  r.body = body;
  r.headers = std::move(headers);
  r.headers.emplace_back("content-type", "application/json");
  return r;
}

json::value body_of(const HttpResponse& r) { return json::parse(r.body); }

class WebhookTrigger : public ::testing::Test {
 protected:
  void SetUp() override {
    fx.secrets["std"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    fx.secrets["tok"] = "t0k";
    fx.deploy(kFlows);
  }
  TriggerFixture fx{[] {
    TriggerOptions o;
    o.sync_timeout_ms = 300;
    return o;
  }()};
};

TEST_F(WebhookTrigger, SignedDeliveryStartsOneDurableExecution) {
  std::string body = R"({"contact":{"id":"42","email":"a@b.c"}})";
  auto req = post("/hooks/crm/contacts", body, {{"x-hub-signature-256", sign(body)}, {"x-source", "crm"}});
  auto r = fx.call(req);
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id(body_of(r).at("execution_id").as_string());
  // The 202 came after the start was durable: the record is in the store already.
  auto rec = fx.store().get_execution(id);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->flow, "on_contact");
  EXPECT_EQ(json::serialize(rec->input), R"({"contact":{"id":"42","email":"a@b.c"},"source":"crm"})");
  fx.settle();
  rec = fx.store().get_execution(id);
  EXPECT_EQ(rec->status, store::ExecutionStatus::completed);
  EXPECT_EQ(json::serialize(rec->output), R"({"id":"42","source":"crm"})");
  // Query parameters are in scope; the path may be given without /hooks.
  req = post("/crm/contacts", body, {{"x-hub-signature-256", sign(body)}});
  req.query = {{"from", "q"}};
  r = fx.call(req);
  ASSERT_EQ(r.status, 202) << r.body;
  auto rec2 = fx.store().get_execution(std::string(body_of(r).at("execution_id").as_string()));
  EXPECT_EQ(rec2->input.at("source"), "q");
  // hmac_sha256 has no delivery id: a second delivery is a second execution.
  EXPECT_EQ(fx.executions().size(), 2u);
}

TEST_F(WebhookTrigger, RefusedRequestsStartNothing) {
  std::string body = R"({"contact":{"id":"42","email":"a@b.c"}})";
  auto r = fx.call(post("/hooks/nope", body));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(body_of(r).at("error").at("code"), "not_found");

  auto get = post("/hooks/crm/contacts", body, {{"x-hub-signature-256", sign(body)}});
  get.method = "GET";
  r = fx.call(get);
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Allow", "POST"}));

  r = fx.call(post("/hooks/crm/contacts", body, {{"x-hub-signature-256", sign(body + " ")}}));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(body_of(r).at("error").at("code"), "unauthorized");
  EXPECT_EQ(r.body.find(sign(body + " ")), std::string::npos);  // the signature is not echoed
  r = fx.call(post("/hooks/crm/contacts", body));
  EXPECT_EQ(r.status, 401);

  std::string bad = R"({"contact": )";
  r = fx.call(post("/hooks/crm/contacts", bad, {{"x-hub-signature-256", sign(bad)}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r).at("error").at("code"), "invalid_json");

  // The input mapping fails on a body of the wrong shape (body.contact of null).
  std::string list = "null";
  r = fx.call(post("/hooks/crm/contacts", list, {{"x-hub-signature-256", sign(list)}}));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(body_of(r).at("error").at("code"), "invalid_input");

  // The mapped input does not fit the flow's parameters.
  std::string wrong = R"({"contact":{"id":42}})";
  r = fx.call(post("/hooks/crm/contacts", wrong, {{"x-hub-signature-256", sign(wrong)}}));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(body_of(r).at("error").at("message").as_string().find("contact.id"), std::string::npos) << r.body;

  fx.run_for(50);
  EXPECT_TRUE(fx.executions().empty());
}

TEST_F(WebhookTrigger, StandardWebhooksReplayAnswersTheSameExecution) {
  // The published vector, with the clock at its timestamp.
  fx.now = int64_t(1614265330) * 1000;
  auto req = post("/hooks/std", R"({"test": 2432232314})",
                  {{"webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"},
                   {"webhook-timestamp", "1614265330"},
                   {"webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}});
  auto first = fx.call(req);
  ASSERT_EQ(first.status, 202) << first.body;
  auto again = fx.call(req);
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(body_of(first).at("execution_id"), body_of(again).at("execution_id"));
  fx.settle();
  ASSERT_EQ(fx.executions().size(), 1u);
  EXPECT_EQ(json::serialize(fx.executions()[0].output), R"({"test":2432232314})");
  // The sender redelivers two days later (a new timestamp and signature, the same webhook-id):
  // still the same execution, long after the engine's 24-hour idempotency window.
  {
    int64_t later = int64_t(1614265330) + 2 * 24 * 3600;
    auto redelivery = req;
    std::string ts = std::to_string(later);
    std::string key = *functions::base64_decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    redelivery.headers[1].second = ts;
    redelivery.headers[2].second =
        "v1," + functions::base64_encode(functions::hmac_sha256_raw(key, "msg_p5jXN8AQM9LWM0D4loKWxJek." + ts + "." + req.body));
    fx.now = later * 1000;
    auto r = fx.call(redelivery);
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(body_of(r).at("execution_id"), body_of(first).at("execution_id"));
    fx.now = int64_t(1614265330) * 1000;
  }
  // Ten minutes later the same delivery is refused as too old.
  fx.now += 10 * 60 * 1000;
  auto late = fx.call(req);
  EXPECT_EQ(late.status, 401);
  EXPECT_NE(late.body.find("too old"), std::string::npos);
  // Ten minutes early: in the future.
  fx.now -= 20 * 60 * 1000;
  EXPECT_EQ(fx.call(req).status, 401);
  EXPECT_EQ(fx.executions().size(), 1u);
}

TEST_F(WebhookTrigger, SyncAnswersTheOutputOrTheError) {
  HttpRequest req;
  req.method = "PUT";
  req.path = "/hooks/put";
  req.headers = {{"authorization", "Bearer t0k"}};
  req.query = {{"n", "1"}};
  auto r = fx.call(req);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"doubled":2})");
  ASSERT_FALSE(r.headers.empty());
  EXPECT_EQ(r.headers[0].first, "Weft-Execution-Id");

  req.query = {{"n", "2"}};
  r = fx.call(req);
  EXPECT_EQ(r.status, 500) << r.body;
  auto e = body_of(r).at("error");
  EXPECT_EQ(e.at("code"), "execution_failed");
  EXPECT_EQ(e.at("message"), "two is not allowed");
  EXPECT_TRUE(e.as_object().contains("execution_id"));

  req.headers = {{"authorization", "Bearer nope"}};
  EXPECT_EQ(fx.call(req).status, 401);
}

TEST_F(WebhookTrigger, SyncTimesOutWith504AndTheExecutionGoesOn) {
  auto r = fx.call(post("/hooks/slow", "plain text"));
  ASSERT_EQ(r.status, 504) << r.body;
  std::string id(body_of(r).at("error").at("execution_id").as_string());
  auto rec = fx.store().get_execution(id);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->status, store::ExecutionStatus::running);
  EXPECT_EQ(rec->input.at("x"), "plain text");  // raw_body
}

TEST(WebhookTriggerDefaults, WithoutInputTheBodyIsTheInput) {
  TriggerFixture fx;
  fx.deploy(R"(
flow plain(a: int) -> int {
  on webhook "/plain" {}
  return a + 1
}
)");
  HttpRequest req;
  req.method = "POST";
  req.path = "/hooks/plain";
  req.body = R"({"a": 41})";  // no content type: a body that looks like JSON is parsed
  auto r = fx.call(req);
  ASSERT_EQ(r.status, 202) << r.body;
  fx.settle();
  EXPECT_EQ(json::serialize(fx.executions()[0].output), "42");
  req.body = R"({"a": "x"})";
  EXPECT_EQ(fx.call(req).status, 422);
  req.body = "{";
  EXPECT_EQ(fx.call(req).status, 400);
}

TEST_F(WebhookTrigger, AMissingSecretIsAServerErrorAndStartsNothing) {
  fx.secrets.erase("tok");
  HttpRequest req;
  req.method = "PUT";
  req.path = "/hooks/put";
  req.headers = {{"authorization", "Bearer t0k"}};
  auto r = fx.call(req);
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_EQ(body_of(r).at("error").at("code"), "verify_unavailable");
  fx.run_for(50);
  EXPECT_TRUE(fx.executions().empty());
}

TEST_F(WebhookTrigger, StopAnswersWaitingSyncRequests) {
  std::optional<HttpResponse> got;
  fx.manager().handle_webhook(post("/hooks/slow", "x"), [&](HttpResponse r) { got = std::move(r); });
  fx.run_until([&] { return !fx.executions().empty(); }, 5000);
  fx.run_for(20);
  EXPECT_FALSE(got);
  fx.manager().stop();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 503);
  EXPECT_EQ(fx.call(post("/hooks/slow", "x")).status, 503);  // stopped: nothing new starts
  EXPECT_EQ(fx.executions().size(), 1u);
}

TEST(WebhookTriggerDefaults, FormBodiesAreDecoded) {
  TriggerFixture fx;
  fx.deploy(R"(
flow slash(text: string, user: string) -> string {
  on webhook "/slack" { input: { text: body.text, user: body.user_name } }
  return user + ": " + text
}
)");
  HttpRequest req;
  req.method = "POST";
  req.path = "/hooks/slack";
  req.headers = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  req.body = "user_name=ada&text=deploy+now%21&user_name=eve";
  auto r = fx.call(req);
  ASSERT_EQ(r.status, 202) << r.body;
  fx.settle();
  EXPECT_EQ(json::serialize(fx.executions()[0].output), R"("ada: deploy now!")");
  req.body = "text=%zz";
  r = fx.call(req);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(body_of(r).at("error").at("code"), "invalid_form");
}

TEST_F(WebhookTrigger, RoutesAreListedAndRedeployReplacesThem) {
  auto routes = fx.manager().webhooks();
  ASSERT_EQ(routes.size(), 4u);
  EXPECT_EQ(routes[0].path, "/crm/contacts");
  EXPECT_EQ(routes[0].method, "POST");
  EXPECT_EQ(routes[1].path, "/put");
  EXPECT_EQ(routes[1].method, "PUT");
  // A redeploy without the webhook removes its route: 404 from then on.
  fx.deploy("flow on_contact(x: json) -> json {\n  return x\n}\n");
  EXPECT_EQ(fx.manager().webhooks().size(), 3u);
  EXPECT_EQ(fx.call(post("/hooks/crm/contacts", "{}")).status, 404);
}

TEST(WebhookTriggerPause, SyncAnswersAPausedExecution) {
  TriggerFixture fx;
  fx.deploy(R"(
connection api = http { base_url: "http://127.0.0.1:1" }

flow push(n: int) -> json {
  on webhook "/push" { respond: "sync" }
  options { on_exhausted: "pause" }
  step sent = api.post("/items", body: { n: n }) retry { attempts: 1 }
  return sent.body
}
)");
  fx.fake("api")->on("POST", "/items", {runtime::testing::ok(503, json::object{})});
  HttpRequest req;
  req.method = "POST";
  req.path = "/hooks/push";
  req.body = R"({"n": 1})";
  auto r = fx.call(req);
  ASSERT_EQ(r.status, 500) << r.body;
  auto e = json::parse(r.body).at("error");
  EXPECT_EQ(e.at("code"), "execution_paused");
  std::string id(e.at("execution_id").as_string());
  auto rec = fx.store().get_execution(id);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->status, store::ExecutionStatus::paused);
}

}  // namespace
}  // namespace weft::server
