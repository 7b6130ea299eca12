// The type checker's entry points: check one parsed module, or a whole program of files
// connected by relative imports (`import "./common.flow" as common`).
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/sema/checked.h"

namespace weft::sema {

/// Supplies file contents; the language server overrides it to serve unsaved buffers.
class Loader {
 public:
  virtual ~Loader() = default;
  /// Reads `path` into `text`; on failure returns false and sets `error` (e.g. "No such file or directory").
  virtual bool read(const std::string& path, std::string& text, std::string& error) = 0;
};

/// Reads files from disk.
class FileLoader : public Loader {
 public:
  bool read(const std::string& path, std::string& text, std::string& error) override;
};

/// One file of a program: its source, AST and checked form.
struct ModuleUnit {
  std::string path;  ///< normalised path (the key imports resolve to)
  diagnostics::SourcePtr source;
  ast::Module ast;
  CheckedModule checked;
};

/// A checked program: the root file and everything it imports.
struct CheckedProgram {
  std::shared_ptr<TypeStore> types;               ///< owns every type in the modules
  std::vector<std::unique_ptr<ModuleUnit>> modules;  ///< the root first, then imports in load order
  /// Syntax + semantic diagnostics of all files, sorted. Their ranges point into the modules'
  /// sources: keep the program alive while the diagnostics are used.
  diagnostics::Bag diagnostics;

  /// The root module (null only when the program is empty).
  const ModuleUnit* root() const { return modules.empty() ? nullptr : modules.front().get(); }
  /// The module with this normalised path, or null.
  const ModuleUnit* find(const std::string& path) const;
  /// Every use of `s` across all modules.
  std::vector<diagnostics::Range> references_to(const Symbol* s) const;
  bool has_errors() const { return diagnostics.has_errors(); }
};

/// Checks a file and its imports, reading through `loader`. A root file that cannot be read
/// gives an E0009 diagnostic with no range.
CheckedProgram check_file(const std::string& path, Loader& loader);
/// check_file with a FileLoader.
CheckedProgram check_file(const std::string& path);
/// Checks a source already in memory (its path anchors relative imports).
CheckedProgram check_source(diagnostics::SourcePtr source, Loader& loader);

/// The imports of a module, resolved: each `import` declaration → its checked module
/// (null when loading failed; uses of it are then silently unknown).
using ImportMap = std::unordered_map<const ast::Decl*, const CheckedModule*>;

/// Checks one parsed module (no I/O). Types are allocated in `store`; the stdlib table is
/// Stdlib::get() unless `stdlib` is given. Never throws on bad input.
void check_module(CheckedModule& out, const ast::Module& module, const ImportMap& imports, TypeStore& store,
                  const Stdlib* stdlib = nullptr);

}  // namespace weft::sema
