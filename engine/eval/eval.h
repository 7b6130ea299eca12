// The expression interpreter: evaluates IR expressions (compiler/ir/ir.h) over boost::json values,
// calling the standard library (stdlib/functions) and module fns, validating json values against
// type descriptors at `Check` nodes. Pure: all non-determinism comes through functions::Context.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "compiler/ir/ir.h"
#include "stdlib/functions/functions.h"

namespace weft::eval {

/// A runtime error of one of the error kinds of LANGUAGE.md §6 raised while evaluating:
/// `validation_error` (details: {path, message}) or `failure` (details: {message, code, details}).
class Error : public std::runtime_error {
 public:
  Error(std::string kind, const std::string& message, boost::json::value details = nullptr);
  /// The error kind: "validation_error" or "failure".
  const std::string& kind() const { return kind_; }
  /// The error value a `catch ... as e` binds (an object with at least `kind` and `message`).
  const boost::json::value& details() const { return details_; }

 private:
  std::string kind_;
  boost::json::value details_;
};

/// The values an expression can see: the slots of its flow or fn, and the trigger-scope names
/// (`body`, `headers`, `query`, `raw_body`, `item`, `response`, `cursor`, `event`).
struct Frame {
  std::vector<boost::json::value> slots;
  std::map<std::string, boost::json::value, std::less<>> ctx;
};

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
