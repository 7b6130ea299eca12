// The LSP-free core: analyses of documents (open buffers first, then files on disk), cached per
// version, built with the same stages as `weft check` (syntax::parse → sema::check_source).
// Everything here speaks paths and byte offsets; handlers convert to LSP positions.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/diagnostics/source.h"
#include "compiler/sema/check.h"
#include "lsp/document_store.h"
#include "lsp/lexer.h"

namespace weft::lsp {

/// One analysed version of one document.
struct Analysis {
  std::string uri;
  int64_t version = 0;
  diagnostics::SourcePtr source;  ///< path = the local path (or the URI when not a file: URI)
  std::vector<Token> tokens;      ///< the tolerant lexer's tokens of the whole text
  std::shared_ptr<const sema::CheckedProgram> program;  ///< the file and its imports, checked
  const sema::ModuleUnit* unit = nullptr;               ///< the document's own module in `program`
  bool syntax_ok = true;                                ///< the document parsed without errors
  std::vector<diagnostics::Diagnostic> diagnostics;     ///< what `weft check` reports for this file
};

using AnalysisPtr = std::shared_ptr<const Analysis>;

/// Reads imported files from the open documents first, then from disk.
class BufferLoader : public sema::Loader {
 public:
  explicit BufferLoader(const DocumentStore& docs) : docs_(docs) {}
  bool read(const std::string& path, std::string& text, std::string& error) override;

 private:
  const DocumentStore& docs_;
  sema::FileLoader disk_;
};

class Workspace {
 public:
  explicit Workspace(const DocumentStore& docs) : docs_(docs) {}
  /// The analysis of a document snapshot; cached until a different version is asked for.
  AnalysisPtr analyse(const DocumentPtr& doc);
  /// The analysis of an open document, or of a file read from disk (nullptr when neither).
  AnalysisPtr analyse_uri(const std::string& uri);
  /// The newest analysis of `uri` whose file parsed cleanly (for completion while typing).
  AnalysisPtr last_good(const std::string& uri);
  /// Drops the cached analysis of a URI.
  void forget(const std::string& uri);
  /// Open documents whose cached analysis imports `uri`'s file (they must be re-analysed).
  std::vector<std::string> dependents(const std::string& uri);
  /// Adds workspace folders (paths) whose .flow files take part in references and symbols.
  void add_root(const std::string& path);
  /// URIs of every .flow file in the roots plus every open document, sorted, deduplicated.
  std::vector<std::string> workspace_uris() const;

 private:
  const DocumentStore& docs_;
  mutable std::mutex mu_;
  std::map<std::string, AnalysisPtr> cache_;
  std::map<std::string, AnalysisPtr> good_;
  std::vector<std::string> roots_;
};

/// A normalised absolute path for a URI ("" for non-file URIs).
std::string normalised_path(const std::string& uri);

}  // namespace weft::lsp
