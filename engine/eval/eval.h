// The expression interpreter: evaluates IR expressions (compiler/ir/ir.h) over boost::json values,
// calling the standard library (stdlib/functions) and module fns, validating json values against
// type descriptors at `Check` nodes. Pure: all non-determinism comes through functions::Context.
//
// Runtime semantics chosen here (values are boost::json values; see compiler/ir/ir.h):
// - Numbers: int = int64 (a uint64 above INT64_MAX counts as a float), float = double. int op int
//   gives an int, and an int64 overflow is a `failure` (code "overflow"); mixing int and float
//   widens to float; a non-finite float result (JSON cannot carry it) is a `failure`.
// - `/`: two ints divide as integers, truncating toward zero (`7 / 2 == 3`, `-7 / 2 == -3`), because
//   durations are int milliseconds at run time and `10s / 4` must stay a duration; when either
//   operand is a float the division is a float division (`7 / 2.0 == 3.5`). `%` follows the
//   dividend's sign (`-7 % 2 == -1`); floats use fmod. Dividing by zero (int or float) is a `failure`.
// - Durations are ints: `+ - * /` on them are the int operators. A time is an RFC 3339 string:
//   `time + int` and `int + time` → time, `time - int` → time, `time - time` → int ms (duration).
//   `< <= > >=` order numbers by value, and strings by bytes, except that two strings that both
//   parse as RFC 3339 compare as instants. Anything else (null included) cannot be ordered.
// - `+` joins two strings or two lists; `string + number` (not a time) is a `failure`.
// - `==` / `!=` are deep (functions::values_equal: `1 == 1.0`, object key order ignored); like the
//   ordering operators, two strings that both parse as RFC 3339 are equal when they denote the
//   same instant (`"2024-03-08T11:00:00+01:00" == "2024-03-08T10:00:00Z"`).
// - `&&`, `||`, `!` and the condition of `?:` need bools; `&&`, `||`, `??` and `?:` short-circuit.
// - `a.f` on an object gives the field or null when absent; on null it is a `failure`
//   ("cannot read field `f` of null at `a`"). `a?.f` is null when a is null, and like TypeScript
//   the rest of that postfix chain is skipped too (`a?.b.c` is null, not an error, when a is null).
// - `xs[i]`: i must be an int (an integral float is accepted); a negative index is a `failure`
//   (use `get(xs, -1)` or `last(xs)`); an index past the end gives null, like JavaScript.
//   `m[k]` on an object: k must be a string; a missing key gives null. Indexing null fails.
// - Objects: entries in order; `...x` spreads an object (later keys win), `...null` adds nothing.
// - Calls: `secret(name)` and `env(name)` go to Env; standard-library names go to
//   functions::call, named arguments placed by the parameter names of the signature table
//   (the first overload that has all of them; gaps are passed as null). Lambdas become
//   functions::Callable; their parameters are bound to their slots, and the previous slot values
//   are restored afterwards (nested and recursive use is safe). When Env::fctx is null, a
//   SystemContext is used.
// - Setting constructors (connection `auth`, retry `backoff`, trigger `verify`) are not
//   functions: `none() basic(user, password) bearer(token) api_key(header|query, value)
//   oauth2_client_credentials(token_url, client_id, client_secret, scopes) exponential(initial,
//   factor, max) fixed(delay) standard_webhooks(secret)` and `hmac_sha256(header:, secret:, ...)`
//   (recognised by its named `header:`/`secret:`/`prefix:`) evaluate to
//   `{ "kind": name, <param>: value... }`: positional arguments take the parameter names above,
//   named arguments keep their names (e.g. `bearer(secret: s)` in `verify` gives `{kind, secret}`).
// - Module fns (CallFn) run in a fresh Frame; missing arguments take their defaults (evaluated in
//   the new frame, so they may use earlier parameters). More than kMaxCallDepth nested fn calls
//   is a `failure` (code "recursion_limit"); so is expression nesting deeper than kMaxNesting or
//   deeper than kStackBudget bytes of native stack.
// - validate(): an int fits float; a float with an integral value fits int and duration (as in
//   JSON Schema, since many JSON producers write `3.0`); a time must be an RFC 3339 string;
//   records are structural (extra fields allowed) and an optional field (`f?: T`) may be absent
//   or null; a union takes the first member that fits.
//
// Failure codes (details.code): "type_error", "null_access", "index_error", "overflow",
// "division_by_zero", "function_error", "unknown_function", "missing_secret", "missing_argument",
// "recursion_limit", "bad_expression".
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "compiler/ir/ir.h"
#include "stdlib/errors/error.h"
#include "stdlib/functions/functions.h"

namespace weft::eval {

/// A runtime error raised while evaluating: the language's error value (stdlib/errors), of kind
/// `validation_error` (path and message set) or `failure` (code, and details for function errors).
class Error : public errors::Raised {
 public:
  /// Carries `value`; what() is `text`, or the value's message when `text` is empty.
  explicit Error(errors::Error value, std::string text = {});
  /// The full text (for validation errors: the path, then the message).
  const char* what() const noexcept override { return text_.c_str(); }
  /// The error value as JSON, as a `catch ... as e` binds it.
  boost::json::object details() const { return errors::to_json(value()); }

 private:
  std::string text_;
};

/// The values an expression can see: the slots of its flow or fn, and the trigger-scope names
/// (`body`, `headers`, `query`, `raw_body`, `item`, `response`, `cursor`, `event`).
struct Frame {
  std::vector<boost::json::value> slots;
  std::map<std::string, boost::json::value, std::less<>> ctx;
  /// Optional: the slot descriptors of the flow or fn (their names appear in error messages,
  /// e.g. "cannot read field `x` of null at `order.customer`"); null → slots are named `$<n>`.
  const std::vector<ir::Slot>* names = nullptr;
};

/// Deepest chain of nested module fn calls (CallFn) before a `failure`.
inline constexpr int kMaxCallDepth = 200;
/// Deepest nesting of expression evaluation (across fn calls and lambdas) before a `failure`.
inline constexpr int kMaxNesting = 2000;
/// Native stack one evaluate() call may use before a `failure` (code "recursion_limit"), whatever
/// the build (sanitizers and debug builds use far more stack per level than release builds).
/// Release builds use about 1 KB per nesting level; callers need threads with ≥ 8 MB stacks.
inline constexpr std::size_t kStackBudget = std::size_t(4) << 20;

/// What evaluation needs from the outside.
struct Env {
  const ir::Module* module = nullptr;
  functions::Context* fctx = nullptr;
  /// Resolves `secret("name")`; nullopt when the secret does not exist (→ failure naming it).
  std::function<std::optional<std::string>(std::string_view)> secret;
  /// Resolves `env("NAME")`; nullopt → null.
  std::function<std::optional<std::string>(std::string_view)> env;
};

/// Evaluates `e` in `frame`. Throws Error for runtime errors (including FunctionError from the
/// standard library, converted to a `failure`); never crashes on any value.
boost::json::value evaluate(const ir::Expr& e, Frame& frame, const Env& env);

/// Validates `value` against `type` (named types resolved in `module`). Returns nullopt when it
/// fits, else the message naming the path: `body.items[3].email: expected string, got null`.
std::optional<std::string> validate(const ir::Type& type, const boost::json::value& value,
                                    const ir::Module& module, std::string_view path);

/// Text of a value as string interpolation writes it (strings unquoted, others as JSON).
std::string to_text(const boost::json::value& v);

}  // namespace weft::eval
