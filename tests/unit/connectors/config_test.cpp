#include "stdlib/connectors/http_connection.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace weft::connectors {
namespace {

namespace json = boost::json;

TEST(HttpConfigJson, FullBlock) {
  const auto v = json::parse(R"({
    "name": "crm", "base_url": "https://crm.example.com/api",
    "auth": {"kind": "oauth2_client_credentials", "token_url": "https://crm.example.com/oauth/token",
             "client_id": "weft", "client_secret": "s", "scopes": ["contacts.read"],
             "client_auth": "client_secret_post"},
    "headers": {"X-Tenant": "t1"}, "timeout": "10s",
    "retry": {"attempts": 5},
    "rate_limit": {"requests": 20, "per": 1000},
    "idempotency_header": null, "allow_hosts": ["*.example.com"],
    "max_response_bytes": 1024, "breaker": {"failure_threshold": 2, "cool_down": "1m30s"}
  })");
  HttpConfig c;
  std::string error;
  ASSERT_TRUE(http_config_from_json(v, c, error)) << error;
  EXPECT_EQ(c.name, "crm");
  EXPECT_EQ(c.base_url, "https://crm.example.com/api");
  const auto& o = std::get<OAuth2ClientCredentials>(c.auth);
  EXPECT_EQ(o.client_id, "weft");
  EXPECT_EQ(o.scopes, std::vector<std::string>{"contacts.read"});
  EXPECT_EQ(o.method, ClientAuthMethod::client_secret_post);
  ASSERT_EQ(c.headers.size(), 1u);
  EXPECT_EQ(c.headers[0].first, "X-Tenant");
  EXPECT_EQ(c.timeout, Millis(10000));
  EXPECT_EQ(c.rate_limit.requests, 20);
  EXPECT_EQ(c.rate_limit.per, Millis(1000));
  EXPECT_TRUE(c.idempotency_header.empty());
  EXPECT_EQ(c.allow_hosts, std::vector<std::string>{"*.example.com"});
  EXPECT_EQ(c.max_response_bytes, 1024u);
  EXPECT_EQ(c.breaker.failure_threshold, 2);
  EXPECT_EQ(c.breaker.cool_down, Millis(90000));
}

TEST(HttpConfigJson, AuthKinds) {
  HttpConfig c;
  std::string error;
  ASSERT_TRUE(http_config_from_json(json::parse(R"({"auth":{"kind":"basic","user":"u","password":"p"}})"), c, error));
  EXPECT_EQ(std::get<BasicAuth>(c.auth).password, "p");
  ASSERT_TRUE(http_config_from_json(json::parse(R"({"auth":{"kind":"bearer","token":"t"}})"), c, error));
  EXPECT_EQ(std::get<BearerAuth>(c.auth).token, "t");
  ASSERT_TRUE(http_config_from_json(json::parse(R"({"auth":{"kind":"api_key","query":"k","value":"v"}})"), c, error));
  EXPECT_EQ(std::get<ApiKeyAuth>(c.auth).query, "k");
  ASSERT_TRUE(http_config_from_json(json::parse(R"({"auth":{"kind":"none"}})"), c, error));
  EXPECT_TRUE(std::holds_alternative<NoAuth>(c.auth));
  ASSERT_TRUE(http_config_from_json(json::parse(R"({})"), c, error));
  EXPECT_EQ(c.idempotency_header, "Idempotency-Key");
  EXPECT_EQ(c.timeout, Millis(30000));
}

TEST(HttpConfigJson, ErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* expect;
  };
  for (const auto& [text, expect] : std::vector<Case>{
           {R"({"base_ulr": "x"})", "unknown field 'base_ulr'"},
           {R"({"auth": {"kind": "digest"}})", "unknown auth kind"},
           {R"({"auth": {"kind": "api_key", "header": "H", "query": "Q", "value": "v"}})", "exactly one"},
           {R"({"auth": {"kind": "basic", "user": "u"}})", "auth.password"},
           {R"({"timeout": "ten seconds"})", "timeout"},
           {R"({"timeout": 0})", "timeout"},
           {R"({"rate_limit": {"requests": 0, "per": 1000}})", "rate_limit.requests"},
           {R"({"rate_limit": {"requests": 1, "per": 1000, "burst": 2}})", "burst"},
           {R"({"headers": {"X": 1}})", "headers.X"},
           {R"({"max_response_bytes": -1})", "max_response_bytes"},
           {R"([1])", "expected an object"},
       }) {
    HttpConfig c;
    std::string error;
    EXPECT_FALSE(http_config_from_json(json::parse(text), c, error)) << text;
    EXPECT_NE(error.find(expect), std::string::npos) << text << " -> " << error;
  }
}

}  // namespace
}  // namespace weft::connectors
