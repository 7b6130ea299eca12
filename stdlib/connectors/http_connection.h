// The HTTP connector: Boost.Beast HTTP/1.1 client with a keep-alive pool per host, HTTPS via
// OpenSSL (system store + optional CA file, host name check, SNI), per-request timeout, size
// limits, a token-bucket rate limiter, a circuit breaker and auth (incl. OAuth2 client
// credentials). One attempt per call; see docs/connectors.md.
#pragma once
#include "stdlib/connectors/auth.h"
#include "stdlib/connectors/circuit_breaker.h"
#include "stdlib/connectors/connection.h"
#include "stdlib/connectors/rate_limiter.h"
#include "stdlib/connectors/redactor.h"

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace weft::connectors {

/// Configuration of one `connection name = http { ... }`.
struct HttpConfig {
  std::string name = "http";           ///< connection name, used in logs
  std::string base_url;                ///< "https://api.example.com/v1"; paths are joined to it
  Auth auth = NoAuth{};                ///< authentication
  HeaderList headers;                  ///< default headers of every request
  Millis timeout{30000};               ///< per-request timeout (resolve + connect + TLS + write + read)
  RateLimit rate_limit;                ///< token bucket; requests <= 0 = unlimited
  std::string idempotency_header = "Idempotency-Key";  ///< carries Request::idempotency_key; empty = none
  std::vector<std::string> allow_hosts;  ///< hosts absolute URLs may reach: "host", "host:port", "*.domain", "*"
  std::size_t max_response_bytes = 16u << 20;  ///< larger responses fail (failure/response_too_large)
  std::size_t max_request_bytes = 16u << 20;   ///< larger request bodies fail (failure/request_too_large)
  std::string ca_file;                 ///< optional extra CA bundle (PEM), trusted besides the system store
  bool use_system_ca = true;           ///< trust the system CA store
  BreakerConfig breaker;               ///< circuit breaker settings
  std::size_t max_idle_per_host = 8;   ///< idle keep-alive connections kept per host
  Millis idle_timeout{30000};          ///< idle connections older than this are closed, not reused
};

/// Builds a config from the evaluated `http { ... }` block as JSON: the connection settings of
/// stdlib/settings/settings.h plus `name`; `auth` is `{kind, ...the constructor's parameters}`, durations
/// are milliseconds or "10s", `idempotency_header` null means none. Unknown fields are errors. Returns
/// false and sets `error` on bad input.
bool http_config_from_json(const boost::json::value& json, HttpConfig& out, std::string& error);
/// The keys http_config_from_json implements (the table's connection settings plus `name`).
std::vector<std::string> http_config_keys();

/// Counters for metrics (monotonic).
struct HttpStats {
  std::uint64_t requests = 0;            ///< requests written to the wire (OAuth2 token requests included)
  std::uint64_t responses = 0;           ///< responses received
  std::uint64_t errors = 0;              ///< calls that ended in a CallError
  std::uint64_t connections_opened = 0;  ///< new TCP(+TLS) connections
  std::uint64_t connections_reused = 0;  ///< requests sent on a pooled keep-alive connection
  std::uint64_t rate_limited = 0;        ///< calls that waited for the rate limiter
  std::uint64_t token_fetches = 0;       ///< OAuth2 token requests
  BreakerCounters breaker;               ///< circuit breaker transitions
};

/// An HTTP connection. Create with create(); call from coroutines on the executor given.
class HttpConnection : public Connection {
 public:
  /// Validates `config` (base_url, ca_file, auth); nullptr with `error` set on bad input.
  static std::unique_ptr<HttpConnection> create(boost::asio::any_io_executor executor, HttpConfig config,
                                                std::string& error);
  ~HttpConnection() override;
  /// One attempt (plus one re-send after a 401 with OAuth2 and one re-send on a stale pooled connection).
  boost::asio::awaitable<CallResult> call(Request request) override;
  /// Counters for metrics.
  HttpStats stats() const;
  /// Current circuit state.
  BreakerState breaker_state() const;
  /// breaker_state().
  std::optional<BreakerState> breaker() const override { return breaker_state(); }
  /// The secrets of this connection (auth values, fetched tokens): for the history writer.
  const Redactor& redactor() const;
  /// &redactor().
  const Redactor* secrets() const override { return &redactor(); }
  /// The configuration.
  const HttpConfig& config() const;
  /// Closes every idle pooled connection.
  void close_idle();

  struct Impl;  ///< implementation (public so that the .cpp's helpers can name it)

 private:
  explicit HttpConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::connectors
