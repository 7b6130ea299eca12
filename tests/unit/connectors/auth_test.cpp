// Designated initializers leave the other config fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "stdlib/connectors/auth.h"
#include "test_server.h"
#include "test_util.h"
#include "tests/support/captured_log.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>

namespace weft::connectors {
namespace {

using namespace test_support;
namespace json = boost::json;

std::string header(const Seen& s, const std::string& name) {
  auto it = s.headers.find(name);
  return it == s.headers.end() ? std::string("<none>") : it->second;
}

TEST(Auth, EveryStaticKindAsTheServerSeesIt) {
  TestServer server([](const Seen&) { return Reply{}; });
  asio::io_context io;
  auto none = make_http(io, {.base_url = server.url(), .auth = NoAuth{}});
  auto basic = make_http(io, {.base_url = server.url(), .auth = BasicAuth{"weft", "pa ss:wörd"}});
  auto bearer = make_http(io, {.base_url = server.url(), .auth = BearerAuth{"tok-123"}});
  auto key_header = make_http(io, {.base_url = server.url(), .auth = ApiKeyAuth{"X-Api-Key", "", "k+y/1"}});
  auto key_query = make_http(io, {.base_url = server.url(), .auth = ApiKeyAuth{"", "api_key", "k+y/1 2"}});
  for (auto* c : {none.get(), basic.get(), bearer.get(), key_header.get(), key_query.get()}) {
    Request r = get("/x");
    r.query = json::object{{"a", "1"}};
    auto res = run_call(io, *c, r);
    ASSERT_TRUE(res.ok()) << res.error().message;
  }
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(header(seen[0], "authorization"), "<none>");
  EXPECT_EQ(seen[0].target, "/x?a=1");
  EXPECT_EQ(header(seen[1], "authorization"), "Basic " + base64_encode("weft:pa ss:wörd"));
  EXPECT_EQ(header(seen[1], "authorization"), "Basic d2VmdDpwYSBzczp3w7ZyZA==");
  EXPECT_EQ(header(seen[2], "authorization"), "Bearer tok-123");
  EXPECT_EQ(header(seen[3], "x-api-key"), "k+y/1");
  EXPECT_EQ(header(seen[3], "authorization"), "<none>");
  EXPECT_EQ(seen[3].target, "/x?a=1");
  EXPECT_EQ(header(seen[4], "x-api-key"), "<none>");
  EXPECT_EQ(seen[4].target, "/x?a=1&api_key=k%2By/1%202");
}

TEST(Auth, Base64AndFormEncoding) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(form_encode("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(form_encode(HeaderList{{"x", "1"}, {"y z", ""}}), "x=1&y+z=");
}

TEST(Redactor, HidesSecretsInTextAndJson) {
  Redactor r;
  r.add("tok-123456");
  r.add("tok");  // too short to be masked safely: ignored
  r.add("tok-123456-long");
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r.redact("Bearer tok-123456-long and tok-123456, tok"), "Bearer *** and ***, tok");
  json::value v = {{"auth", "Bearer tok-123456"}, {"list", json::array{"tok-123456", 5}}, {"tok-123456", true}};
  const auto out = r.redact_json(v);
  EXPECT_EQ(out.at("auth"), "Bearer ***");
  EXPECT_EQ(out.at("list").at(0), "***");
  EXPECT_EQ(out.at("list").at(1), 5);
  EXPECT_TRUE(out.as_object().contains("tok-123456"));  // keys are not values
  Redactor other;
  other.add_all(r);
  EXPECT_EQ(other.redact("x tok-123456"), "x ***");
}

TEST(Redactor, ConnectionKnowsItsAuthSecrets) {
  asio::io_context io;
  auto basic = make_http(io, {.base_url = "http://127.0.0.1:1", .auth = BasicAuth{"user", "hunter22"}});
  EXPECT_EQ(basic->redactor().redact("pw=hunter22 hdr=" + base64_encode("user:hunter22")), "pw=*** hdr=***");
  auto oauth = make_http(io, {.base_url = "http://127.0.0.1:1",
                              .auth = OAuth2ClientCredentials{"http://127.0.0.1:1/token", "id", "client-secret-x"}});
  EXPECT_EQ(oauth->redactor().redact("client-secret-x"), "***");
}

TEST(Auth, SecretsNeverReachTheLogs) {
  testsupport::CapturedLog captured(spdlog::level::trace);
  {
    TestServer server([](const Seen&) {
      Reply r;
      r.status = 503;
      return r;
    });
    asio::io_context io;
    auto conn = make_http(io, {.base_url = server.url(),
                               .auth = ApiKeyAuth{"", "key", "very-secret-key"},
                               .breaker = {.failure_threshold = 1, .cool_down = Millis(60000)}});
    run_call(io, *conn, get("/x"));
    run_call(io, *conn, get("/x?key=very-secret-key"));  // the secret in a user-supplied URL, too
    auto bearer = make_http(io, {.base_url = "http://127.0.0.1:1", .auth = BearerAuth{"bearer-secret-1"}});
    auto res = run_call(io, *bearer, get("/y?t=bearer-secret-1"));
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error().message.find("bearer-secret-1"), std::string::npos);
  }
  const auto text = captured.text();
  EXPECT_NE(text.find("circuit"), std::string::npos) << text;  // something was logged
  EXPECT_EQ(text.find("very-secret-key"), std::string::npos) << text;
  EXPECT_EQ(text.find("bearer-secret-1"), std::string::npos) << text;
}

// An OAuth2 provider + API on one server. Tokens are "tok-1", "tok-2", ...; the API accepts only
// the tokens in `valid` (all when empty).
struct OAuthServer {
  std::atomic<int> issued{0};
  std::atomic<int> expires_in{3600};
  std::atomic<int> valid_from{1};  // tokens with a number below this are rejected with 401
  std::atomic<int> token_status{200};
  TestServer server{[this](const Seen& s) {
    Reply r;
    if (s.target == "/oauth/token") {
      if (token_status != 200) {
        r.status = token_status;
        r.body = R"({"error":"invalid_client"})";
        return r;
      }
      const int n = ++issued;
      r.body = json::serialize(json::object{
          {"access_token", "tok-" + std::to_string(n)}, {"token_type", "Bearer"}, {"expires_in", expires_in.load()}});
      return r;
    }
    const auto auth = s.headers.count("authorization") ? s.headers.at("authorization") : "";
    const int n = auth.rfind("Bearer tok-", 0) == 0 ? std::atoi(auth.c_str() + 11) : 0;
    if (n < valid_from) {
      r.status = 401;
      r.body = R"({"error":"invalid_token"})";
    } else {
      r.body = R"({"ok":true})";
    }
    return r;
  }};
  std::vector<Seen> api_requests() const {
    std::vector<Seen> out;
    for (auto& s : server.requests())
      if (s.target != "/oauth/token") out.push_back(s);
    return out;
  }
  std::vector<Seen> token_requests() const {
    std::vector<Seen> out;
    for (auto& s : server.requests())
      if (s.target == "/oauth/token") out.push_back(s);
    return out;
  }
  HttpConfig config(ClientAuthMethod method = ClientAuthMethod::client_secret_basic) const {
    HttpConfig c;
    c.base_url = server.url();
    c.auth = OAuth2ClientCredentials{server.url() + "/oauth/token", "weft client", "s3cret&x",
                                     {"contacts.read", "contacts.write"}, method};
    return c;
  }
};

TEST(OAuth2, FetchesOnceAndCachesTheToken) {
  OAuthServer p;
  asio::io_context io;
  auto conn = make_http(io, p.config());
  for (int i = 0; i < 3; ++i) {
    auto res = run_call(io, *conn, get("/contacts"));
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_EQ(res.response().status, 200);
  }
  const auto tokens = p.token_requests();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].method, "POST");
  EXPECT_EQ(tokens[0].headers.at("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(tokens[0].body, "grant_type=client_credentials&scope=contacts.read+contacts.write");
  EXPECT_EQ(tokens[0].headers.at("authorization"), "Basic " + base64_encode("weft+client:s3cret%26x"));
  for (const auto& s : p.api_requests()) EXPECT_EQ(s.headers.at("authorization"), "Bearer tok-1");
  EXPECT_EQ(conn->stats().token_fetches, 1u);
  EXPECT_EQ(conn->redactor().redact("Bearer tok-1"), "Bearer ***");
}

TEST(OAuth2, ClientSecretPost) {
  OAuthServer p;
  asio::io_context io;
  auto conn = make_http(io, p.config(ClientAuthMethod::client_secret_post));
  ASSERT_TRUE(run_call(io, *conn, get("/contacts")).ok());
  const auto tokens = p.token_requests();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].headers.count("authorization"), 0u);
  EXPECT_EQ(tokens[0].body,
            "grant_type=client_credentials&scope=contacts.read+contacts.write&client_id=weft+client&client_secret=s3cret%26x");
}

TEST(OAuth2, RefreshesBeforeExpiry) {
  OAuthServer p;
  p.expires_in = 30;  // inside the 60 s refresh margin: every call needs a fresh token
  asio::io_context io;
  auto conn = make_http(io, p.config());
  ASSERT_TRUE(run_call(io, *conn, get("/a")).ok());
  ASSERT_TRUE(run_call(io, *conn, get("/b")).ok());
  EXPECT_EQ(p.token_requests().size(), 2u);
  const auto api = p.api_requests();
  EXPECT_EQ(api[0].headers.at("authorization"), "Bearer tok-1");
  EXPECT_EQ(api[1].headers.at("authorization"), "Bearer tok-2");
  p.expires_in = 3600;  // now long-lived: cached
  ASSERT_TRUE(run_call(io, *conn, get("/c")).ok());
  ASSERT_TRUE(run_call(io, *conn, get("/d")).ok());
  EXPECT_EQ(p.token_requests().size(), 3u);
}

TEST(OAuth2, RefreshesOnceAfter401AndRetries) {
  OAuthServer p;
  asio::io_context io;
  auto conn = make_http(io, p.config());
  ASSERT_TRUE(run_call(io, *conn, get("/a")).ok());  // tok-1 cached
  p.valid_from = 2;                                    // the API revokes tok-1
  Request r = get("/b");
  r.idempotency_key = "k-9";
  auto res = run_call(io, *conn, r);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res.response().status, 200);
  auto api = p.api_requests();
  ASSERT_EQ(api.size(), 3u);
  EXPECT_EQ(api[1].headers.at("authorization"), "Bearer tok-1");
  EXPECT_EQ(api[2].headers.at("authorization"), "Bearer tok-2");
  EXPECT_EQ(api[2].headers.at("idempotency-key"), "k-9");  // the re-send carries the same key
  // still rejected after the refresh: the 401 is returned, no loop
  p.valid_from = 100;
  auto denied = run_call(io, *conn, get("/c"));
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied.response().status, 401);
  EXPECT_EQ(p.token_requests().size(), 3u);
  EXPECT_EQ(p.api_requests().size(), 5u);
}

TEST(OAuth2, ConcurrentCallsShareOneFetch) {
  OAuthServer p;
  asio::io_context io;
  auto conn = make_http(io, p.config());
  auto results = run_calls(io, *conn, {get("/a"), get("/b"), get("/c"), get("/d")});
  for (auto& r : results) ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(p.token_requests().size(), 1u);
}

TEST(OAuth2, TokenEndpointFailureIsReported) {
  OAuthServer p;
  p.token_status = 401;
  asio::io_context io;
  auto conn = make_http(io, p.config());
  auto res = run_call(io, *conn, get("/a"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::http_error);
  EXPECT_EQ(res.error().reason, ErrorReason::auth);
  EXPECT_EQ(res.error().status, 401);
  EXPECT_NE(res.error().message.find("OAuth2 token request"), std::string::npos);
  EXPECT_EQ(res.error().message.find("s3cret"), std::string::npos);
  EXPECT_TRUE(p.api_requests().empty());
  p.token_status = 503;
  auto again = run_call(io, *conn, get("/a"));
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(is_retryable(again.error()));
  p.token_status = 200;
  EXPECT_TRUE(run_call(io, *conn, get("/a")).ok());
}

}  // namespace
}  // namespace weft::connectors
