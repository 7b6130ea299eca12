// The LSP method handlers: decode params (protocol.h), call the LSP-free core (workspace.h,
// features.h) in byte offsets, encode results in UTF-16 positions. Called by Server on its threads.
#pragma once
#include <atomic>
#include <chrono>
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
#include "lsp/test_runs.h"
#include "lsp/workspace.h"

namespace weft::lsp {

class Handlers {
 public:
  using Notify = std::function<void(const boost::json::value&)>;
  using Changed = std::function<void(const std::string& uri)>;

  /// `notify` sends a message to the client; `changed` schedules a debounced analysis of a URI;
  /// `weft_executable` runs the "run test" command (empty: /proc/self/exe) within `test_timeout`.
  Handlers(Notify notify, Changed changed, std::string weft_executable = {},
           std::chrono::milliseconds test_timeout = std::chrono::seconds(90));
  /// Stops the test runs (kills a running one); no result is sent after it returns.
  void stop_test_runs();

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
    uint64_t tests = 0;  ///< revision of the test-run diagnostics it includes (0: none)
  };
  /// The publishDiagnostics params for the current version of `uri` (the analysis's diagnostics
  /// plus those of the failed test runs of this version); nullopt when the document is closed or
  /// this very analysis with these test results was already published.
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
  /// One "▶ run test" lens per `test` block, on the line of its `test` keyword.
  boost::json::value code_lens(const boost::json::value& params, const std::atomic<bool>&);
  /// `weft.runTest [uri, name]`: queues the run and answers at once (results come as diagnostics
  /// and a showMessage).
  boost::json::value execute_command(const boost::json::value& params, const std::atomic<bool>&);
  /// A test run ended (on the TestRuns thread): keeps its diagnostics when the document is still
  /// at the version that ran, republishes, and tells the user.
  void test_finished(const TestRunJob& job, const TestRunResult& result);
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
  /// uri → serial of the last published analysis and revision of the test results it carried
  std::map<std::string, std::pair<uint64_t, uint64_t>> published_;
  /// The diagnostics of the failed test runs of one document version (under published_mu_).
  struct TestDiagnostics {
    int64_t version = 0;
    uint64_t revision = 0;  ///< changes with every result kept
    std::map<std::string, std::vector<Diagnostic>> by_test;  // test name → its failures
  };
  std::map<std::string, TestDiagnostics> test_diagnostics_;  // uri → (dropped when it changes)
  TestRuns test_runs_;  // last: its thread stops before the members it uses go
};

}  // namespace weft::lsp
