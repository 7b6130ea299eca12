// A scripted in-process LSP client (as in clangd's tests): drives a Server directly, without
// pipes, and collects what it sends. Used by the unit tests, the golden sessions and the benchmark.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "lsp/server.h"

namespace weft::lsp {

class ScriptedClient {
 public:
  /// Starts a server; `options.debounce` defaults to 0 here so tests do not wait.
  explicit ScriptedClient(ServerOptions options = test_options());
  ~ScriptedClient();

  /// Server options for tests: no debounce.
  static ServerOptions test_options();

  /// Sends a request and waits for its response message ({id, result} or {id, error}).
  boost::json::value request(std::string_view method, boost::json::value params);
  /// Sends a request without waiting; returns its id.
  int64_t send_request(std::string_view method, boost::json::value params);
  /// Waits for the response to request `id`.
  boost::json::value wait_response(int64_t id);
  /// The `result` of a request; throws std::runtime_error with the error when it failed.
  boost::json::value call(std::string_view method, boost::json::value params);
  /// Sends a notification.
  void notify(std::string_view method, boost::json::value params);
  /// Sends a raw message body as it is (for malformed input).
  void send_raw(std::string_view body);
  /// Waits for the next unconsumed notification of `method` that satisfies `pred`; consumes it.
  boost::json::value wait_notification(std::string_view method,
                                       std::function<bool(const boost::json::value&)> pred = {});
  /// Waits for the publishDiagnostics of `uri` at `version`; returns its params.
  boost::json::value wait_diagnostics(const std::string& uri, int64_t version);
  /// Drops every response received so far (after sending noise).
  void discard_responses();
  /// Every message received so far, in arrival order.
  std::vector<boost::json::value> received() const;
  /// Responses to requests this client did not send (id not an integer it allocated), e.g. null ids.
  std::vector<boost::json::value> take_unsolicited();

  /// initialize + initialized, with an optional workspace root path.
  boost::json::value initialize(const std::string& root_path = {});
  /// didOpen with languageId "weft".
  void open(const std::string& uri, const std::string& text, int64_t version = 1);
  /// didChange with the full text.
  void change(const std::string& uri, int64_t version, const std::string& text);
  /// shutdown + exit.
  void shutdown();

  Server& server() { return *server_; }

  /// How long waits last before they give up with an exception (a hang guard, not a timing check).
  static constexpr std::chrono::seconds kWaitLimit{60};

 private:
  void on_message(const boost::json::value& m);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<boost::json::value> all_;
  std::deque<boost::json::value> notifications_;
  std::vector<boost::json::value> responses_;
  int64_t next_id_ = 1;
  std::unique_ptr<Server> server_;
};

/// A text position helper for tests: the LSP position of the first occurrence of `needle` in
/// `text` (plus `delta` UTF-16 units).
boost::json::value position_of(std::string_view text, std::string_view needle, int delta = 0);

}  // namespace weft::lsp
