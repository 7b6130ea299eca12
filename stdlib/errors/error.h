// The language's one error value (docs/design-language.md §6): what `catch ... as e` binds, what a
// failed execution records (ExecutionRecord.error), what history events carry and what the HTTP
// API answers. Connectors, the evaluator and the runtime all produce this type; kinds are an enum,
// never compared as strings.
//
// JSON shape (to_json; from_json reads it back, and reads every error stored by earlier versions):
//   { "kind": "http_error"|"timeout"|"connection_error"|"validation_error"|"failure"|"cancelled",
//     "message": string,                      always
//     "code": string,                         when set (e.g. "null_access", "flow_timeout")
//     "path": string,                         when set (validation_error: where the value failed)
//     "status": int,                          when set (the HTTP status)
//     "attempt": int,                         when set (the attempt of the step that failed)
//     "body": any, "headers": {name: value},  http_error: the response
//     "details": any,                         failure: the `fail` details (null when none)
//     "reason": string, "retry_after_ms": int the connector's finer reason and Retry-After }
#pragma once
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace weft::errors {

/// The error kinds of §6.
enum class Kind { http_error, timeout, connection_error, validation_error, failure, cancelled };

/// The §6 name of a kind ("http_error", "timeout", ...).
std::string_view to_string(Kind kind);
/// The kind named `name`; nullopt for any other text.
std::optional<Kind> parse_kind(std::string_view name);

/// One error value.
struct Error {
  Kind kind = Kind::failure;                   ///< §6 kind
  std::string message;                         ///< human-readable, secrets redacted
  std::string code;                            ///< machine-readable detail ("" = none)
  std::string path;                            ///< where a value failed validation ("" = none)
  int status = 0;                              ///< HTTP status (0 = none)
  int attempt = 0;                             ///< attempt of the step that failed (0 = unknown)
  boost::json::value body;                     ///< http_error: the response body
  std::map<std::string, std::string> headers;  ///< http_error: the response headers (lower-case names)
  boost::json::value details;                  ///< failure: the details given to `fail`
  std::string reason;                          ///< the connector's finer reason ("" = none)
  std::optional<int64_t> retry_after_ms;       ///< Retry-After, or the time to a circuit probe

  /// Equal when every field is equal.
  bool operator==(const Error&) const = default;
};

/// An error of `kind` with `message` and, optionally, a `code`.
Error make(Kind kind, std::string message, std::string code = {});

/// The JSON shape above.
boost::json::object to_json(const Error& e);
/// Reads the JSON shape; a missing kind is `failure` (as errors written before kinds were
/// mandatory). nullopt, with `problem` set, for a non-object, an unknown kind or a mistyped field.
std::optional<Error> from_json(const boost::json::value& v, std::string* problem = nullptr);

/// One line for people: `http_error 503: HTTP status 503 (at body.x)`.
std::string to_text(const Error& e);

/// An Error thrown through code that unwinds (evaluation, the runtime's walk).
class Raised : public std::exception {
 public:
  /// Carries `e`.
  explicit Raised(Error e);
  /// The message of the error.
  const char* what() const noexcept override { return value_.message.c_str(); }
  /// The error value.
  const Error& value() const { return value_; }
  /// The error value, to amend (attempt, redaction) before rethrowing.
  Error& value() { return value_; }
  /// Its kind.
  Kind kind() const { return value_.kind; }

 private:
  Error value_;
};

}  // namespace weft::errors
