// Verification of webhook deliveries against a trigger's evaluated `verify` rule
// (docs/design-language.md §5; docs/triggers.md): `hmac_sha256`, `standard_webhooks` and `bearer`.
// Every comparison of a signature or token is constant-time (CRYPTO_memcmp). The reason of a
// failure names what was wrong, never the signature, token or secret, so it is safe to log.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "server/http_message.h"

namespace weft::server {

/// The outcome of a verification: ok, or why not (safe to log).
struct VerifyResult {
  bool ok = false;     ///< true when the delivery is authentic
  std::string reason;  ///< why it failed ("" when ok)
  /// A delivery id the scheme defines (standard_webhooks: `webhook-id`), for deduplication.
  std::optional<std::string> delivery_id;
};

/// Standard Webhooks accepts timestamps at most this far from now, both ways.
inline constexpr int64_t kStandardWebhooksToleranceMs = 5 * 60 * 1000;

/// Verifies `req` against `rule`, the evaluated `verify` setting:
/// `{kind: "hmac_sha256", header, secret, prefix?, encoding?: "hex"|"base64"}`,
/// `{kind: "standard_webhooks", secret}` or `{kind: "bearer", secret}` (`token` is accepted for
/// `secret`). A null rule accepts every request. `now_ms` is the clock (ms since the epoch) that
/// Standard Webhooks timestamps are checked against.
VerifyResult verify_webhook(const boost::json::value& rule, const HttpRequest& req, int64_t now_ms);

/// GitHub-style HMAC: `signature` (the header value) must be `prefix` followed by the hex
/// (any case) or base64 HMAC-SHA256 of `payload` under `secret`.
VerifyResult verify_hmac_sha256(std::string_view signature, std::string_view secret, std::string_view prefix,
                                std::string_view encoding, std::string_view payload);

/// Standard Webhooks: HMAC-SHA256 of `{id}.{timestamp}.{payload}` keyed with the base64-decoded
/// secret after `whsec_`; `signatures` holds space-separated `v1,<base64>` entries (any may match);
/// `timestamp` (seconds) must be within kStandardWebhooksToleranceMs of `now_ms`.
VerifyResult verify_standard_webhooks(std::string_view secret, std::string_view id, std::string_view timestamp,
                                      std::string_view signatures, std::string_view payload, int64_t now_ms);

/// Bearer: `authorization` must be `Bearer <secret>` (scheme name in any case).
VerifyResult verify_bearer(std::string_view authorization, std::string_view secret);

/// Constant-time equality of two byte strings (the time depends only on their lengths).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace weft::server
