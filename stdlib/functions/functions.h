// The standard-library functions of docs/design-language.md §10 over boost::json values: one dispatch entry
// point for the evaluator, plus the context that supplies (and lets the engine record and replay)
// the non-deterministic inputs. Signatures live in signatures.h; runtime representations are
// documented in docs/stdlib.md:
//   time     = RFC 3339 string in UTC with milliseconds ("2024-03-08T10:00:00.000Z"; any RFC 3339
//              offset is accepted on input)
//   duration = int64 milliseconds;  secret = string;  int = int64;  float = double (int widens)
#pragma once
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace weft::functions {

/// A lambda argument: called with the lambda's parameter values, returns its body's value.
/// Exceptions it throws (the evaluator's own errors) pass through `call` unchanged.
using Callable = std::function<boost::json::value(std::span<const boost::json::value>)>;

/// One argument of a call: a JSON value, or a lambda for a function-typed parameter.
using Value = std::variant<boost::json::value, Callable>;

/// A runtime error raised by a standard-library function (bad argument, invalid input...).
class FunctionError : public std::runtime_error {
 public:
  /// what() reads "<function>: <message>", e.g. "parse_json: argument `s`: invalid JSON ...".
  FunctionError(std::string function, const std::string& message);
  /// The name of the function that failed.
  const std::string& function() const { return function_; }

 private:
  std::string function_;
};

/// Supplies the non-deterministic inputs of now(), uuid() and random(). The engine wraps it to
/// record each answer in the execution history and to replay recorded answers.
class Context {
 public:
  virtual ~Context() = default;
  /// The current instant in milliseconds since the Unix epoch.
  virtual int64_t now_ms() = 0;
  /// A fresh UUID in canonical lower-case text form.
  virtual std::string uuid() = 0;
  /// A uniform random number in [0, 1).
  virtual double random() = 0;
};

/// The real context: system clock, UUID v4 and random numbers from OpenSSL's CSPRNG.
class SystemContext final : public Context {
 public:
  int64_t now_ms() override;      ///< std::chrono::system_clock
  std::string uuid() override;    ///< UUID v4 from RAND_bytes
  double random() override;       ///< 53 random bits from RAND_bytes
};

/// Wraps a context and keeps every answer, in call order, as {"fn": "now", "value": ...} objects
/// (`now` gives the ms integer, `uuid` the string, `random` the double), for the history.
class RecordingContext final : public Context {
 public:
  /// Records the answers of `inner`, which must outlive this object.
  explicit RecordingContext(Context& inner) : inner_(inner) {}
  int64_t now_ms() override;
  std::string uuid() override;
  double random() override;
  /// The answers recorded so far.
  const boost::json::array& recorded() const { return recorded_; }

 private:
  Context& inner_;
  boost::json::array recorded_;
};

/// Replays answers recorded by RecordingContext, in order. Once they run out it asks `fallback`
/// (the run has gone past its recorded history). A recorded answer of another function, or of
/// the wrong kind, means the flow is not deterministic: FunctionError.
class ReplayContext final : public Context {
 public:
  /// Replays `recorded`; `fallback` must outlive this object.
  ReplayContext(boost::json::array recorded, Context& fallback)
      : recorded_(std::move(recorded)), fallback_(fallback) {}
  int64_t now_ms() override;
  std::string uuid() override;
  double random() override;
  /// How many recorded answers have been used.
  std::size_t position() const { return next_; }

 private:
  const boost::json::value* take(const char* fn);
  boost::json::array recorded_;
  Context& fallback_;
  std::size_t next_ = 0;
};

/// Calls the standard-library function `name` with positional arguments.
/// Named arguments are placed by the caller at their parameter's position (see signatures());
/// an omitted optional parameter is either left off the end or passed as null.
/// Throws FunctionError for an unknown function, a wrong argument count or kind, or invalid input;
/// never crashes on bad input.
boost::json::value call(std::string_view name, std::span<const Value> args, Context& ctx);

/// Convenience overload for calls without lambda arguments.
boost::json::value call(std::string_view name, std::span<const boost::json::value> args, Context& ctx);

/// Whether `name` is a standard-library function that `call` implements.
bool has_function(std::string_view name);

/// One parameter of a signature string, for placing named arguments at their position.
struct Parameter {
  std::string_view name;  ///< "tz"
  std::string_view type;  ///< "string" (the type text as written)
  bool optional = false;  ///< declared `name?: T`
  bool variadic = false;  ///< declared `name...: T`
};
/// The parameters of a signature from signatures(), in order ("f(a: int, b?: string) -> int"
/// gives a and b). Types may contain commas inside brackets, braces and parentheses.
std::vector<Parameter> parameters_of(std::string_view signature);

/// Canonical text of a UUID version 4 built from 16 random bytes (version/variant bits are set).
std::string make_uuid_v4(const std::array<uint8_t, 16>& random);
/// Canonical text of a time-ordered UUID version 7 from a Unix time in ms and 10 random bytes.
std::string make_uuid_v7(int64_t unix_ms, const std::array<uint8_t, 10>& random);
/// A fresh UUID v7 from the system clock and OpenSSL's CSPRNG (time-ordered ids, e.g. executions).
std::string uuid_v7();

/// How floats are written by to_json_text: `json` = shortest round-trip form that stays a float
/// ("1.5", "3.0", "1e+21"; non-finite become null; used by to_json), `text` = the shortest form
/// ("3", "NaN", "Infinity"; string interpolation and messages).
enum class FloatStyle { json, text };
/// Compact JSON text of a value (floats as `style` says, instead of Boost's "1.5E0").
std::string to_json_text(const boost::json::value& v, FloatStyle style = FloatStyle::json);
/// to_json_text, appended to `out`.
void append_json_text(const boost::json::value& v, std::string& out, FloatStyle style = FloatStyle::json);

/// True for a JSON int the language treats as `int`: an int64, or a uint64 up to INT64_MAX.
bool is_int(const boost::json::value& v);
/// The language's name of a value's kind, for messages: null, bool, int, float, string, list, object.
std::string kind_name(const boost::json::value& v);

/// Deep equality used by contains/index_of/unique: numbers compare by value (1 == 1.0),
/// objects ignore key order.
bool values_equal(const boost::json::value& a, const boost::json::value& b);

}  // namespace weft::functions
