// The type checker's entry points: check one parsed module, or a whole program of files
// connected by relative imports (`import "./common.flow" as common`).
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/openapi/document.h"
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

/// The OpenAPI document an `openapi` connection's `spec:` names, as the driver read it.
struct SpecDocument {
  std::string path;   ///< resolved against the .flow file's directory
  std::string error;  ///< why it could not be read ("" when it was)
  std::shared_ptr<const openapi::LoadResult> loaded;  ///< the document or its errors (null when unreadable)
};
/// Each `openapi` connection declaration with a literal `spec:` → its document.
using SpecMap = std::unordered_map<const ast::Decl*, SpecDocument>;

/// One file of a program: its source, AST and checked form.
struct ModuleUnit {
  std::string path;  ///< normalised path (the key imports resolve to)
  diagnostics::SourcePtr source;
  ast::Module ast;
  CheckedModule checked;
  std::shared_ptr<TypeStore> types;  ///< owns the module's types (it outlives its program when cached)
  SpecMap specs;                     ///< the OpenAPI documents its `openapi` connections name
};

/// A checked program: the root file and everything it imports.
struct CheckedProgram {
  std::shared_ptr<TypeStore> types;               ///< owns every type in the modules
  std::vector<std::shared_ptr<ModuleUnit>> modules;  ///< the root first, then imports in load order
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

/// An imported file as an earlier check left it: reusable while its text and the texts of the
/// files it imports are unchanged. Immutable once stored.
struct CachedModule {
  std::shared_ptr<ModuleUnit> unit;                          ///< parsed and checked
  diagnostics::Bag diagnostics;                              ///< what the file adds to a program's diagnostics
  std::vector<std::shared_ptr<const CachedModule>> imports;  ///< the files it imports, as it was checked against them
};

/// Imported files kept between checks (the language server keeps one per workspace), by normalised
/// path. check_source() still reads every import; one whose text, and whose imports' texts, equal
/// the cached ones is reused instead of parsed and checked again. Files with an import cycle or an
/// unreadable import are never cached; root files neither. Thread-safe.
class ModuleCache {
 public:
  struct Stats {
    uint64_t reused = 0;  ///< imports taken from the cache
    uint64_t loaded = 0;  ///< imports parsed and checked
  };
  /// The newest entry for a path, or null.
  std::shared_ptr<const CachedModule> find(const std::string& path) const;
  /// Replaces the entry for a path.
  void store(const std::string& path, std::shared_ptr<const CachedModule> module);
  /// Counts one import resolution (`reused` or loaded).
  void count(bool reused);
  Stats stats() const;
  /// Drops every entry.
  void clear();

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const CachedModule>> entries_;
  Stats stats_;
};

/// Checks a file and its imports, reading through `loader` (imports reused from `cache` as in
/// check_source). A root file that cannot be read gives an E0009 diagnostic with no range.
CheckedProgram check_file(const std::string& path, Loader& loader, ModuleCache* cache = nullptr);
/// check_file with a FileLoader.
CheckedProgram check_file(const std::string& path);
/// Checks a source already in memory (its path anchors relative imports); imported files are
/// reused from `cache` when unchanged (and stored there) when one is given.
CheckedProgram check_source(diagnostics::SourcePtr source, Loader& loader, ModuleCache* cache = nullptr);

/// The imports of a module, resolved: each `import` declaration → its checked module
/// (null when loading failed; uses of it are then silently unknown).
using ImportMap = std::unordered_map<const ast::Decl*, const CheckedModule*>;


/// Checks one parsed module (no I/O). Types are allocated in `store`; the stdlib table is
/// Stdlib::get() unless `stdlib` is given. Never throws on bad input.
void check_module(CheckedModule& out, const ast::Module& module, const ImportMap& imports, TypeStore& store,
                  const Stdlib* stdlib = nullptr, const SpecMap* specs = nullptr);

}  // namespace weft::sema
