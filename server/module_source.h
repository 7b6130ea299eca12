// Compiling a module for deployment: source text (from an API request, or a file of `--flows DIR`)
// checked and lowered to an IR module by the compiler driver, or the diagnostics as JSON. A module
// sent over the API brings the files it reads (imports and OpenAPI documents) along with it, keyed
// by their path relative to the module's own directory; module_files() collects them on the client.
#pragma once
#include <map>
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

/// Files a module reads besides itself: path relative to the module's directory → text.
using ModuleFiles = std::map<std::string, std::string>;

/// Checks and lowers `text`, named `name` (its path, for imports and diagnostics), reading its
/// imports and OpenAPI documents from `files` only (paths relative to `name`'s directory; any other
/// import is an "unreadable file" diagnostic). For modules sent to the API.
CompiledModule compile_module(const std::string& name, const std::string& text, const ModuleFiles& files);

/// Checks and lowers `text`, the file `path`, reading its imports from disk relative to `path`.
CompiledModule compile_module_on_disk(const std::string& path, const std::string& text);

/// The files the module `text` in `path` reads from disk besides itself (its imports, transitively,
/// and their OpenAPI documents), keyed relative to `path`'s directory: what POST /v1/modules takes
/// as `files`. Files that cannot be read are left out (the server then reports them).
ModuleFiles module_files(const std::string& path, const std::string& text);

}  // namespace weft::server
