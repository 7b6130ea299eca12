// End to end through the real `weft` binary: every auth kind, retries, failures, and that no
// secret value leaks to the output or to the data directory.
#include <gtest/gtest.h>

#include <filesystem>

#include <boost/json.hpp>

#include "engine/store/execution_store.h"
#include "tests/e2e/engine/process.h"
#include "tests/e2e/engine/test_server.h"

namespace weft::e2e {
namespace {
namespace json = boost::json;
namespace fs = std::filesystem;

// Distinctive secret values: none of them may appear anywhere but on the wire.
const std::string kPassword = "pw-Q7v2-basic-secret";
const std::string kBearer = "tok-8HkM-bearer-secret";
const std::string kHeaderKey = "key-Zr51-header-secret";
const std::string kQueryKey = "key-Lp09-query-secret";
const std::string kClientSecret = "cs-Wn3x-oauth-secret";
const std::string kAccessToken = "at-Yb6e-issued-token";

const char* kAuthFlow = R"FLOW(
connection c_none = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
  auth: none()
}
connection c_basic = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
  auth: basic("alice", secret("basic_pw"))
}
connection c_bearer = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
  auth: bearer(secret("bearer_tok"))
}
connection c_header = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
  auth: api_key(header: "X-Api-Key", value: secret("header_key"))
}
connection c_query = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
  auth: api_key(query: "api_key", value: secret("query_key"))
}
connection c_oauth = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
  auth: oauth2_client_credentials(
    token_url: env("TOKEN_URL") ?? "http://127.0.0.1:1/oauth/token",
    client_id: "weft-client",
    client_secret: secret("oauth_cs"),
    scopes: ["contacts.read", "contacts.write"])
}
connection flaky = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
  retry: { attempts: 4, backoff: fixed(50ms) }
}

flow use_none() -> json {
  step r = c_none.get("/none", query: { page: 2 })
  return r.body
}
flow use_basic() -> json {
  step r = c_basic.get("/basic")
  return r.body
}
flow use_bearer() -> json {
  step r = c_bearer.post("/bearer", body: { hello: "world" })
  return r.body
}
flow use_header() -> json {
  step r = c_header.get("/header")
  return r.body
}
flow use_query() -> json {
  step r = c_query.get("/query", query: { q: "x y" })
  return r.body
}
flow use_oauth() -> json {
  step first = c_oauth.get("/oauth/one")
  step second = c_oauth.get("/oauth/two")
  return { one: first.body, two: second.body }
}
flow echoed() -> json {
  step r = c_header.get("/echo")
  return r.body
}
flow retried() -> json {
  step r = flaky.post("/flaky", body: { n: 1 })
  return r.body
}
flow rejected() -> json {
  step r = flaky.post("/bad", body: { n: 2 })
  return r.body
}
)FLOW";

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

class AuthE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    dir_ = make_temp_dir("auth");
    data_ = dir_ + "/data";
    write_all(dir_ + "/auth.flow", kAuthFlow);
    const std::pair<const char*, const std::string*> secrets[] = {
        {"basic_pw", &kPassword}, {"bearer_tok", &kBearer}, {"header_key", &kHeaderKey},
        {"query_key", &kQueryKey}, {"oauth_cs", &kClientSecret}};
    for (const auto& [name, value] : secrets) {
      auto r = weft({"secret", "set", name, "--data", data_}, *value + "\n", std::string("secret-") + name);
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    server_->handle("/oauth/token", [](const RecordedRequest&) {
      return Answer{200, R"({"access_token":")" + kAccessToken + R"(","token_type":"Bearer","expires_in":3600})"};
    });
    for (const char* p : {"/none", "/basic", "/bearer", "/header", "/query", "/oauth/one", "/oauth/two"})
      server_->script(p, {Answer{200, std::string(R"({"path":")") + p + "\"}"}});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static ProcResult weft(std::vector<std::string> args, const std::string& in, const std::string& tag) {
    args.insert(args.begin(), weft_binary());
    ProcResult r = run(args, {{"API_URL", server_->url()}, {"TOKEN_URL", server_->url() + "/oauth/token"}}, in,
                       dir_ + "/" + tag);
    all_output_ += r.out + r.err;
    return r;
  }
  static ProcResult run_flow(const std::string& flow) {
    return weft({"run", dir_ + "/auth.flow", "--flow", flow, "--data", data_}, "", "run-" + flow);
  }
  static json::value output(const ProcResult& r) {
    boost::system::error_code ec;
    auto v = json::parse(r.out, ec);
    return ec ? json::value(nullptr) : v;
  }

  static inline TestServer* server_ = nullptr;
  static inline std::string dir_, data_, all_output_;
};

TEST_F(AuthE2E, NoneSendsNoCredentials) {
  auto r = run_flow("use_none");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(output(r), json::parse(R"({"path":"/none"})"));
  auto reqs = server_->requests("/none");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].query, "page=2");
  EXPECT_EQ(reqs[0].header("authorization"), "");
  EXPECT_EQ(reqs[0].header("x-api-key"), "");
}

TEST_F(AuthE2E, BasicSendsUserAndPassword) {
  auto r = run_flow("use_basic");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto reqs = server_->requests("/basic");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].header("authorization"), "Basic " + base64("alice:" + kPassword));
  EXPECT_EQ(reqs[0].query, "");
}

TEST_F(AuthE2E, BearerSendsTheToken) {
  auto r = run_flow("use_bearer");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto reqs = server_->requests("/bearer");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].header("authorization"), "Bearer " + kBearer);
  EXPECT_EQ(json::parse(reqs[0].body), json::parse(R"({"hello":"world"})"));
  EXPECT_NE(reqs[0].header("content-type").find("application/json"), std::string::npos);
  // A POST carries the step's idempotency key: "<execution id>/<step>".
  auto key = reqs[0].header("idempotency-key");
  EXPECT_GT(key.size(), 2u);
  EXPECT_EQ(key.substr(key.size() - 2), "/r");
}

TEST_F(AuthE2E, ApiKeyInHeader) {
  auto r = run_flow("use_header");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto reqs = server_->requests("/header");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].header("x-api-key"), kHeaderKey);
  EXPECT_EQ(reqs[0].header("authorization"), "");
  EXPECT_EQ(reqs[0].query, "");
}

TEST_F(AuthE2E, ApiKeyInQuery) {
  auto r = run_flow("use_query");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto reqs = server_->requests("/query");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].header("authorization"), "");
  // Both parameters, URL-encoded, in some order.
  std::string q = reqs[0].query;
  EXPECT_NE(q.find("api_key=" + kQueryKey), std::string::npos) << q;
  EXPECT_TRUE(q.find("q=x%20y") != std::string::npos || q.find("q=x+y") != std::string::npos) << q;
}

TEST_F(AuthE2E, OAuth2ClientCredentialsFetchesOneTokenAndUsesIt) {
  auto r = run_flow("use_oauth");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(output(r), json::parse(R"({"one":{"path":"/oauth/one"},"two":{"path":"/oauth/two"}})"));
  auto tok = server_->requests("/oauth/token");
  ASSERT_EQ(tok.size(), 1u) << "the token is cached between steps";
  EXPECT_EQ(tok[0].method, "POST");
  EXPECT_EQ(tok[0].header("authorization"), "Basic " + base64("weft-client:" + kClientSecret));
  EXPECT_NE(tok[0].header("content-type").find("application/x-www-form-urlencoded"), std::string::npos);
  EXPECT_NE(tok[0].body.find("grant_type=client_credentials"), std::string::npos) << tok[0].body;
  EXPECT_NE(tok[0].body.find("scope=contacts.read"), std::string::npos) << tok[0].body;
  for (const char* p : {"/oauth/one", "/oauth/two"}) {
    auto reqs = server_->requests(p);
    ASSERT_EQ(reqs.size(), 1u) << p;
    EXPECT_EQ(reqs[0].header("authorization"), "Bearer " + kAccessToken) << p;
    EXPECT_GT(reqs[0].seq, tok[0].seq);
  }
}

TEST_F(AuthE2E, ServerErrorsAreRetriedWithTheSameKeyUntilSuccess) {
  server_->script("/flaky", {Answer{500, R"({"e":1})"}, Answer{500, R"({"e":2})"}, Answer{200, R"({"ok":true})"}});
  auto r = run_flow("retried");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(output(r), json::parse(R"({"ok":true})"));
  auto reqs = server_->requests("/flaky");
  ASSERT_EQ(reqs.size(), 3u);
  std::string key = reqs[0].header("idempotency-key");
  EXPECT_FALSE(key.empty());
  for (const auto& q : reqs) EXPECT_EQ(q.header("idempotency-key"), key);
  // fixed(50ms) between attempts (a lower bound only).
  EXPECT_GE(reqs[1].at_ms - reqs[0].at_ms, 45);
  EXPECT_GE(reqs[2].at_ms - reqs[1].at_ms, 45);
  EXPECT_EQ(server_->idempotency_counts()[key], 3);

  // The history tells the same story.
  std::string id = key.substr(0, key.find('/'));
  store::StoreOptions so;
  so.path = data_;
  auto st = store::open_execution_store(so);
  ASSERT_TRUE(st.ok()) << st.status().to_string();
  std::vector<std::string> types;
  for (const auto& e : (*st)->history(id)) types.push_back(e.type);
  std::vector<std::string> want = {"ExecutionStarted", "StepScheduled", "StepRetrying", "StepScheduled",
                                   "StepRetrying",     "StepScheduled", "StepCompleted", "ExecutionCompleted"};
  EXPECT_EQ(types, want);
}

TEST_F(AuthE2E, ClientErrorFailsAtOnceNamingStatusAndBody) {
  server_->script("/bad", {Answer{400, R"({"reason":"missing field sku"})"}});
  auto r = run_flow("rejected");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(server_->requests("/bad").size(), 1u) << "400 is not retried";
  EXPECT_NE(r.err.find("http_error"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("400"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing field sku"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

// An API that echoes the credential in its error answer (many do: "invalid key ..."): the error
// still names the status, but the key is masked in the output and in the history.
TEST_F(AuthE2E, ErrorBodyEchoingTheKeyIsMasked) {
  server_->handle("/echo", [](const RecordedRequest& r) {
    return Answer{401, json::serialize(json::object{{"error", "invalid key " + r.header("x-api-key")}})};
  });
  auto r = run_flow("echoed");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  ASSERT_EQ(server_->requests("/echo").size(), 1u);
  EXPECT_EQ(server_->requests("/echo")[0].header("x-api-key"), kHeaderKey);
  EXPECT_NE(r.err.find("401"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("invalid key"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(kHeaderKey), std::string::npos) << r.err;
  store::StoreOptions so;
  so.path = data_;
  auto st = store::open_execution_store(so);
  ASSERT_TRUE(st.ok()) << st.status().to_string();
  store::ExecutionQuery q;
  q.status = store::ExecutionStatus::failed;
  q.limit = 1000;
  auto page = (*st)->list_executions(q);
  ASSERT_TRUE(page.ok());
  bool seen = false;
  for (const auto& rec : page->items) {
    if (rec.flow != "echoed") continue;
    seen = true;
    EXPECT_EQ(json::serialize(rec.error).find(kHeaderKey), std::string::npos) << json::serialize(rec.error);
    for (const auto& e : (*st)->history(rec.id))
      EXPECT_EQ(json::serialize(e.data).find(kHeaderKey), std::string::npos) << e.type << " " << json::serialize(e.data);
  }
  EXPECT_TRUE(seen);
}

// Runs last (gtest keeps declaration order): everything above has written to the data dir.
TEST_F(AuthE2E, NoSecretInOutputOrDataDir) {
  std::vector<std::string> needles = {kPassword, kBearer, kHeaderKey, kQueryKey, kClientSecret, kAccessToken,
                                      base64("alice:" + kPassword), base64("weft-client:" + kClientSecret)};
  // Make sure the flows actually ran (the checks below must not pass vacuously).
  ASSERT_FALSE(server_->requests("/oauth/one").empty());
  ASSERT_FALSE(server_->requests("/basic").empty());
  for (const auto& n : needles) EXPECT_EQ(all_output_.find(n), std::string::npos) << "output leaks " << n;
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(data_)) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::string bytes = read_all(e.path().string());
    for (const auto& n : needles)
      EXPECT_EQ(bytes.find(n), std::string::npos) << e.path() << " contains " << n;
  }
  EXPECT_GE(files, 1u);
}

}  // namespace
}  // namespace weft::e2e
