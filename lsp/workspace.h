// The LSP-free core: analyses of documents (open buffers first, then files on disk), cached per
// version, built with the same stages as `weft check` (driver::compile_source, checking only).
// Everything here speaks paths and byte offsets; handlers convert to LSP positions.
// One parse + one check per document version: concurrent callers asking for the same version
// share one computation, imported files are parsed and checked again only when their text (or
// the text of what they import) changed, and a replaced analysis is destroyed off the caller's thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
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
#include "lsp/retirer.h"

namespace weft::lsp {

/// One analysed version of one document.
struct Analysis {
  std::string uri;
  int64_t version = 0;
  uint64_t serial = 0;            ///< unique per analysis run (a re-analysis of one version gets a new one)
  uint64_t generation = 0;        ///< the URI's forget() count when the analysis started
  diagnostics::SourcePtr source;  ///< path = the local path (or the URI when not a file: URI)
  std::shared_ptr<const sema::CheckedProgram> program;  ///< the file and its imports, checked
  const sema::ModuleUnit* unit = nullptr;               ///< the document's own module in `program`
  bool syntax_ok = true;                                ///< the document parsed without errors
  std::vector<diagnostics::Diagnostic> diagnostics;     ///< what `weft check` reports for this file

  /// The tolerant lexer's tokens of the whole text, computed on first use (diagnostics never
  /// need them; completion, folding, semantic tokens and hover do). Thread-safe.
  const std::vector<Token>& tokens() const;

 private:
  mutable std::once_flag tokens_once_;
  mutable std::vector<Token> tokens_;
};

using AnalysisPtr = std::shared_ptr<const Analysis>;

/// Reads files from disk, keeping the text of large ones (OpenAPI documents run to megabytes) until
/// their size or modification time changes, so an edit of a flow does not read them again.
/// Files under kLarge bytes are read every time (a quick same-size rewrite could share a coarse
/// modification time). Thread-safe; one per process.
class DiskTexts {
 public:
  static constexpr uintmax_t kLarge = 256 * 1024;
  static DiskTexts& shared();
  /// The text of `path`, from memory when it is large and unchanged.
  bool read(const std::string& path, std::string& text, std::string& error);
  /// How many times a file of at least kLarge bytes was read from disk.
  uint64_t large_reads() const { return large_reads_.load(); }

 private:
  struct Entry {
    std::filesystem::file_time_type mtime;
    uintmax_t size = 0;
    std::shared_ptr<const std::string> text;
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::atomic<uint64_t> large_reads_{0};
  sema::FileLoader disk_;
};

/// Reads imported files (and OpenAPI documents) from the open documents first, then from disk
/// (through DiskTexts).
class BufferLoader : public sema::Loader {
 public:
  explicit BufferLoader(const DocumentStore& docs) : docs_(docs) {}
  bool read(const std::string& path, std::string& text, std::string& error) override;

 private:
  const DocumentStore& docs_;
};

class Workspace {
 public:
  explicit Workspace(const DocumentStore& docs) : docs_(docs) {}

  struct Stats {
    uint64_t builds = 0;  ///< analyses computed (parse + check)
    uint64_t joined = 0;  ///< callers that waited for another thread's analysis of the same text
  };
  Stats stats() const { return {builds_.load(), joined_.load()}; }
  /// How often imported files were reused from the module cache or parsed again.
  sema::ModuleCache::Stats import_stats() const { return modules_.stats(); }
  /// Test hook: runs on the analysing thread after each analysis is computed, before it is cached.
  std::function<void(const Analysis&)> after_build;

  /// The analysis of a document snapshot; cached until a different version is asked for. A
  /// caller asking for a version that another thread is analysing waits for that result instead
  /// of parsing again. Only the analysis of an open document's current text (or of a file that
  /// is not open) is cached, and none that started before a forget() of its URI.
  AnalysisPtr analyse(const DocumentPtr& doc);
  /// True when `a` is the analysis of the open document's current text and no forget() of its
  /// URI happened since it started (its imports are still those it saw).
  bool current(const Analysis& a) const;
  /// The analysis of an open document, or of a file read from disk (nullptr when neither).
  AnalysisPtr analyse_uri(const std::string& uri);
  /// The newest analysis of `uri` whose file parsed cleanly (for completion while typing).
  AnalysisPtr last_good(const std::string& uri);
  /// Drops the cached analysis of a URI; analyses of it already running are not cached.
  void forget(const std::string& uri);
  /// Open documents whose cached analysis imports `uri`'s file, plus those being analysed right
  /// now (they may have read it): they must be forgotten and re-analysed.
  std::vector<std::string> dependents(const std::string& uri);
  /// Adds workspace folders (paths) whose .flow files take part in references and symbols.
  void add_root(const std::string& path);
  /// URIs of every .flow file in the roots plus every open document, sorted, deduplicated.
  std::vector<std::string> workspace_uris() const;

 private:
  /// One analysis being computed: its input and the result other callers wait for.
  struct InFlight {
    DocumentPtr doc;
    uint64_t generation = 0;
    std::promise<AnalysisPtr> promise;
    std::shared_future<AnalysisPtr> result;
  };
  /// Parses, checks and collects the diagnostics of one snapshot (no caching).
  AnalysisPtr build(const DocumentPtr& doc, uint64_t generation);

  const DocumentStore& docs_;
  mutable std::mutex mu_;
  std::map<std::string, AnalysisPtr> cache_;
  std::map<std::string, AnalysisPtr> good_;
  std::map<std::string, std::shared_ptr<InFlight>> inflight_;
  std::map<std::string, uint64_t> generation_;  // uri → count of forget() calls
  std::vector<std::string> roots_;
  sema::ModuleCache modules_;  // imported files, reused while unchanged (by path and text)
  std::atomic<uint64_t> builds_{0};
  std::atomic<uint64_t> joined_{0};
  Retirer retirer_;  // last member: destroyed first, so retired analyses go before the maps
};

/// A normalised absolute path for a URI ("" for non-file URIs).
std::string normalised_path(const std::string& uri);

}  // namespace weft::lsp
