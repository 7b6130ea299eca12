#include "server/webhook_verify.h"

#include <charconv>

#include <boost/json.hpp>
#include <openssl/crypto.h>

#include "stdlib/functions/encoding.h"

namespace weft::server {
namespace json = boost::json;

namespace {

VerifyResult fail(std::string reason) { return VerifyResult{false, std::move(reason), std::nullopt}; }

VerifyResult pass() { return VerifyResult{true, "", std::nullopt}; }

/// Raw bytes of a hex string (either case); nullopt when it is not hex.
std::optional<std::string> hex_decode(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

/// A string field of the rule, or "" (with `present` false) when absent or not a string.
std::string field(const json::object& rule, std::string_view name, bool* present = nullptr) {
  auto* v = rule.if_contains(name);
  if (present) *present = v && v->is_string();
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

VerifyResult verify_hmac_sha256(std::string_view signature, std::string_view secret, std::string_view prefix,
                                std::string_view encoding, std::string_view payload) {
  if (secret.empty()) return fail("the verify secret is empty");
  signature = trim(signature);
  if (signature.substr(0, prefix.size()) != prefix) return fail("the signature does not start with the expected prefix");
  signature.remove_prefix(prefix.size());
  std::optional<std::string> given;
  if (encoding.empty() || encoding == "hex") given = hex_decode(signature);
  else if (encoding == "base64") given = functions::base64_decode(signature);
  else return fail("unknown signature encoding (expected hex or base64)");
  if (!given) return fail("the signature is not valid " + std::string(encoding.empty() ? "hex" : encoding));
  std::string expected = functions::hmac_sha256_raw(secret, payload);
  if (!constant_time_equal(*given, expected)) return fail("signature mismatch");
  return pass();
}

VerifyResult verify_standard_webhooks(std::string_view secret, std::string_view id, std::string_view timestamp,
                                      std::string_view signatures, std::string_view payload, int64_t now_ms) {
  if (id.empty()) return fail("missing webhook-id header");
  if (timestamp.empty()) return fail("missing webhook-timestamp header");
  if (signatures.empty()) return fail("missing webhook-signature header");
  int64_t ts = 0;
  timestamp = trim(timestamp);
  auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
  if (ec != std::errc() || end != timestamp.data() + timestamp.size()) return fail("webhook-timestamp is not an integer");
  // Compare in seconds without overflow for absurd timestamps.
  int64_t now_s = now_ms / 1000, tol_s = kStandardWebhooksToleranceMs / 1000;
  if (ts < now_s - tol_s) return fail("webhook-timestamp is too old (more than 5 minutes)");
  if (ts > now_s + tol_s) return fail("webhook-timestamp is in the future (more than 5 minutes)");
  std::string_view key_text = secret;
  if (key_text.starts_with("whsec_")) key_text.remove_prefix(6);
  auto key = functions::base64_decode(key_text);
  if (!key || key->empty()) return fail("the verify secret is not base64 (after `whsec_`)");
  std::string signed_content;
  signed_content.reserve(id.size() + timestamp.size() + payload.size() + 2);
  signed_content.append(id).append(".").append(timestamp).append(".").append(payload);
  std::string expected = functions::hmac_sha256_raw(*key, signed_content);
  bool any_v1 = false, match = false;
  size_t pos = 0;
  while (pos < signatures.size()) {
    size_t sp = signatures.find(' ', pos);
    std::string_view entry = signatures.substr(pos, sp == std::string_view::npos ? std::string_view::npos : sp - pos);
    pos = sp == std::string_view::npos ? signatures.size() : sp + 1;
    if (!entry.starts_with("v1,")) continue;  // other versions (v1a: asymmetric) are not ours
    any_v1 = true;
    auto given = functions::base64_decode(entry.substr(3));
    // Every entry is compared (no early exit), so the time does not reveal which one matched.
    if (given && constant_time_equal(*given, expected)) match = true;
  }
  if (!any_v1) return fail("webhook-signature has no v1 signature");
  if (!match) return fail("signature mismatch");
  VerifyResult r = pass();
  r.delivery_id = std::string(id);
  return r;
}

VerifyResult verify_bearer(std::string_view authorization, std::string_view secret) {
  if (secret.empty()) return fail("the verify secret is empty");
  authorization = trim(authorization);
  if (authorization.empty()) return fail("missing Authorization header");
  if (authorization.size() < 7 || lower(authorization.substr(0, 7)) != "bearer ")
    return fail("the Authorization header is not a bearer token");
  if (!constant_time_equal(trim(authorization.substr(7)), secret)) return fail("bearer token mismatch");
  return pass();
}

VerifyResult verify_webhook(const json::value& rule, const HttpRequest& req, int64_t now_ms) {
  if (rule.is_null()) return pass();
  if (!rule.is_object()) return fail("the verify rule is not an object");
  const json::object& r = rule.get_object();
  std::string kind = field(r, "kind");
  auto header = [&](std::string_view name) {
    const std::string* v = req.header(lower(name));
    return v ? std::string_view(*v) : std::string_view();
  };
  bool has_secret = false;
  std::string secret = field(r, "secret", &has_secret);
  if (!has_secret) secret = field(r, "token", &has_secret);
  if (!has_secret) return fail("the verify rule has no secret (is the secret defined?)");
  if (kind == "hmac_sha256") {
    std::string name = field(r, "header");
    if (name.empty()) return fail("the hmac_sha256 rule names no header");
    if (!req.header(lower(name))) return fail("missing signature header " + name);
    return verify_hmac_sha256(header(name), secret, field(r, "prefix"), field(r, "encoding"), req.body);
  }
  if (kind == "standard_webhooks")
    return verify_standard_webhooks(secret, header("webhook-id"), header("webhook-timestamp"),
                                    header("webhook-signature"), req.body, now_ms);
  if (kind == "bearer") return verify_bearer(header("authorization"), secret);
  return fail("unknown verify rule `" + kind + "`");
}

}  // namespace weft::server
