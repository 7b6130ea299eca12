// The Connection interface the durable runtime calls, and the request/response/error types
// it exchanges. A call makes exactly ONE attempt and reports precisely what happened; the
// runtime owns retries and their backoff (see docs/connectors.md).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "stdlib/connectors/redactor.h"
#include "stdlib/errors/error.h"

namespace weft::connectors {

/// Durations used throughout the connectors (millisecond resolution).
using Millis = std::chrono::milliseconds;

/// Header list of a request: names as given (HTTP names are case-insensitive), in order.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// Response headers: lower-cased names; repeated headers are joined with ", ".
using HeaderMap = std::map<std::string, std::string>;

/// One outgoing call.
struct Request {
  std::string method = "GET";  ///< HTTP method, upper case ("GET", "POST", ...)
  std::string url;             ///< a path joined to the connection's base_url, or an absolute URL
  boost::json::value query;    ///< null or a JSON object; encoded into the query string
  HeaderList headers;          ///< extra headers; override the connection's default headers
  std::optional<boost::json::value> body;  ///< JSON body, sent as application/json
  std::optional<HeaderList> form;  ///< form body, sent as application/x-www-form-urlencoded
  std::optional<std::string> idempotency_key;  ///< sent in the connection's idempotency header
  std::optional<Millis> timeout;   ///< overrides the connection's timeout for this call
};

/// What the server answered (for ANY status: see classify()).
struct Response {
  int status = 0;                       ///< HTTP status code
  HeaderMap headers;                    ///< lower-cased names
  boost::json::value body;              ///< parsed when the content type is JSON, else a string; null when empty
  std::optional<Millis> retry_after;    ///< from a `Retry-After` header (seconds or HTTP date)
};

/// The error kinds of docs/design-language.md §6: the one enum of stdlib/errors (the connectors
/// produce connection_error, timeout, http_error and failure).
using ErrorKind = errors::Kind;
using errors::to_string;

/// What precisely went wrong, beyond the kind (for messages, metrics and tests).
enum class ErrorReason {
  none,               ///< no further detail
  refused,            ///< connection_error: TCP connection refused
  dns,                ///< connection_error: the host name did not resolve
  reset,              ///< connection_error: reset or closed by the peer before a full response
  tls_handshake,      ///< connection_error: the TLS handshake failed (protocol, alert)
  tls_certificate,    ///< connection_error: the server certificate did not verify
  network,            ///< connection_error: any other socket error (unreachable, ...)
  circuit_open,       ///< connection_error: the circuit breaker is open; retry_after = time to the probe
  protocol,           ///< connection_error: the server sent something that is not HTTP/1.1
  status,             ///< http_error: a non-2xx status that was not accepted
  auth,               ///< http_error/connection_error/timeout while fetching an OAuth2 token
  invalid_request,    ///< failure: the request cannot be sent (bad URL, both body and form, ...)
  host_not_allowed,   ///< failure: an absolute URL whose host is not allowed
  request_too_large,  ///< failure: the request exceeds max_request_bytes
  response_too_large, ///< failure: the response exceeds max_response_bytes
  unmatched,          ///< failure: FakeConnection has no script for this call
  aborted,            ///< cancelled: the operation was cancelled by the caller
};

/// An error of one call (what to_error turns into the language's error value).
struct CallError {
  ErrorKind kind = ErrorKind::failure;  ///< §6 kind
  ErrorReason reason = ErrorReason::none;  ///< finer detail
  std::string message;                  ///< human-readable, secrets redacted
  int status = 0;                       ///< http_error: the status
  boost::json::value body;              ///< http_error: the response body
  HeaderMap headers;                    ///< http_error: the response headers
  std::optional<Millis> retry_after;    ///< 429/503 Retry-After, or the time until a circuit probe
};

/// The outcome of Connection::call: a Response (any status) or a CallError.
class CallResult {
 public:
  /// An empty outcome (a `failure` error with no message); needed by futures and containers.
  CallResult() : v_(CallError{}) {}
  /// A response outcome.
  CallResult(Response r) : v_(std::move(r)) {}
  /// An error outcome.
  CallResult(CallError e) : v_(std::move(e)) {}
  /// True when a response was received (whatever its status).
  bool ok() const { return v_.index() == 0; }
  /// The response; only when ok().
  const Response& response() const { return std::get<0>(v_); }
  /// The response; only when ok().
  Response& response() { return std::get<0>(v_); }
  /// The error; only when !ok().
  const CallError& error() const { return std::get<1>(v_); }
  /// The error; only when !ok().
  CallError& error() { return std::get<1>(v_); }

 private:
  std::variant<Response, CallError> v_;
};

/// A circuit breaker's state (defined in circuit_breaker.h).
enum class BreakerState;

/// A third-party system reached by calls. Implementations must be called from coroutines on
/// the io_context (executor) they were created with.
class Connection {
 public:
  virtual ~Connection() = default;
  /// Makes one attempt of `request`; never throws for bad input or network failures.
  virtual boost::asio::awaitable<CallResult> call(Request request) = 0;
  /// The secret values this connection holds or fetched (auth values, tokens), which whoever
  /// records its calls must mask; null when it has none.
  virtual const Redactor* secrets() const { return nullptr; }
  /// The state of this connection's circuit breaker; nullopt when it has none.
  virtual std::optional<BreakerState> breaker() const { return std::nullopt; }
};

/// A short name of a reason ("refused", "circuit_open", ...).
std::string_view to_string(ErrorReason reason);

/// Whether `response` is an error: a non-2xx status not listed in `accept_status` gives an
/// http_error carrying status, body, headers and retry_after; otherwise nullopt.
std::optional<CallError> classify(const Response& response, const std::vector<int>& accept_status = {});

/// §6 default retry rule: timeout, connection_error (circuit_open included), and http_error with
/// status 408, 429 or 5xx.
bool is_retryable(const CallError& error);

/// `{status, headers, body}` as the language's Response<T> value.
boost::json::value to_json(const Response& response);
/// The language's error value of a call error (status, body and headers for http_error; reason
/// and retry_after_ms when known).
errors::Error to_error(const CallError& error);
/// to_json(to_error(error)): the shape of stdlib/errors/error.h.
boost::json::value to_json(const CallError& error);

/// Parses a Retry-After value: delta-seconds or an HTTP date (IMF-fixdate, RFC 850, asctime),
/// relative to `now`; a date in the past gives 0; garbage gives nullopt.
std::optional<Millis> parse_retry_after(std::string_view value,
                                        std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace weft::connectors
