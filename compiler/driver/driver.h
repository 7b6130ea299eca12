// The compiler driver: the one place that runs the stages `SourceFile → ParseResult →
// CheckedProgram → ir::Module` (docs/design-architecture.md, "Compiler pipeline"). `weft check`,
// `compile`, `graph`, `run`, the language server, the tests and the HTTP server's `POST /v1/modules`
// compile through it. Source text comes from memory or from a file; the files it imports are read
// through a Resolver: from disk relative to the importing file by default, or from an in-memory map.
#pragma once
#include <map>
#include <optional>
#include <string>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/ir/ir.h"
#include "compiler/lower/lower.h"
#include "compiler/sema/check.h"

namespace weft::driver {

/// Reads the text of imported files, by normalised path (an import is resolved relative to the
/// directory of the file that imports it).
using Resolver = sema::Loader;

/// Reads imports from disk (the default resolver).
using FileResolver = sema::FileLoader;

/// Reads imports from memory: normalised path → text; any other path is unreadable.
class MemoryResolver : public Resolver {
 public:
  MemoryResolver() = default;
  /// A resolver serving these files (paths are normalised here).
  explicit MemoryResolver(const std::map<std::string, std::string>& files);
  /// Adds or replaces one file.
  void add(const std::string& path, std::string text);
  /// The text of `path`, or false with `error` = "No such file or directory".
  bool read(const std::string& path, std::string& text, std::string& error) override;

 private:
  std::map<std::string, std::string> files_;
};

/// Reads through another resolver and keeps every file read (the imports, transitively, and the
/// OpenAPI documents of a module): what a module needs besides its own text, to send it elsewhere.
class RecordingResolver : public Resolver {
 public:
  /// Records what `inner` (which must outlive this) reads.
  explicit RecordingResolver(Resolver& inner) : inner_(inner) {}
  /// Reads `path` through the inner resolver; keeps it when it was read.
  bool read(const std::string& path, std::string& text, std::string& error) override;
  /// Normalised path → text of every file read.
  const std::map<std::string, std::string>& files() const { return files_; }

 private:
  Resolver& inner_;
  std::map<std::string, std::string> files_;
};

/// How far a compilation goes.
struct Options {
  bool lower = true;                   ///< false: parse and check only (`weft check`, the language server)
  sema::ModuleCache* cache = nullptr;  ///< imported files reused between compilations when unchanged
};

/// The result of one compilation.
struct Compilation {
  sema::CheckedProgram program;               ///< the checked root file and its imports
  std::optional<lower::LowerResult> lowered;  ///< set when lowering was asked for and there are no errors

  /// Syntax and semantic diagnostics of every file, sorted (they point into `program`'s sources).
  const diagnostics::Bag& diagnostics() const { return program.diagnostics; }
  /// True when some diagnostic is an error.
  bool has_errors() const { return program.has_errors(); }
  /// The lowered module when there are no diagnostics errors and no lowering errors, else null.
  const ir::Module* module() const;
};

/// Compiles a source held in memory; `name` is its path (it anchors relative imports and names
/// the file in diagnostics).
Compilation compile_source(const std::string& name, std::string text, Resolver& resolver, const Options& options = {});
/// compile_source with imports read from disk.
Compilation compile_source(const std::string& name, std::string text, const Options& options = {});
/// compile_source of a SourceFile the caller keeps (the language server compares it by pointer).
Compilation compile_source(diagnostics::SourcePtr source, Resolver& resolver, const Options& options = {});
/// Reads `path` through `resolver` and compiles it; an unreadable file gives one E0009 diagnostic
/// with no range.
Compilation compile_file(const std::string& path, Resolver& resolver, const Options& options = {});
/// compile_file from disk.
Compilation compile_file(const std::string& path, const Options& options = {});

}  // namespace weft::driver
