// The JSON-RPC binder and scheduler of the language server. Messages arrive in order through
// receive(); `$/cancelRequest` and `exit` act at once, everything else is handled in order on one
// worker thread; document analyses run on their own thread, debounced per document (the newest
// version wins, stale versions are never analysed or published). Output goes to a Sink.
//
// Debounce: a change that comes after a quiet period of at least `debounce` (the usual case: an
// isolated edit, a pause in typing, didOpen) is analysed at once; changes that follow each other
// more closely (a burst: fast typing, a paste sent as several edits, an editor's multi-edit) are
// coalesced, and the analysis starts once the document has been quiet for `debounce`, at most
// `max_delay` after the first change of the burst.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>

#include <boost/json/value.hpp>

#include "lsp/transport.h"

namespace weft::lsp {

class Handlers;

/// Set by the binder when a request is cancelled; handlers poll it and throw Cancelled.
using CancelFlag = std::shared_ptr<std::atomic<bool>>;

/// Thrown by a handler that saw its request cancelled.
struct Cancelled {};

struct ServerOptions {
  /// Changes closer together than this are one burst, analysed once the document has been
  /// quiet this long; a change after a longer quiet period is analysed at once.
  std::chrono::milliseconds debounce{50};
  /// Longest an analysis is postponed by continuous typing.
  std::chrono::milliseconds max_delay{500};
  /// The `weft` binary that runs tests for the "run test" lens (empty: this very program,
  /// /proc/self/exe, which is `weft lsp`).
  std::string weft_executable;
  /// Longest a "run test" may take; the child is killed past it.
  std::chrono::milliseconds test_timeout{90000};
  /// Test hook: runs on the worker before each request is handled (may block).
  std::function<void(const boost::json::value& id, std::string_view method)> before_request;
  /// Test hook: runs on the analysis thread before each debounced analysis (may block).
  std::function<void(const std::string& uri)> before_analysis;
};

class Server {
 public:
  /// Receives every outgoing message (responses and notifications), from any of the threads.
  using Sink = std::function<void(const boost::json::value&)>;

  explicit Server(Sink sink, ServerOptions options = {});
  /// Stops the threads (pending work is dropped).
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Handles one message body (JSON text). Never throws; bad input gets an error response.
  void receive(std::string_view body);
  /// Answers a frame whose header could not be read (-32700).
  void bad_frame(std::string_view why);
  /// True once `exit` was received.
  bool exited() const { return exited_; }
  /// The process exit status LSP prescribes: 0 after shutdown+exit, else 1.
  int exit_code() const { return shutdown_ ? 0 : 1; }
  /// Blocks until every queued message is handled and no analysis is pending or running.
  void wait_idle();

  struct Stats {
    uint64_t analyses = 0;   ///< debounced analyses run
    uint64_t published = 0;  ///< publishDiagnostics sent
  };
  Stats stats() const { return {analyses_.load(), published_.load()}; }

 private:
  struct Item {
    boost::json::value message;
    CancelFlag cancel;  ///< requests only
  };
  void send(const boost::json::value& message);
  void worker_loop();
  void analysis_loop();
  void handle(Item& item);
  void schedule_analysis(const std::string& uri);
  static std::string id_key(const boost::json::value& id);

  Sink sink_;
  ServerOptions options_;
  std::unique_ptr<Handlers> handlers_;
  std::atomic<bool> exited_{false};
  std::atomic<bool> shutdown_{false};
  bool initialized_ = false;  // worker thread only

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  std::map<std::string, CancelFlag> pending_;  // request id → flag
  bool busy_ = false;
  bool stop_ = false;

  struct PendingAnalysis {
    std::chrono::steady_clock::time_point due;
    std::chrono::steady_clock::time_point first;
  };
  std::mutex amu_;
  std::condition_variable acv_;
  std::map<std::string, PendingAnalysis> analyses_pending_;
  std::map<std::string, std::chrono::steady_clock::time_point> last_change_;  // uri → its latest change
  bool analysing_ = false;
  bool astop_ = false;
  std::atomic<uint64_t> analyses_{0};
  std::atomic<uint64_t> published_{0};
  std::condition_variable idle_cv_;   // with mu_
  std::condition_variable aidle_cv_;  // with amu_

  std::thread worker_;
  std::thread analyser_;
};

/// Runs a server over framed streams until `exit` or end of input; returns the exit status.
int serve(std::istream& in, std::ostream& out, ServerOptions options = {});

}  // namespace weft::lsp
