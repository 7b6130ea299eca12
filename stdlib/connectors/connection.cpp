#include "stdlib/connectors/connection.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace weft::connectors {

std::string_view to_string(ErrorReason reason) {
  switch (reason) {
    case ErrorReason::none: return "none";
    case ErrorReason::refused: return "refused";
    case ErrorReason::dns: return "dns";
    case ErrorReason::reset: return "reset";
    case ErrorReason::tls_handshake: return "tls_handshake";
    case ErrorReason::tls_certificate: return "tls_certificate";
    case ErrorReason::network: return "network";
    case ErrorReason::circuit_open: return "circuit_open";
    case ErrorReason::protocol: return "protocol";
    case ErrorReason::status: return "status";
    case ErrorReason::auth: return "auth";
    case ErrorReason::invalid_request: return "invalid_request";
    case ErrorReason::host_not_allowed: return "host_not_allowed";
    case ErrorReason::request_too_large: return "request_too_large";
    case ErrorReason::response_too_large: return "response_too_large";
    case ErrorReason::unmatched: return "unmatched";
    case ErrorReason::aborted: return "aborted";
  }
  return "none";
}

std::optional<CallError> classify(const Response& response, const std::vector<int>& accept_status) {
  if (response.status >= 200 && response.status < 300) return std::nullopt;
  if (std::find(accept_status.begin(), accept_status.end(), response.status) != accept_status.end())
    return std::nullopt;
  CallError e;
  e.kind = ErrorKind::http_error;
  e.reason = ErrorReason::status;
  e.message = "HTTP status " + std::to_string(response.status);
  e.status = response.status;
  e.body = response.body;
  e.headers = response.headers;
  e.retry_after = response.retry_after;
  return e;
}

bool is_retryable(const CallError& error) {
  switch (error.kind) {
    case ErrorKind::timeout:
    case ErrorKind::connection_error: return true;
    case ErrorKind::http_error:
      return error.status == 408 || error.status == 429 || (error.status >= 500 && error.status <= 599);
    default: return false;
  }
}

boost::json::value to_json(const Response& response) {
  boost::json::object headers;
  for (const auto& [k, v] : response.headers) headers[k] = v;
  return boost::json::object{{"status", response.status}, {"headers", std::move(headers)}, {"body", response.body}};
}

errors::Error to_error(const CallError& error) {
  errors::Error e = errors::make(error.kind, error.message);
  if (error.kind == ErrorKind::http_error) {
    e.status = error.status;
    e.body = error.body;
    e.headers = error.headers;
  }
  if (error.reason != ErrorReason::none) e.reason = to_string(error.reason);
  if (error.retry_after) e.retry_after_ms = error.retry_after->count();
  return e;
}

boost::json::value to_json(const CallError& error) { return errors::to_json(to_error(error)); }

std::optional<Millis> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return Millis(std::int64_t{999999999} * 1000);  // absurdly long: cap
    return Millis(std::stoll(std::string(value)) * 1000);
  }
  const std::string text(value);
  for (const char* fmt : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), fmt, &tm);
    if (end == nullptr || *end != '\0') continue;
    const std::time_t t = timegm(&tm);
    if (t == static_cast<std::time_t>(-1)) continue;
    const auto when = std::chrono::system_clock::from_time_t(t);
    if (when <= now) return Millis(0);
    return std::chrono::ceil<Millis>(when - now);
  }
  return std::nullopt;
}

}  // namespace weft::connectors
