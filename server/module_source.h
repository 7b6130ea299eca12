// Compiling a module for deployment: source text (from an API request, or a file of `--flows DIR`)
// checked and lowered to an IR module by the compiler driver, or the diagnostics as JSON.
#pragma once
#include <memory>
#include <string>

#include <boost/json/array.hpp>

#include "compiler/ir/ir.h"

namespace weft::server {

/// The outcome of compile_module: a module, or diagnostics (and a summary message).
struct CompiledModule {
  std::shared_ptr<const ir::Module> module;  ///< set when the source has no errors
  boost::json::array diagnostics;            ///< every diagnostic (diagnostics::to_json)
  std::string message;                       ///< on failure: "N errors" and the first one, as text
  std::string text;                          ///< on failure: every diagnostic rendered as text
};

/// Checks and lowers `text`, named `name` (its path, for imports and diagnostics). With
/// `allow_imports` false (modules sent to the API) any `import` fails with a diagnostic;
/// otherwise imports are read from disk relative to `name`.
CompiledModule compile_module(const std::string& name, const std::string& text, bool allow_imports);

}  // namespace weft::server
