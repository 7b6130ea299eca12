// The LSP-free core: analyses of documents (open buffers first, then files on disk), cached per
// version. Everything here speaks paths and byte offsets; handlers convert to LSP positions.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/diagnostics/source.h"
#include "lsp/document_store.h"
#include "lsp/lexer.h"

namespace weft::lsp {

/// One analysed version of one document.
struct Analysis {
  std::string uri;
  int64_t version = 0;
  diagnostics::SourcePtr source;  ///< path = the local path (or the URI when not a file: URI)
  std::vector<Token> tokens;      ///< the tolerant lexer's tokens of the whole text
  std::vector<diagnostics::Diagnostic> diagnostics;  ///< the diagnostics `weft check` gives this file
};

using AnalysisPtr = std::shared_ptr<const Analysis>;

class Workspace {
 public:
  explicit Workspace(const DocumentStore& docs) : docs_(docs) {}
  /// The analysis of a document snapshot; cached until a different version is asked for.
  AnalysisPtr analyse(const DocumentPtr& doc);
  /// Drops the cached analysis of a URI.
  void forget(const std::string& uri);

 private:
  const DocumentStore& docs_;
  std::mutex mu_;
  std::map<std::string, AnalysisPtr> cache_;
};

}  // namespace weft::lsp
