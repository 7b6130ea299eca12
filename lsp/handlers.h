// The LSP method handlers: decode params (protocol.h), call the LSP-free core (workspace.h,
// features.h) in byte offsets, encode results in UTF-16 positions. Called by Server on its threads.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "lsp/document_store.h"
#include "lsp/protocol.h"
#include "lsp/workspace.h"

namespace weft::lsp {

class Handlers {
 public:
  using Notify = std::function<void(const boost::json::value&)>;
  using Changed = std::function<void(const std::string& uri)>;

  /// `notify` sends a message to the client; `changed` schedules a debounced analysis of a URI.
  Handlers(Notify notify, Changed changed);

  /// True when `method` is a request this server answers.
  bool has_request(std::string_view method) const;
  /// Answers a request (throws ParamError on bad params, Cancelled when `cancelled` is set).
  boost::json::value request(std::string_view method, const boost::json::value& params,
                             const std::atomic<bool>& cancelled);
  /// Handles a notification (unknown ones are ignored).
  void notify(std::string_view method, const boost::json::value& params);
  /// What diagnostics() computed: the publishDiagnostics params and the analysis they come from.
  struct Publication {
    boost::json::value params;
    AnalysisPtr analysis;
  };
  /// The publishDiagnostics params for the current version of `uri`; nullopt when the document is
  /// closed or this very analysis was already published.
  std::optional<Publication> diagnostics(const std::string& uri);
  /// Sends a Publication unless it is stale by now (the document was closed or changed, or an
  /// import changed since the analysis started); true when it was sent.
  bool publish(const std::string& uri, Publication publication);

  /// The capabilities advertised in the initialize result.
  static boost::json::value capabilities();

 private:
  using Request = boost::json::value (Handlers::*)(const boost::json::value&, const std::atomic<bool>&);
  boost::json::value initialize(const boost::json::value& params, const std::atomic<bool>&);
  boost::json::value folding_range(const boost::json::value& params, const std::atomic<bool>&);
  boost::json::value completion(const boost::json::value& params, const std::atomic<bool>&);
  boost::json::value signature_help(const boost::json::value& params, const std::atomic<bool>&);
  boost::json::value semantic_tokens_full(const boost::json::value& params, const std::atomic<bool>&);
  boost::json::value hover(const boost::json::value& params, const std::atomic<bool>&);
  boost::json::value definition(const boost::json::value& params, const std::atomic<bool>&);
  boost::json::value references(const boost::json::value& params, const std::atomic<bool>&);
  boost::json::value prepare_rename(const boost::json::value& params, const std::atomic<bool>&);
  boost::json::value rename(const boost::json::value& params, const std::atomic<bool>&);
  boost::json::value document_symbol(const boost::json::value& params, const std::atomic<bool>&);
  boost::json::value workspace_symbol(const boost::json::value& params, const std::atomic<bool>&);
  boost::json::value code_action(const boost::json::value& params, const std::atomic<bool>&);
  /// The edits that make the document what `weft fmt` writes (none when it has syntax errors).
  boost::json::value formatting(const boost::json::value& params, const std::atomic<bool>&);
  /// The edits that format the top-level declarations the range touches (format::format_range).
  boost::json::value range_formatting(const boost::json::value& params, const std::atomic<bool>&);
  /// Every range of the symbol at a position across the workspace (one list per URI).
  std::map<std::string, std::vector<Range>> symbol_ranges(const TextDocumentPositionParams& at, bool include_declaration,
                                                          const std::atomic<bool>& cancelled, std::string* name);

  /// What a document request works on: the document's analysis and the line index of its text.
  struct Subject {
    AnalysisPtr analysis;
    LineIndex index;  ///< over analysis->source->text()
  };
  /// The current analysis of an open document, or of a document read from disk, with its line
  /// index; throws ParamError when the URI is neither open nor readable, Cancelled when `cancelled`.
  Subject subject(const std::string& uri, const std::atomic<bool>& cancelled);

  Notify notify_;
  Changed changed_;
  DocumentStore docs_;
  Workspace workspace_;
  std::map<std::string_view, Request> requests_;
  std::mutex published_mu_;
  std::map<std::string, uint64_t> published_;  // uri → serial of the last published analysis
};

}  // namespace weft::lsp
