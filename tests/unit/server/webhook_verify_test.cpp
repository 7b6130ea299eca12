// Webhook verification: every vector of tests/data/webhook_signatures.json with a fixed clock, and
// the failures a server must refuse (missing headers, tampered bodies, stale or future timestamps).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "server/webhook_verify.h"
#include "stdlib/functions/encoding.h"

namespace weft::server {
namespace {
namespace json = boost::json;

json::value vectors() {
  std::ifstream in(std::string(WEFT_SOURCE_DIR) + "/tests/data/webhook_signatures.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

HttpRequest standard_request(const json::object& v) {
  HttpRequest r;
  r.method = "POST";
  r.headers = {{"webhook-id", str(v.at("id"))},
               {"webhook-timestamp", std::to_string(v.at("timestamp").as_int64())},
               {"webhook-signature", str(v.at("signature"))}};
  r.body = str(v.at("payload"));
  return r;
}

json::value standard_rule(const json::object& v) {
  return json::object{{"kind", "standard_webhooks"}, {"secret", v.at("secret")}};
}

TEST(WebhookVerify, EveryStandardWebhooksVector) {
  auto data = vectors();
  const auto& list = data.at("standard_webhooks").as_array();
  ASSERT_GE(list.size(), 3u);
  for (const auto& item : list) {
    const auto& v = item.as_object();
    int64_t now = v.at("timestamp").as_int64() * 1000;
    auto r = verify_webhook(standard_rule(v), standard_request(v), now);
    EXPECT_TRUE(r.ok) << str(v.at("id")) << ": " << r.reason;
    ASSERT_TRUE(r.delivery_id);
    EXPECT_EQ(*r.delivery_id, str(v.at("id")));
    // The same delivery with one byte of the payload changed fails.
    auto tampered = standard_request(v);
    tampered.body += " ";
    auto t = verify_webhook(standard_rule(v), tampered, now);
    EXPECT_FALSE(t.ok);
    EXPECT_EQ(t.reason, "signature mismatch");
    // Any change of id or timestamp invalidates the signature too.
    auto other_id = standard_request(v);
    other_id.headers[0].second += "x";
    EXPECT_FALSE(verify_webhook(standard_rule(v), other_id, now).ok);
    auto other_ts = standard_request(v);
    other_ts.headers[1].second = std::to_string(v.at("timestamp").as_int64() + 1);
    EXPECT_EQ(verify_webhook(standard_rule(v), other_ts, now).reason, "signature mismatch");
  }
}

TEST(WebhookVerify, EveryHmacVector) {
  auto data = vectors();
  const auto& list = data.at("hmac_sha256").as_array();
  ASSERT_GE(list.size(), 1u);
  for (const auto& item : list) {
    const auto& v = item.as_object();
    std::string sig = str(v.at("signature"));
    std::string header = str(v.at("header"));
    json::value rule = json::object{{"kind", "hmac_sha256"}, {"header", header}, {"secret", v.at("secret")},
                                    {"prefix", "sha256="}, {"encoding", "hex"}};
    HttpRequest r;
    r.headers = {{"x-hub-signature-256", sig}};
    r.body = str(v.at("payload"));
    auto ok = verify_webhook(rule, r, 0);
    EXPECT_TRUE(ok.ok) << ok.reason;
    EXPECT_FALSE(ok.delivery_id);  // the scheme defines no delivery id
    // Upper-case hex is the same digest.
    std::string upper = sig;
    for (size_t i = 7; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
    r.headers = {{"x-hub-signature-256", upper}};
    EXPECT_TRUE(verify_webhook(rule, r, 0).ok);
    // Tampered body, wrong prefix, missing header, wrong secret.
    r.headers = {{"x-hub-signature-256", sig}};
    r.body += "!";
    EXPECT_EQ(verify_webhook(rule, r, 0).reason, "signature mismatch");
    r.body = str(v.at("payload"));
    r.headers = {{"x-hub-signature-256", sig.substr(7)}};
    EXPECT_EQ(verify_webhook(rule, r, 0).reason, "the signature does not start with the expected prefix");
    r.headers = {};
    EXPECT_EQ(verify_webhook(rule, r, 0).reason, "missing signature header " + header);
    json::value wrong = rule;
    wrong.as_object()["secret"] = "not it";
    r.headers = {{"x-hub-signature-256", sig}};
    EXPECT_FALSE(verify_webhook(wrong, r, 0).ok);
  }
}

TEST(WebhookVerify, HmacBase64AndNoPrefix) {
  std::string secret = "k3y", body = R"({"a":1})";
  std::string sig = functions::base64_encode(functions::hmac_sha256_raw(secret, body));
  json::value rule = json::object{{"kind", "hmac_sha256"}, {"header", "X-Sig"}, {"secret", secret}, {"encoding", "base64"}};
  HttpRequest r;
  r.headers = {{"x-sig", sig}};
  r.body = body;
  EXPECT_TRUE(verify_webhook(rule, r, 0).ok);
  r.headers = {{"x-sig", "%%%"}};
  EXPECT_EQ(verify_webhook(rule, r, 0).reason, "the signature is not valid base64");
  // A hex rule refuses the base64 signature rather than crashing on it.
  rule.as_object()["encoding"] = "hex";
  r.headers = {{"x-sig", sig}};
  EXPECT_FALSE(verify_webhook(rule, r, 0).ok);
  // The reason never contains the signature or the secret.
  auto bad = verify_webhook(rule, r, 0);
  EXPECT_EQ(bad.reason.find(sig), std::string::npos);
  EXPECT_EQ(bad.reason.find(secret), std::string::npos);
}

TEST(WebhookVerify, StandardWebhooksTolerance) {
  auto data = vectors();
  const auto& v = data.at("standard_webhooks").as_array()[0].as_object();
  int64_t ts = v.at("timestamp").as_int64() * 1000;
  auto req = standard_request(v);
  // Exactly 5 minutes either way is accepted; one second more is refused.
  EXPECT_TRUE(verify_webhook(standard_rule(v), req, ts + kStandardWebhooksToleranceMs).ok);
  EXPECT_TRUE(verify_webhook(standard_rule(v), req, ts - kStandardWebhooksToleranceMs).ok);
  auto expired = verify_webhook(standard_rule(v), req, ts + kStandardWebhooksToleranceMs + 1000);
  EXPECT_FALSE(expired.ok);
  EXPECT_EQ(expired.reason, "webhook-timestamp is too old (more than 5 minutes)");
  auto future = verify_webhook(standard_rule(v), req, ts - kStandardWebhooksToleranceMs - 1000);
  EXPECT_FALSE(future.ok);
  EXPECT_EQ(future.reason, "webhook-timestamp is in the future (more than 5 minutes)");
  // Non-numeric timestamps are refused.
  req.headers[1].second = "soon";
  EXPECT_EQ(verify_webhook(standard_rule(v), req, ts).reason, "webhook-timestamp is not an integer");
}

TEST(WebhookVerify, StandardWebhooksSeveralSignatures) {
  auto data = vectors();
  const auto& v = data.at("standard_webhooks").as_array()[0].as_object();
  int64_t now = v.at("timestamp").as_int64() * 1000;
  auto req = standard_request(v);
  std::string good = str(v.at("signature"));
  // During a secret rotation the sender signs with the old and the new key.
  req.headers[2].second = "v1,Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg= " + good;
  EXPECT_TRUE(verify_webhook(standard_rule(v), req, now).ok);
  req.headers[2].second = good + " v1a,c29tZXRoaW5nIGVsc2U=";
  EXPECT_TRUE(verify_webhook(standard_rule(v), req, now).ok);
  req.headers[2].second = "v1,Zm9vYmFy v1,YmF6";
  EXPECT_EQ(verify_webhook(standard_rule(v), req, now).reason, "signature mismatch");
  req.headers[2].second = "v2," + good.substr(3);
  EXPECT_EQ(verify_webhook(standard_rule(v), req, now).reason, "webhook-signature has no v1 signature");
  // A signature that is not base64 is a mismatch, not a crash.
  req.headers[2].second = "v1,@@@";
  EXPECT_FALSE(verify_webhook(standard_rule(v), req, now).ok);
}

TEST(WebhookVerify, StandardWebhooksMissingHeaders) {
  auto data = vectors();
  const auto& v = data.at("standard_webhooks").as_array()[0].as_object();
  int64_t now = v.at("timestamp").as_int64() * 1000;
  const char* reasons[] = {"missing webhook-id header", "missing webhook-timestamp header",
                           "missing webhook-signature header"};
  for (size_t i = 0; i < 3; ++i) {
    auto req = standard_request(v);
    req.headers.erase(req.headers.begin() + static_cast<long>(i));
    auto r = verify_webhook(standard_rule(v), req, now);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.reason, reasons[i]);
  }
  // A secret that is not base64 is reported as such.
  json::value rule = json::object{{"kind", "standard_webhooks"}, {"secret", "whsec_!!!"}};
  EXPECT_EQ(verify_webhook(rule, standard_request(v), now).reason,
            "the verify secret is not base64 (after `whsec_`)");
}

TEST(WebhookVerify, Bearer) {
  json::value rule = json::object{{"kind", "bearer"}, {"secret", "tok-123"}};
  HttpRequest r;
  r.headers = {{"authorization", "Bearer tok-123"}};
  EXPECT_TRUE(verify_webhook(rule, r, 0).ok);
  r.headers = {{"authorization", "bearer tok-123"}};
  EXPECT_TRUE(verify_webhook(rule, r, 0).ok);
  // The positional form of the constructor gives `token`.
  EXPECT_TRUE(verify_webhook(json::object{{"kind", "bearer"}, {"token", "tok-123"}}, r, 0).ok);
  r.headers = {{"authorization", "Bearer tok-124"}};
  EXPECT_EQ(verify_webhook(rule, r, 0).reason, "bearer token mismatch");
  r.headers = {{"authorization", "Basic dG9rLTEyMw=="}};
  EXPECT_EQ(verify_webhook(rule, r, 0).reason, "the Authorization header is not a bearer token");
  r.headers = {};
  EXPECT_EQ(verify_webhook(rule, r, 0).reason, "missing Authorization header");
}

TEST(WebhookVerify, BadRules) {
  HttpRequest r;
  EXPECT_TRUE(verify_webhook(nullptr, r, 0).ok);  // no verify: open webhook
  EXPECT_FALSE(verify_webhook(json::value("x"), r, 0).ok);
  EXPECT_EQ(verify_webhook(json::object{{"kind", "bearer"}}, r, 0).reason,
            "the verify rule has no secret (is the secret defined?)");
  EXPECT_EQ(verify_webhook(json::object{{"kind", "rsa"}, {"secret", "x"}}, r, 0).reason, "unknown verify rule `rsa`");
  EXPECT_EQ(verify_webhook(json::object{{"kind", "bearer"}, {"secret", ""}}, r, 0).reason, "the verify secret is empty");
}

TEST(WebhookVerify, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
}

}  // namespace
}  // namespace weft::server
